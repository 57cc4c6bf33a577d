// npm run bench team — team mode's costs, against a real PostgreSQL (the cluster named by
// LLM_ROUTER_TEST_PG_URL, else a throwaway one started with scripts/team-postgres.sh):
//  1. added p50 per call: the same calls through the in-process pipeline (simulator, no pacing)
//     with team mode off and on, interleaved in blocks; and the team gate's own time per call;
//  2. lease round trips per 1,000 calls (default slices, and tight ones);
//  3. outbox throughput: rows/s shipped into PostgreSQL;
//  4. five daemons racing one budget: how far over the limit the team ends.
// Figures are printed; nothing here asserts on time.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import type { KeyStore } from '../daemon/keys/keyStore';
import { startDaemon, type StartedDaemon } from '../daemon/server';
import type { ChatCall } from '../daemon/service/chatService';
import { withPassword } from '../daemon/team/connection';

const CALLS = Number(process.env.BENCH_TEAM_CALLS ?? 1000);
const OUTBOX_ROWS = Number(process.env.BENCH_TEAM_OUTBOX_ROWS ?? 10_000);
const RACES = Number(process.env.BENCH_TEAM_RACES ?? 3);

const noKeys: KeyStore = {
  get: async () => null,
  set: async () => undefined,
  delete: async () => false,
  sourceOf: async () => 'none',
  status: async () => ({ available: false, problem: 'bench' }),
};

interface Pg {
  url: string;
  password: string;
  cleanup(): void;
}

function cluster(): Pg {
  const url = process.env.LLM_ROUTER_TEST_PG_URL;
  const password = process.env.LLM_ROUTER_TEST_PG_PASSWORD ?? process.env.PGPASSWORD;
  if (url && password) {
    return { url, password, cleanup: () => undefined };
  }
  const script = resolve('scripts/team-postgres.sh');
  const dir = mkdtempSync(join(tmpdir(), 'llmr-bench-pg-'));
  const out = execFileSync('bash', [script, 'start', dir], { encoding: 'utf8' });
  const get = (name: string): string => new RegExp(`^export ${name}=(.*)$`, 'm').exec(out)?.[1] ?? '';
  return { url: get('LLM_ROUTER_TEST_PG_URL'), password: get('LLM_ROUTER_TEST_PG_PASSWORD'), cleanup: () => execFileSync('bash', [script, 'destroy', dir]) };
}

