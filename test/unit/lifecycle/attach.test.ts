import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { challengeOf, tokenProof } from '../../../daemon/lifecycle/tokenProof';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { settleRecordedDaemon } from '../../../daemon/lifecycle/attach';
import { readDiscovery, writeDiscovery } from '../../../daemon/lifecycle/discovery';
import type { DiscoveryInfo } from '../../../daemon/protocol/discovery';

const home = mkdtempSync(join(tmpdir(), 'lr-attach-'));
const servers: Server[] = [];
after(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  rmSync(home, { recursive: true, force: true });
});

function record(port: number, pid = process.pid): DiscoveryInfo {
  return { version: '1', pid, socketPath: '/x', port, token: 'd'.repeat(64), startedAt: 5 };
}

async function serve(handler: Parameters<typeof createServer>[1]): Promise<number> {
  const s = createServer(handler);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as AddressInfo).port;
}

test('a live record is returned; a dead one is removed', async () => {
  const port = await serve((q, res) => res.end(JSON.stringify({ pid: process.pid, proof: tokenProof(record(0).token, challengeOf(q.url) ?? '', q.socket.localPort ?? 0) })));
  writeDiscovery(home, record(port));
  assert.equal((await settleRecordedDaemon(home, Date.now() + 2_000))?.pid, process.pid);
  writeDiscovery(home, record(port, 2 ** 22 + 99));
  assert.equal(await settleRecordedDaemon(home, Date.now() + 2_000), null);
  assert.equal(readDiscovery(home), null);
});

test('a daemon that accepts but never answers is not replaced: a clear error at the deadline', async () => {
  const port = await serve(() => {
    // hung
  });
  writeDiscovery(home, record(port));
  await assert.rejects(settleRecordedDaemon(home, Date.now() + 500), /does not answer on port/);
  assert.notEqual(readDiscovery(home), null);
});
