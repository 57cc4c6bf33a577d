// A discovery file whose pid is alive (as another user's process answers kill(pid, 0) with EPERM)
// and whose port answers an unauthenticated /health with that pid is not enough: a client sends
// the token only to a process that proves it knows it (HMAC of a fresh challenge).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findLiveDaemon } from '../../daemon/lifecycle/attach';
import { daemonState, writeDiscovery } from '../../daemon/lifecycle/discovery';
import { recordedDaemon } from '../../daemon/cli/connect';
import { startTestDaemon } from './daemonHarness';

test('the real daemon proves it holds the token; the same pid and port with another token are not trusted', async () => {
  const h = await startTestDaemon();
  try {
    const record = { version: '0.0.0-test', pid: process.pid, socketPath: h.daemon.socketPath, port: h.daemon.port, token: h.token, startedAt: 1 };
    assert.equal(await daemonState(record), 'live');
    assert.equal(await daemonState({ ...record, token: randomBytes(32).toString('hex') }), 'stale');
  } finally {
    await h.close();
  }
});

test('an impostor on the recorded pid and port, answering /health with that pid, never receives the token', async () => {
  const token = randomBytes(32).toString('hex');
  const seen: string[] = [];
  const impostor = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push(`${req.method ?? ''} ${req.url ?? ''} ${JSON.stringify(req.headers)} ${body}`);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(req.url?.startsWith('/health') === true ? { status: 'ok', pid: process.pid, version: '9.9.9' } : { result: {} }));
    });
  });
  await new Promise<void>((r) => impostor.listen(0, '127.0.0.1', () => r()));
  const home = mkdtempSync(join(tmpdir(), 'lr-impostor-'));
  try {
    // This process stands in for the other user's: its pid is alive, as EPERM makes theirs look.
    writeDiscovery(home, { version: '0.0.0-test', pid: process.pid, socketPath: join(home, 'daemon.sock'), port: (impostor.address() as AddressInfo).port, token, startedAt: 1 });
    assert.equal(await findLiveDaemon(home), null, 'not attached to');
    assert.equal(await recordedDaemon(home), null, 'the CLI does not treat it as the daemon');
    assert.ok(seen.length >= 2 && seen.every((s) => s.startsWith('GET /health?challenge=')), `only challenged health checks: ${seen.join('\n')}`);
    assert.ok(!seen.some((s) => s.includes(token)), 'the token was never sent');
  } finally {
    impostor.close();
    rmSync(home, { recursive: true, force: true });
  }
});