async function database(pg: Pg): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `llmr_bench_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: withPassword(pg.url, pg.password) });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(pg.url);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new Client({ connectionString: withPassword(pg.url, pg.password) });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

const homes: string[] = [];

async function daemon(pg: Pg, config: Record<string, unknown>): Promise<StartedDaemon> {
  const home = mkdtempSync(join(tmpdir(), 'llmr-bench-team-'));
  homes.push(home);
  writeFileSync(join(home, 'config.json'), JSON.stringify({ simulator: { ttftMs: 0, tokensPerSecond: 0 }, ...config }));
  return startDaemon({
    home,
    version: 'bench',
    token: randomBytes(16).toString('hex'),
    port: 0,
    socketPath: join(home, 'd.sock'),
    keys: noKeys,
    simulate: true,
    idleTimeoutMs: 0,
    env: { ...process.env, PGPASSWORD: pg.password },
  });
}

function teamSection(url: string, member: string, lease: Record<string, number> = {}): Record<string, unknown> {
  return { team: { url, teamId: 'bench', memberId: member, lease: { maxSliceUsd: 1, shareOfRemaining: 0.1, ttlMs: 120_000, ...lease }, syncIntervalMs: 1000 } };
}

function call(i: number): ChatCall {
  return {
    endpoint: 'rpc',
    requestedModel: 'auto:cost',
    request: { messages: [{ role: 'user', content: `bench call ${i}: name a prime number` }], max_tokens: 64 },
    context: { kind: 'script' },
    stream: false,
    signal: new AbortController().signal,
  };
}

async function waitConnected(d: StartedDaemon): Promise<void> {
  const team = d.deps.team;
  for (let i = 0; i < 200 && team?.connectionState !== 'connected'; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  if (team?.connectionState !== 'connected') {
    throw new Error(`team database not connected: ${JSON.stringify((await team?.status())?.problem)}`);
  }
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? 0;
}

async function latency(pg: Pg): Promise<void> {
  const db = await database(pg);
  try {
    const local = await daemon(pg, {});
    const team = await daemon(pg, teamSection(db.url, 'lat'));
    await waitConnected(team);
    await team.deps.team?.setBudget({ scope: 'team', period: 'month', limitUsd: 1000 });
    const times = { local: [] as number[], team: [] as number[] };
    // Warm both (JIT, the first lease).
    for (let i = 0; i < 50; i++) {
      await local.deps.chat.complete(call(i));
      await team.deps.chat.complete(call(i));
    }
    const trips0 = team.deps.team?.counters.leaseRoundTrips ?? 0;
    const BLOCK = 50;
    for (let b = 0; b < CALLS / BLOCK; b++) {
      for (const [name, d] of [['local', local], ['team', team]] as const) {
        for (let i = 0; i < BLOCK; i++) {
          const t0 = performance.now();
          await d.deps.chat.complete(call(b * BLOCK + i));
          times[name].push(performance.now() - t0);
        }
      }
    }
    const trips = (team.deps.team?.counters.leaseRoundTrips ?? 0) - trips0;
    const p50l = pct(times.local, 0.5);
    const p50t = pct(times.team, 0.5);
    console.log(`per call, ${CALLS} calls each through the in-process pipeline (simulator, no pacing):`);
    console.log(`  local p50 ${p50l.toFixed(3)} ms, p90 ${pct(times.local, 0.9).toFixed(3)} ms`);
    console.log(`  team  p50 ${p50t.toFixed(3)} ms, p90 ${pct(times.team, 0.9).toFixed(3)} ms`);
    console.log(`  added p50 ${(p50t - p50l).toFixed(3)} ms (noise on a shared machine is of the same order; see the gate's own time below)`);
    console.log(`  lease round trips: ${trips} for ${CALLS} calls (default slices: at most $1, 10% of what is left) → ${((trips * 1000) / CALLS).toFixed(1)} per 1,000 calls`);

    // The gate itself: reserve on a held lease + settle + queue, as the pipeline calls it.
    const svc = team.deps.team;
    if (svc) {
      const scope = { workspace: null, member: 'lat', model: 'gpt-4o-mini', provider: 'openai' };
      const gate: number[] = [];
      const row = (id: string) => ({ id, costUsd: 0.00001, costState: 'known' as const });
      for (let i = 0; i < 5000; i++) {
        const id = `gate-${i}`;
        const t0 = performance.now();
        await svc.reserve(id, scope, 0.00002);
        await team.deps.store.withWrite((tx) => svc.settleInTx(tx, row(id) as never), { wait: false });
        svc.afterRecord(row(id) as never);
        gate.push(performance.now() - t0);
      }
      // The gate's write shares the ledger's transaction in the pipeline; here it is its own: an upper bound.
      console.log(`  team gate alone (reserve on a held lease + settle + queue in its own write): p50 ${(pct(gate, 0.5) * 1000).toFixed(1)} µs, p99 ${(pct(gate, 0.99) * 1000).toFixed(1)} µs`);
    }
    await local.close();
    await team.close();
  } finally {
    await db.drop();
  }
}

async function tightLeases(pg: Pg): Promise<void> {
  const db = await database(pg);
  try {
    const d = await daemon(pg, teamSection(db.url, 'tight', { maxSliceUsd: 0.001, shareOfRemaining: 0.1 }));
    await waitConnected(d);
    await d.deps.team?.setBudget({ scope: 'team', period: 'month', limitUsd: 1000 });
    for (let i = 0; i < CALLS; i++) {
      await d.deps.chat.complete(call(i));
    }
    const trips = d.deps.team?.counters.leaseRoundTrips ?? 0;
    const spent = d.deps.store.read((tx) => Number(tx.get<{ s: number | null }>('SELECT sum(cost_usd) AS s FROM requests')?.s ?? 0));
    console.log(`  tight slices (at most $0.001): ${((trips * 1000) / CALLS).toFixed(1)} lease round trips per 1,000 calls ($${spent.toFixed(4)} spent, ~$${(spent / CALLS).toFixed(6)} a call)`);
    await d.close();
  } finally {
    await db.drop();
  }
}

