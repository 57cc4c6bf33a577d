// The team database stops mid-run: the daemon keeps serving within its lease, then refuses with a
// clear teamUnavailable; once PostgreSQL is back the outbox drains and calls are served again.
// Stopping a database must not disturb the other team tests, so this file starts its own cluster
// with scripts/team-postgres.sh.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Store } from '../../../daemon/store/database';
import { SKIP_NO_PG, chat, cleanupDaemons, newHome, rpcOk, sql, startTeamDaemon, stopDaemon, testPg, until, writeTeamConfig, type TeamDaemon } from './teamHarness';

const pg = testPg();
const SCRIPT = resolve('scripts/team-postgres.sh');
const SLICE_USD = 0.0005;
let clusterDir: string | null = null;

after(async () => {
  await cleanupDaemons();
  if (clusterDir !== null) {
    execFileSync('bash', [SCRIPT, 'destroy', clusterDir]);
  }
});

function startCluster(): { url: string; password: string } {
  clusterDir = mkdtempSync(join(tmpdir(), 'lr-team-pg-'));
  const out = execFileSync('bash', [SCRIPT, 'start', clusterDir], { encoding: 'utf8' });
  const value = (name: string): string => {
    const m = new RegExp(`^export ${name}=(.*)$`, 'm').exec(out);
    if (!m?.[1]) {
      throw new Error(`team-postgres.sh printed no ${name}: ${out}`);
    }
    return m[1];
  };
  return { url: value('LLM_ROUTER_TEST_PG_URL'), password: value('LLM_ROUTER_TEST_PG_PASSWORD') };
}

interface Status {
  connection: string;
  problem: string | null;
  outboxBacklog: number;
  budgets: unknown[];
  leases: { availableUsd: number }[];
}

test('database stopped mid-run: serve within the lease, then refuse clearly; restarted, the outbox drains', { skip: pg === null ? SKIP_NO_PG : false, timeout: 180_000 }, async () => {
  const cluster = startCluster();
  const dir = clusterDir as string;
  const home = newHome();
  writeTeamConfig(home, { url: cluster.url, memberId: 'carol', lease: { maxSliceUsd: SLICE_USD, shareOfRemaining: 1, ttlMs: 60_000 }, syncIntervalMs: 300 });
  const d: TeamDaemon = await startTeamDaemon(home, cluster.password);
  await until(async () => (await rpcOk<Status>(d, 'team/status', {})).connection === 'connected', 15_000, 'connected');
  await rpcOk(d, 'team/budgetSet', { scope: 'team', period: 'day', limitUsd: 1 });
  await until(async () => (await rpcOk<Status>(d, 'team/status', {})).budgets.length === 1, 10_000, 'the budget to load');
  const warm = await chat(d, false);
  assert.ok(warm.complete, warm.body);
  await until(async () => (await rpcOk<Status>(d, 'team/status', {})).outboxBacklog === 0, 10_000, 'the first row to ship');
  const lease = (await rpcOk<Status>(d, 'team/status', {})).leases[0];
  assert.ok(lease !== undefined && lease.availableUsd > 0, 'a lease with room is held');

  execFileSync('bash', [SCRIPT, 'stop', dir]);
  let served = 0;
  let refusal: { status: number; body: string } | null = null;
  for (let i = 0; i < 80 && refusal === null; i++) {
    const r = await chat(d, i % 2 === 0);
    if (r.complete) {
      served += 1;
    } else {
      refusal = { status: r.status, body: r.body };
    }
  }
  assert.ok(served >= 1, `calls went on within the lease while the database was down: ${JSON.stringify(refusal)} ${JSON.stringify(lease)}`);
  assert.ok(refusal !== null, 'then a call was refused');
  assert.equal(refusal.status, 503);
  const err = JSON.parse(refusal.body) as { error: { code?: string; type?: string; message: string } };
  assert.match(err.error.message, /team database unreachable .*lease .* left and this call needs .*refusing until the database answers/);
  const down = await rpcOk<Status>(d, 'team/status', {});
  assert.notEqual(down.connection, 'connected');
  assert.ok(down.problem !== null && down.problem.length > 0, 'status says what is wrong');
  assert.equal(down.outboxBacklog, served + 1, 'the served calls (and the refused one) wait in the outbox');
  // Local operation is unaffected: the member's own ledger answers.
  const local = await rpcOk<{ requests: number }>(d, 'spend/summary', { period: 'day' });
  assert.equal(local.requests, served + 2);

  execFileSync('bash', [SCRIPT, 'restart', dir]);
  await until(async () => {
    const s = await rpcOk<Status>(d, 'team/status', {});
    return s.connection === 'connected' && s.outboxBacklog === 0;
  }, 30_000, 'the outbox to drain once the database is back');
  const again = await chat(d, true);
  assert.ok(again.complete, again.body);
  await stopDaemon(d);

  const rows = await sql<{ request_id: string; cost_usd: number | null; status: string }>(cluster.url, cluster.password, 'SELECT request_id, cost_usd, status FROM team_requests');
  const store = await Store.open({ dir: home, log: () => undefined });
  const localIds = store.read((tx) => tx.all<{ id: string }>('SELECT id FROM requests')).map((r) => r.id);
  await store.close();
  assert.deepEqual(rows.map((r) => r.request_id).sort(), localIds.sort(), 'every row reached the team ledger once');
  // What was served while the database was down stayed inside the lease it held.
  const okCost = rows.filter((r) => r.status === 'ok').reduce((s, r) => s + (r.cost_usd ?? 0), 0);
  assert.ok(okCost <= SLICE_USD * 2 + 1e-9, `spent $${okCost} with two leases of at most $${SLICE_USD}`);
});
