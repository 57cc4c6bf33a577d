import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { daemonState, discoveryPath, isDaemonLive, isPidAlive, readDiscovery, removeDiscovery, writeDiscovery } from '../../../daemon/lifecycle/discovery';
import type { DiscoveryInfo } from '../../../daemon/protocol/discovery';

const home = mkdtempSync(join(tmpdir(), 'lr-disc-'));
const servers: Server[] = [];
after(() => {
  for (const s of servers) {
    s.close();
  }
  rmSync(home, { recursive: true, force: true });
});

function info(over: Partial<DiscoveryInfo> = {}): DiscoveryInfo {
  return { version: '1.0.0', pid: process.pid, socketPath: join(home, 's.sock'), port: 1, token: 'a'.repeat(64), startedAt: 1, ...over };
}

function healthServer(body: unknown): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    });
    servers.push(s);
    s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port));
  });
}

test('write then read round-trips, file is 0600, no temp files remain', { skip: process.platform === 'win32' }, () => {
  writeDiscovery(home, info());
  assert.deepEqual(readDiscovery(home), info());
  assert.equal(statSync(discoveryPath(home)).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(home).filter((f) => f.endsWith('.tmp')), []);
});

test('invalid or truncated files read as null', () => {
  writeFileSync(discoveryPath(home), '{"pid": 12');
  assert.equal(readDiscovery(home), null);
  writeFileSync(discoveryPath(home), JSON.stringify({ pid: 'x' }));
  assert.equal(readDiscovery(home), null);
});

test('removeDiscovery only removes a record naming the pid', () => {
  writeDiscovery(home, info({ pid: 424242 }));
  assert.equal(removeDiscovery(home, process.pid), false);
  assert.notEqual(readDiscovery(home), null);
  assert.equal(removeDiscovery(home, 424242), true);
  assert.equal(readDiscovery(home), null);
});

test('pid liveness', () => {
  assert.equal(isPidAlive(process.pid), true);
  assert.equal(isPidAlive(2 ** 22 + 12345), false);
});

test('live only when the pid exists and /health answers with that pid', async () => {
  const ours = await healthServer({ status: 'ok', pid: process.pid, version: '1.0.0' });
  const someoneElse = await healthServer({ status: 'ok', pid: 1 });
  const notUs = await healthServer({ hello: 'world' });
  assert.equal(await isDaemonLive(info({ port: ours })), true);
  assert.equal(await isDaemonLive(info({ port: someoneElse })), false);
  assert.equal(await isDaemonLive(info({ port: notUs })), false);
  assert.equal(await isDaemonLive(info({ port: ours, pid: 2 ** 22 + 12345 })), false);
});

test('daemon states: closing when the port refuses, unresponsive when it never answers', async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  assert.equal(await daemonState(info({ port: closedPort })), 'closing');
  assert.equal(await daemonState(info({ port: closedPort, pid: 2 ** 22 + 12345 })), 'stale');

  const silent = createServer(() => {
    // never answers
  });
  servers.push(silent);
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  const silentPort = (silent.address() as AddressInfo).port;
  assert.equal(await daemonState(info({ port: silentPort }), 200), 'unresponsive');
  silent.closeAllConnections();
});
