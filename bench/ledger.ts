// npm run bench:ledger — the ledger under load. Prints, and asserts nothing:
//  1. recorded requests/s with durable writes (journal + fsync + group commit), as the chat
//     pipeline records them: reserve against a budget, then the ledger row + settle + rollups in
//     one write; and the same without any budget (one write per request);
//  2. spend/summary and spend/timeseries p50/p99 at 10k, 100k and 1M rows (rollups), beside the
//     same summary as a plain scan of `requests` for comparison;
//  3. the RSS of a daemon (startDaemon, in this process) over a 1M-row store.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { readDiscovery } from '../daemon/lifecycle/discovery';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Store, type WriteTx } from '../daemon/store/database';
import { LedgerService } from '../daemon/ledger/service';
import { insertRequest } from '../daemon/ledger/requests';
import { recordInRollups } from '../daemon/ledger/rollups';
import { spendSummary, spendTimeseries } from '../daemon/ledger/reports';
import { ColdLedger, hotCutoff } from '../daemon/ledger/archive';
import { systemTimeZone } from '../daemon/ledger/periods';
import { Catalog } from '../daemon/routing/catalog';
import { BudgetSetParams, SpendTimeseriesParams } from '../daemon/protocol/budget';
import { SpendSummaryParams } from '../daemon/protocol/methods';
import type { LedgerRow } from '../daemon/protocol/ledger';
import type { RoutingDecision } from '../daemon/protocol/routing';
import { Turn, type PlanCall } from '../daemon/pipeline/turn';
import type { CatalogModel } from '../daemon/routing/catalog';

const RECORDED = Number(process.env.BENCH_REQUESTS ?? 20_000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 64);
const SIZES = (process.env.BENCH_SIZES ?? '10000,100000,1000000').split(',').map(Number);
const QUERY_RUNS = Number(process.env.BENCH_QUERY_RUNS ?? 40);
const ZONE = 'America/New_York';
const NOW = Date.parse('2026-06-30T15:00:00Z');
const SPAN_DAYS = 90;

const MODELS = ['gpt-4.1', 'gpt-4.1-mini', 'gpt-4o-mini', 'claude-sonnet-4', 'claude-3-5-haiku', 'gemini-2.5-flash', 'deepseek-chat', 'mistral-small'];
const PROVIDERS: Record<string, string> = {
  'gpt-4.1': 'openai', 'gpt-4.1-mini': 'openai', 'gpt-4o-mini': 'openai', 'claude-sonnet-4': 'anthropic', 'claude-3-5-haiku': 'anthropic',
  'gemini-2.5-flash': 'google', 'deepseek-chat': 'deepseek', 'mistral-small': 'mistral',
};
const ENDPOINTS = ['chat.completions', 'messages', 'rpc', 'ask'] as const;
const CLIENTS = ['script', 'editor', 'cli'] as const;

