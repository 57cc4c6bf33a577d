// Auto-stop and promotion driven by the daemon itself: the chat pipeline's hooks assign, record
// and evaluate in the background; nobody calls experiment/get until the experiment has stopped.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { ExperimentInfo, ExperimentListResult } from '../../daemon/protocol/experiments';
import type { ChatCompleteResult } from '../../daemon/protocol/methods';
import { startTestDaemon, type Harness } from './daemonHarness';

let harness: Harness | null = null;
after(async () => {
  await harness?.close();
});

function rpc<T>(h: Harness, method: string, params: unknown): Promise<T> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
  return new Promise<T>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: h.daemon.port, path: '/rpc', method: 'POST', agent: false, headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const a = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { result?: T; error?: { message: string } };
          if (a.result === undefined) {
            reject(new Error(`${method}: ${a.error?.message}`));
          } else {
            resolve(a.result);
          }
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test('the daemon stops a decided experiment by itself and promotes the winner', async () => {
  const h = await startTestDaemon();
  harness = h;
  const e = await rpc<ExperimentInfo>(h, 'experiment/create', {
    name: 'auto',
    arms: [
      { name: 'quality', weight: 0.5, strategy: 'quality-first' },
      { name: 'cheap', weight: 0.5, strategy: 'cost-aggressive' },
    ],
    unit: 'request',
    minSamplesPerArm: 10,
    autoStop: true,
    autoPromote: true,
    salt: 'auto-stop-salt-01',
  });
  let status: string = e.status;
  let sent = 0;
  // Bounded: the cost difference between these strategies is decided within a few dozen requests.
  while (status === 'running' && sent < 300) {
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        rpc<ChatCompleteResult>(h, 'chat/complete', { model: 'auto', messages: [{ role: 'user', content: `Request ${sent + i}: explain ${'caching '.repeat(1 + ((sent + i) % 5))}briefly.` }] }),
      ),
    );
    sent += 5;
    const list = await rpc<ExperimentListResult>(h, 'experiment/list', {});
    status = list.experiments.find((x) => x.id === e.id)?.status ?? 'missing';
  }
  console.log(`auto-stopped after ${sent} requests`);
  assert.equal(status, 'stopped', `still ${status} after ${sent} requests`);
  const list = await rpc<ExperimentListResult>(h, 'experiment/list', { status: 'stopped' });
  const stopped = list.experiments.find((x) => x.id === e.id);
  assert.ok(stopped);
  assert.equal(stopped.verdict?.kind, 'winner');
  assert.equal(stopped.verdict?.arm, 'cheap');
  assert.equal(stopped.promotion?.arm, 'cheap');
  assert.equal(stopped.promotion?.by, 'auto-stop');
  assert.match(stopped.stopReason ?? '', /^auto-stop: cheap beats quality on costPerRequest/);
  const events = h.daemon.deps.store.read((tx) => tx.all<{ kind: string; by: string }>('SELECT kind, by FROM experiment_events WHERE experiment_id = ? ORDER BY rowid', [e.id]));
  assert.deepEqual(events.map((x) => `${x.kind}:${x.by}`), ['created:script', 'verdict:auto', 'stopped:auto-stop', 'promoted:auto-stop']);
  const units = h.daemon.deps.store.read((tx) => tx.get<{ n: number }>('SELECT count(*) AS n FROM experiment_units WHERE experiment_id = ?', [e.id]))?.n;
  assert.equal(units, stopped.requests, 'every experiment request recorded its unit in the ledger transaction');
  const later = await rpc<ChatCompleteResult>(h, 'chat/complete', { model: 'auto', messages: [{ role: 'user', content: 'and now?' }] });
  assert.equal(later.routing.strategy, 'cost-aggressive', 'the promoted strategy is the default now');
});