async function outbox(pg: Pg): Promise<void> {
  const db = await database(pg);
  try {
    const d = await daemon(pg, { team: { url: db.url, teamId: 'bench', memberId: 'ship', syncIntervalMs: 600_000 } });
    await waitConnected(d);
    // Real ledger rows, queued the way the pipeline queues them.
    const now = Date.now();
    await d.deps.store.withWrite((tx) => {
      for (let i = 0; i < OUTBOX_ROWS; i++) {
        const id = `req_bench_${i.toString().padStart(8, '0')}`;
        tx.run(
          `INSERT INTO requests (id, ts, client_kind, endpoint, requested_model, model, provider, stream, tokens_in, tokens_out, cost_usd, cost_state, latency_ms, status)
           VALUES (?, ?, 'script', 'rpc', 'auto', 'gpt-4o-mini', 'openai', 0, 300, 120, 0.0001, 'known', 400, 'ok')`,
          [id, now - OUTBOX_ROWS + i],
        );
        tx.run("INSERT INTO team_outbox (request_id, lease_ids, queued_at) VALUES (?, '[]', ?)", [id, now]);
      }
    });
    const team = d.deps.team;
    if (!team) {
      throw new Error('team mode did not start');
    }
    const t0 = performance.now();
    while (team.outboxBacklog() > 0) {
      await team.sync(true);
    }
    const s = (performance.now() - t0) / 1000;
    console.log(`outbox: ${OUTBOX_ROWS} rows shipped in ${s.toFixed(2)} s → ${Math.round(OUTBOX_ROWS / s)} rows/s (batches of 500, one PostgreSQL transaction each)`);
    await d.close();
  } finally {
    await db.drop();
  }
}

async function race(pg: Pg, round: number): Promise<number> {
  const db = await database(pg);
  const LIMIT = 0.002;
  const SLICE = 0.0002;
  try {
    const ds: StartedDaemon[] = [];
    for (let i = 0; i < 5; i++) {
      ds.push(await daemon(pg, teamSection(db.url, `m${i}`, { maxSliceUsd: SLICE, shareOfRemaining: 0.25 })));
    }
    for (const d of ds) {
      await waitConnected(d);
    }
    await ds[0]?.deps.team?.setBudget({ scope: 'team', period: 'day', limitUsd: LIMIT });
    for (const d of ds) {
      await d.deps.team?.sync();
    }
    let n = 0;
    const worker = async (d: StartedDaemon): Promise<void> => {
      let refused = 0;
      while (refused < 3) {
        try {
          await d.deps.chat.complete(call(n++));
          refused = 0;
        } catch {
          refused += 1;
        }
      }
    };
    await Promise.all(ds.flatMap((d) => [worker(d), worker(d), worker(d)]));
    for (const d of ds) {
      await d.close();
    }
    const c = new Client({ connectionString: withPassword(db.url, pg.password) });
    await c.connect();
    const r = await c.query<{ s: number }>("SELECT coalesce(sum(cost_usd), 0) AS s FROM team_requests WHERE cost_state = 'known'");
    await c.end();
    const spent = Number(r.rows[0]?.s ?? 0);
    console.log(`race ${round + 1}: 5 daemons × 3 callers, limit $${LIMIT}, slices ≤ $${SLICE}: spent $${spent.toFixed(6)}, over by $${(spent - LIMIT).toFixed(6)} (${(((spent - LIMIT) / LIMIT) * 100).toFixed(2)}%; stated bound $${(5 * SLICE).toFixed(4)})`);
    return spent - LIMIT;
  } finally {
    await db.drop();
  }
}

async function main(): Promise<void> {
  console.log(`bench team: ${cpus().length} CPUs, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const pg = cluster();
  try {
    await latency(pg);
    await tightLeases(pg);
    await outbox(pg);
    const over: number[] = [];
    for (let i = 0; i < RACES; i++) {
      over.push(await race(pg, i));
    }
    console.log(`race overshoot: max $${Math.max(...over).toFixed(6)} over ${RACES} races`);
  } finally {
    for (const h of homes) {
      rmSync(h, { recursive: true, force: true });
    }
    pg.cleanup();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
