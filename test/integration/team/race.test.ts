// Five daemons (separate homes and processes) race one team budget on one PostgreSQL, with
// streaming and non-streaming calls. The team's recorded spend must end within the stated bound
// (limit + the outstanding leases, each at most maxSliceUsd), and every acknowledged request must
// be in the team ledger exactly once, as in its member's own ledger.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../../daemon/store/database';
import { SKIP_NO_PG, chat, cleanupDaemons, freshDatabase, newHome, rpcOk, sql, startTeamDaemon, stopDaemon, testPg, until, writeTeamConfig, type TeamDaemon } from './teamHarness';

const pg = testPg();
const DAEMONS = 5;
const WORKERS = 3;
const LIMIT_USD = 0.002;
const MAX_SLICE_USD = 0.0002;

after(cleanupDaemons);

test('five daemons racing one team budget end within the lease bound, each acknowledged request once in the team ledger', { skip: pg === null ? SKIP_NO_PG : false, timeout: 180_000 }, async () => {
  const p = pg as NonNullable<typeof pg>;
  const db = await freshDatabase(p);
  try {
    const daemons: TeamDaemon[] = [];
    for (let i = 0; i < DAEMONS; i++) {
      const home = newHome();
      writeTeamConfig(home, { url: db.url, memberId: `member-${i}`, lease: { maxSliceUsd: MAX_SLICE_USD, shareOfRemaining: 0.25, ttlMs: 60_000 } });
      daemons.push(await startTeamDaemon(home, p.password));
    }
    const first = daemons[0] as TeamDaemon;
    await until(async () => (await rpcOk<{ connection: string }>(first, 'team/status', {})).connection === 'connected', 15_000, 'the first daemon to connect');
    const budget = await rpcOk<{ budget: { id: string } }>(first, 'team/budgetSet', { scope: 'team', period: 'day', limitUsd: LIMIT_USD });
    // Each daemon sees the budget at its next sync.
    for (const d of daemons) {
      await until(async () => (await rpcOk<{ budgets: unknown[]; connection: string }>(d, 'team/status', {})).budgets.length === 1, 15_000, 'every daemon to see the team budget');
    }

    const acked: string[] = [];
    const refusals: string[] = [];
    let n = 0;
    // Some calls fail on purpose (the simulator's prompt directives): the chosen provider fails and a
    // fallback answers, or a stream is cut. Failures open circuits, so other calls may fail too
    // (503). Each attempt's hold must come back, and every row, failed or not, reach the team once.
    const FAULTS = ['[sim-fault:server_error@xai] ', ...Array<string>(9).fill(''), '[sim-fault:cut] ', ...Array<string>(9).fill('')];
    let failed = 0;
    const worker = async (d: TeamDaemon): Promise<void> => {
      let refusedInARow = 0;
      for (let i = 0; i < 200 && refusedInARow < 3; i++) {
        const k = n++;
        const fault = FAULTS[k % FAULTS.length] as string;
        const a = await chat(d, k % 2 === 0, `${fault}write a haiku about shared budgets (#${k})`);
        if (a.complete && a.id !== null) {
          acked.push(a.id);
          refusedInARow = 0;
        } else if (a.status === 402) {
          refusals.push(a.body);
          refusedInARow += 1;
        } else if (fault !== '' || a.status >= 500 || a.status === 200) {
          failed += 1;
        } else {
          assert.fail(`unexpected answer ${a.status}: ${a.body.slice(0, 300)}`);
        }
      }
    };
    await Promise.all(daemons.flatMap((d) => Array.from({ length: WORKERS }, () => worker(d))));
    assert.ok(refusals.length > 0, 'the budget ran out during the race');
    assert.match(refusals[0] as string, /team budget .* would be exceeded/);

    // A graceful stop ships the outbox and returns the leases.
    const before = await Promise.all(daemons.map((d) => rpcOk<{ connection: string; leases: { heldUsd: number }[] }>(d, 'team/status', {})));
    for (const d of daemons) {
      await stopDaemon(d);
    }
    const rows = await sql<{ request_id: string; cost_usd: number | null }>(db.url, p.password, 'SELECT request_id, cost_usd FROM team_requests');
    const ids = rows.map((r) => r.request_id);
    assert.equal(new Set(ids).size, ids.length, 'no request twice in the team ledger');
    const inTeam = new Set(ids);
    const missing = acked.filter((id) => !inTeam.has(id));
    assert.deepEqual(missing, [], 'every acknowledged request is in the team ledger');

    // The team ledger holds exactly the members' own ledgers.
    const local: string[] = [];
    for (const d of daemons) {
      const store = await Store.open({ dir: d.home, log: () => undefined });
      local.push(...store.read((tx) => tx.all<{ id: string }>('SELECT id FROM requests')).map((r) => r.id));
      assert.equal(store.read((tx) => tx.get<{ n: number }>('SELECT count(*) AS n FROM team_outbox'))?.n, 0, 'outbox drained on stop');
      await store.close();
    }
    assert.deepEqual([...local].sort(), [...ids].sort());

    const spent = rows.reduce((s, r) => s + (r.cost_usd ?? 0), 0);
    const counted = await sql<{ spent_usd: number }>(db.url, p.password, 'SELECT spent_usd FROM team_budget_usage WHERE budget_id = $1', [budget.budget.id]);
    assert.ok(Math.abs(Number(counted[0]?.spent_usd ?? 0) - spent) < 1e-9, 'the budget counter equals the rows');
    const bound = DAEMONS * MAX_SLICE_USD;
    const overshoot = spent - LIMIT_USD;
    assert.ok(failed > 0, 'some calls failed on purpose');
    assert.ok(acked.length > 50, `most calls were answered (${acked.length})`);
    console.log(`race: ${acked.length} acknowledged, ${refusals.length} refused, ${failed} failed, spent $${spent.toFixed(6)} of $${LIMIT_USD} (overshoot $${overshoot.toFixed(6)}, bound $${bound})`);
    assert.ok(overshoot <= bound, `overshoot $${overshoot} within the bound $${bound}`);
    // Failures open circuits for a while (fewer calls get through), so this is only a sanity check.
    assert.ok(spent >= LIMIT_USD * 0.5, `the budget was spent across daemons ($${spent})`);
    const open = await sql<{ n: string }>(db.url, p.password, "SELECT count(*) AS n FROM team_leases WHERE state = 'open'");
    assert.equal(Number(open[0]?.n), 0, `every lease returned on a graceful stop: ${JSON.stringify(before)}`);
  } finally {
    await cleanupDaemons();
    await db.drop();
  }
});
