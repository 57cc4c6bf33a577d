import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { challengeOf, isChallenge, newChallenge, tokenProof, verifyTokenProof } from '../../../daemon/lifecycle/tokenProof';
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

/** A stand-in daemon; with `token` it answers a challenge the way the real one does. */
function healthServer(body: Record<string, unknown>, token?: string): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer((req, res) => {
      const challenge = challengeOf(req.url);
      const proof = token !== undefined && challenge !== null ? { proof: tokenProof(token, challenge, req.socket.localPort ?? 0) } : {};
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ...body, ...proof }));
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
  const ours = await healthServer({ status: 'ok', pid: process.pid, version: '1.0.0' }, info().token);
  const someoneElse = await healthServer({ status: 'ok', pid: 1 }, info().token);
  const notUs = await healthServer({ hello: 'world' });
  assert.equal(await isDaemonLive(info({ port: ours })), true);
  assert.equal(await isDaemonLive(info({ port: someoneElse })), false);
  assert.equal(await isDaemonLive(info({ port: notUs })), false);
  assert.equal(await isDaemonLive(info({ port: ours, pid: 2 ** 22 + 12345 })), false);
});

test('a process with the recorded pid and port that cannot prove it holds the token is not trusted', async () => {
  // Another user's process (kill(pid, 0) answers EPERM: alive) now owns the pid and the port.
  const noProof = await healthServer({ status: 'ok', pid: process.pid, version: '1.0.0' });
  const otherToken = await healthServer({ status: 'ok', pid: process.pid, version: '1.0.0' }, 'b'.repeat(64));
  const replayed = await healthServer({ status: 'ok', pid: process.pid, proof: tokenProof(info().token, 'c'.repeat(64), 1) });
  for (const port of [noProof, otherToken, replayed]) {
    assert.equal(await daemonState(info({ port })), 'stale', `port ${port}`);
  }
  const real = await healthServer({ status: 'ok', pid: process.pid, version: '1.0.0' }, info().token);
  assert.equal(await daemonState(info({ port: real })), 'live');
});

test('the proof: an HMAC of the challenge and port keyed by the token; any other token, challenge or port fails', () => {
  const token = 'e'.repeat(64);
  const challenge = newChallenge();
  assert.ok(isChallenge(challenge));
  const proof = tokenProof(token, challenge, 4242);
  assert.equal(verifyTokenProof(token, challenge, 4242, proof), true);
  assert.equal(verifyTokenProof('f'.repeat(64), challenge, 4242, proof), false);
  assert.equal(verifyTokenProof(token, newChallenge(), 4242, proof), false);
  assert.equal(verifyTokenProof(token, challenge, 4243, proof), false);
  for (const bad of [undefined, null, 42, '', 'zz', proof.toUpperCase(), `${proof}00`]) {
    assert.equal(verifyTokenProof(token, challenge, 4242, bad), false, String(bad));
  }
  assert.equal(challengeOf(`/health?challenge=${challenge}`), challenge);
  for (const target of ['/health', '/health?challenge=short', '/health?challenge=ZZ' + challenge, undefined]) {
    assert.equal(challengeOf(target), null, String(target));
  }
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