function row(i: number, ts: number): LedgerRow {
  const model = MODELS[i % MODELS.length] as string;
  const tokensIn = 200 + (i % 1800);
  const tokensOut = 50 + (i % 700);
  const unknown = i % 97 === 0;
  return {
    id: `req_${ts.toString(36)}_${i.toString(36)}`, ts, clientKind: CLIENTS[i % 3] as string, clientName: null, workspace: `/ws/${i % 5}`,
    endpoint: ENDPOINTS[i % 4] as LedgerRow['endpoint'], requestedModel: 'auto', model, provider: PROVIDERS[model] as string,
    policy: i % 2 === 0 ? 'default' : 'coding', strategy: 'prior', taskType: i % 3 === 0 ? 'code' : 'chat', reason: 'bench', stream: i % 2 === 0,
    tokensIn, tokensOut, tokensCached: 0, tokensReasoning: 0, estimatedCostUsd: tokensIn * 1.5e-7 + 300 * 6e-7,
    costUsd: unknown ? null : tokensIn * 1.5e-7 + tokensOut * 6e-7, costState: unknown ? 'unknown' : 'known', latencyMs: 300 + (i % 900),
    ttftMs: 120, status: i % 50 === 0 ? 'error' : 'ok', errorCode: null, fallbacks: [], experimentId: null, arm: null,
  };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
function time(runs: number, fn: () => void): { p50: number; p99: number } {
  fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    fn();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return { p50: pct(t, 50), p99: pct(t, 99) };
}
const ms = (x: number): string => `${x.toFixed(2)} ms`;
const mb = (b: number): string => `${(b / 1048576).toFixed(0)} MB`;

// ---- 1. recorded requests/s, durable ----------------------------------------------------------
async function recordedRate(withBudget: boolean): Promise<{ rate: number; cpuUs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'llmr-bench-ledger-'));
  const store = await Store.open({ dir });
  try {
    const ledger = new LedgerService({ store, catalog: Catalog.builtIn(), baselineModel: 'gpt-4o', askConfirmAboveUsd: null, timeZone: ZONE });
    if (withBudget) {
      await ledger.guard.set(BudgetSetParams.parse({ scope: 'global', period: 'month', limitUsd: 1e9 }));
    }
    const hooks = ledger.hooks;
    let next = 0;
    const start = performance.now();
    const cpu0 = process.cpuUsage();
    const worker = async (): Promise<void> => {
      while (next < RECORDED) {
        const i = next++;
        const r = row(i, Date.now());
        const turn = new Turn({ context: { kind: r.clientKind, workspace: r.workspace ?? undefined }, requestedModel: r.model, routing: undefined, request: { messages: [], max_tokens: 500 } } as PlanCall, r.ts, r.id);
        const decision = { model: r.model, provider: r.provider, policy: r.policy, taskType: r.taskType, inputTokens: r.tokensIn, estimatedOutputTokens: 0, estimatedCostUsd: null, reason: '', fallbacks: [], candidates: [] } as unknown as RoutingDecision;
        turn.setPlan({ decision, routing: undefined, substitutedFor: null, namedRoute: null });
        const model = { id: r.model, provider: r.provider } as CatalogModel;
        turn.reservations.push(await ledger.reserve(turn, model, r.estimatedCostUsd));
        // Batched, as the chat pipeline records a row (ChatService.record).
        await store.withWrite(
          (tx: WriteTx) => {
            insertRequest(tx, r, [{ n: 1, ts: r.ts, model: r.model, provider: r.provider, status: r.status, errorCode: null, latencyMs: r.latencyMs }]);
            hooks.onRecord?.(tx, r, [], turn);
          },
          { batch: true },
        );
        hooks.afterRecord?.(r, turn);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    const rate = RECORDED / ((performance.now() - start) / 1000);
    const cpu = process.cpuUsage(cpu0);
    const left = store.read((tx) => tx.get<{ n: number }>('SELECT count(*) AS n FROM reservations'))?.n;
    if (left !== 0) {
      throw new Error(`bench bug: ${left} reservations left`);
    }
    // CPU per request as well as the rate: on a loaded machine the rate follows the CPU the
    // scheduler gives this process, the CPU per request much less.
    return { rate, cpuUs: (cpu.user + cpu.system) / RECORDED };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- 2. queries at 10k / 100k / 1M ------------------------------------------------------------
/**
 * Rows spread over the last `spanDays` days, deterministic. `inOrder`: in time order, as a daemon
 * records them (section 3, where the archive's cost depends on how rows lie in the file); else
 * interleaved across the span.
 */
async function fill(store: Store, from: number, to: number, end = NOW, spanDays = SPAN_DAYS, inOrder = false): Promise<void> {
  const BATCH = 20_000;
  const span = spanDays * 86_400_000;
  for (let i = from; i < to; i += BATCH) {
    await store.withWrite((tx) => {
      for (let j = i; j < Math.min(to, i + BATCH); j++) {
        const ts = inOrder ? end - span + Math.floor((j / to) * span) : end - span + Math.floor(((j * 2654435761) % 1_000_003) / 1_000_003 * span);
        const r = row(j, ts);
        insertRequest(tx, r, []);
        recordInRollups(tx, r);
      }
    });
  }
}

function scanSummary(store: Store, from: number, to: number): void {
  store.read((tx) =>
    tx.all(
      `SELECT model AS k, sum(CASE WHEN cost_state = 'known' THEN cost_usd END) AS c, count(*) AS n FROM requests WHERE ts >= ? AND ts < ? GROUP BY 1`,
      [from, to],
    ),
  );
}

async function queries(): Promise<void> {
  const store = await Store.open({ dir: null });
  const baseline = { model: 'gpt-4o', price: { inputPerMTok: 2.5, outputPerMTok: 10, cachedInputPerMTok: 1.25, cacheWritePerMTok: 2.5 } };
  let filled = 0;
  console.log('\n2. queries (in-memory sql.js; rows spread over 90 days; zone America/New_York)');
  for (const size of SIZES) {
    await fill(store, filled, size);
    filled = size;
    const rollupRows = store.read((tx) => tx.get<{ n: number }>('SELECT count(*) AS n FROM spend_hourly'))?.n ?? 0;
    const month = SpendSummaryParams.parse({ period: 'month', groupBy: 'model' });
    const all = SpendSummaryParams.parse({ period: 'all' });
    const odd = SpendSummaryParams.parse({ from: NOW - 17 * 86_400_000 - 1_234_567, to: NOW - 3 * 86_400_000 + 987_654, groupBy: 'workspace' });
    const seriesDay = SpendTimeseriesParams.parse({ from: NOW - SPAN_DAYS * 86_400_000, to: NOW, bucket: 'day', groupBy: 'model' });
    const seriesHour = SpendTimeseriesParams.parse({ from: NOW - 7 * 86_400_000, to: NOW, bucket: 'hour' });
    const seriesTotal = SpendTimeseriesParams.parse({ from: NOW - SPAN_DAYS * 86_400_000, to: NOW, bucket: 'day' });
    const a = time(QUERY_RUNS, () => store.read((tx) => spendSummary(tx, month, NOW, ZONE, baseline)));
    const b = time(QUERY_RUNS, () => store.read((tx) => spendSummary(tx, all, NOW, ZONE, baseline)));
    const c = time(QUERY_RUNS, () => store.read((tx) => spendSummary(tx, odd, NOW, ZONE, baseline)));
    const d = time(QUERY_RUNS, () => store.read((tx) => spendTimeseries(tx, seriesDay, NOW, ZONE)));
    const e = time(QUERY_RUNS, () => store.read((tx) => spendTimeseries(tx, seriesHour, NOW, ZONE)));
    const g = time(QUERY_RUNS, () => store.read((tx) => spendTimeseries(tx, seriesTotal, NOW, ZONE)));
    const monthStart = Date.parse('2026-06-01T04:00:00Z');
    const f = time(Math.min(QUERY_RUNS, 10), () => scanSummary(store, monthStart, NOW));
    const line = (name: string, x: { p50: number; p99: number }): string => `     ${name.padEnd(44)} p50 ${ms(x.p50).padStart(10)}   p99 ${ms(x.p99).padStart(10)}`;
    console.log(`   ${size} rows (rollup rows: ${rollupRows})`);
    console.log(line('spend/summary period=month groupBy=model', a));
    console.log(line('spend/summary period=all', b));
    console.log(line('spend/summary 14-day range cutting hours, by workspace', c));
    console.log(line('spend/timeseries day buckets × 90 days, by model', d));
    console.log(line('spend/timeseries day buckets × 90 days, total', g));
    console.log(line('spend/timeseries hour buckets × 7 days', e));
    console.log(line('(reference) month by model as a scan of requests', f));
  }
  await store.close();
}

// ---- 3. daemon RSS at 1M rows ------------------------------------------------------------------
// The store is filled here with a year of history before the real clock (the daemon reads the real
// clock); the daemon is the real bundle (dist/daemon.js) in its own process, because WebAssembly
// memory never shrinks: this process's sql.js heap still holds the fill. Measured twice: with every
// row hot (a ledger that never archived), then after the rows older than the hot window (current
// and previous month) moved to cold segments, as a daemon that has run all year leaves its ledger.
async function daemonOver(home: string, rows: number, label: string): Promise<void> {
  const script = join(__dirname, '..', 'dist', 'daemon.js');
  const files = readdirSync(home).map((f) => `${f} ${statSync(join(home, f)).isDirectory() ? `${readdirSync(join(home, f)).length} segments` : mb(statSync(join(home, f)).size)}`).join(', ');
  const started = performance.now();
  const { DAEMON_NODE_FLAGS } = await import('../daemon/lifecycle/attach');
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, script, '--home', home, '--simulate', '--idle-timeout', '0'], { stdio: 'ignore', env: { ...process.env, LLM_ROUTER_HOME: home } });
  const pid = child.pid;
  try {
    let info = readDiscovery(home);
    for (let i = 0; i < 1200 && (info === null || info.pid !== pid); i++) {
      await new Promise((r) => setTimeout(r, 250));
      info = readDiscovery(home);
    }
    if (info === null || info.pid !== pid) {
      throw new Error('the daemon did not start within 300 s');
    }
    const ready = performance.now() - started;
    const res = await fetch(`http://127.0.0.1:${info.port}/rpc`, {
      method: 'POST',
      headers: { authorization: `Bearer ${info.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'spend/summary', params: { period: 'all', groupBy: 'model' } }),
    });
    const body = (await res.json()) as { result?: { requests: number } };
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string): number => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN) * 1024;
    console.log(`   ${label}: ${files}`);
    console.log(`     ready in ${(ready / 1000).toFixed(1)} s; ${body.result?.requests ?? '?'} of ${rows} requests summarised over HTTP; RSS ${mb(kb('VmRSS'))}, peak ${mb(kb('VmHWM'))}`);
  } finally {
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
      for (let i = 0; i < 100; i++) {
        try {
          process.kill(pid, 0);
        } catch {
          break;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
}

async function daemonRss(): Promise<void> {
  const rows = SIZES[SIZES.length - 1] ?? 1_000_000;
  if (!existsSync(join(__dirname, '..', 'dist', 'daemon.js'))) {
    console.log('\n3. daemon RSS: not measured, dist/daemon.js is missing (npm run build first)');
    return;
  }
  const home = mkdtempSync(join(tmpdir(), 'llmr-bench-rss-'));
  try {
    const now = Date.now();
    let store = await Store.open({ dir: home });
    await fill(store, 0, rows, now, 365, true);
    await store.close();
    console.log(`\n3. the daemon (dist/daemon.js, own process) over ${rows} rows spread over the last 365 days, recorded in time order`);
    await daemonOver(home, rows, 'every row hot (never archived)');
    store = await Store.open({ dir: home });
    const cold = ColdLedger.open(store, ColdLedger.dirIn(home));
    const t0 = performance.now();
    const moved = await cold.moveOlderThan(hotCutoff(now, systemTimeZone()));
    const moveMs = performance.now() - t0;
    await store.close();
    console.log(`   moved ${moved} rows older than the previous month to cold segments in ${(moveMs / 1000).toFixed(1)} s (${((moved / moveMs) * 1000).toFixed(0)} rows/s); ${rows - moved} stay hot`);
    await daemonOver(home, rows, 'after archiving');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY;
  console.log(`bench:ledger  node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'})`);
  if (!only || only === 'record') {
    console.log(`\n1. recorded requests/s, durable (journal + fsync), ${RECORDED} requests, ${IN_FLIGHT} in flight`);
    const plain = await recordedRate(false);
    console.log(`   no budget in scope (row + rollups + settle, 1 write):       ${plain.rate.toFixed(0)} req/s, ${plain.cpuUs.toFixed(0)} µs CPU/request`);
    const budgeted = await recordedRate(true);
    console.log(`   with a budget (reserve write + row/settle/rollups write):   ${budgeted.rate.toFixed(0)} req/s, ${budgeted.cpuUs.toFixed(0)} µs CPU/request`);
    console.log(`   load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  }
  if (!only || only === 'query') {
    await queries();
  }
  if (!only || only === 'rss') {
    await daemonRss();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
