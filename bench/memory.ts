// npm run bench:memory — the daemon's resident memory, side by side in one run: idle (started, no
// request yet) and after N non-streamed requests each (default 100k), with CPU ms per request.
// Every daemon is the real bundle (dist/daemon.js, simulate mode, concrete model, durable ledger on
// disk) in its own process, started with the flags `llm-router start` gives it, pinned to core 0;
// load comes from wrk pinned to core 1, in short interleaved rounds (each daemon in turn), so the
// machine's load falls on every column alike. Prints figures; it asserts nothing.
//
//   BENCH_BASELINE=<checkout>   adds that checkout's daemon (its own dist and start flags)
//   BENCH_VARIANTS='[{"name":"semi1","flags":["--max-semi-space-size=1"]}]'
//                               more columns: this checkout's daemon (or `script`) with other flags
//                               (or `env`: variables added to the environment `llm-router start` gives),
//                               or with a config.json (`"config": {"ledger": {"hotRows": 1000000}}`)
//   BENCH_REQUESTS (100000), BENCH_CONNECTIONS (16), BENCH_ROUND_SECONDS (10), BENCH_IDLE_SECONDS (10),
//   BENCH_SETTLE_SECONDS (45: idle time after the load before the "settled" figure)
//
// Each daemon's "after N" figures are sampled from the end of its own last round: at once, 5 s, 30 s
// and SETTLE_SECONDS later (idle reclaim's pass comes 30 s into a pause) (the others' rounds go on meanwhile, on the same core). "CPU ms/req" counts
// the rounds only; "with idle" counts everything from the first round to the settled figure, so
// work a daemon does while traffic pauses (idle reclaim's collections) is charged to it too.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hasTaskset, hasWrk, pinned, runWrk } from './proxy/wrk';
import type { TargetEndpoint } from './proxy/targets';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 100_000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ROUND_SECONDS = Number(process.env.BENCH_ROUND_SECONDS ?? 10);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
const SETTLE_SECONDS = Math.max(31, Number(process.env.BENCH_SETTLE_SECONDS ?? 45));
const CHECKPOINTS = [10_000, 25_000, 50_000, 100_000, 250_000, 1_000_000].filter((n) => n < REQUESTS).concat([REQUESTS]);
const PIN = hasTaskset() && cpus().length >= 2;
const MODEL = process.env.BENCH_MODEL ?? 'gpt-4o-mini';

interface Variant {
  name: string;
  /** dist/daemon.js to run. */
  script: string;
  flags: readonly string[];
  /** Added to the daemon's environment (as `llm-router start` adds DAEMON_NODE_ENV). */
  env: Readonly<Record<string, string>>;
  /** Written as the daemon's config.json. */
  config?: unknown;
}

interface Running {
  variant: Variant;
  child: ChildProcess;
  pid: number;
  home: string;
  endpoint: TargetEndpoint;
  idle: Memory;
  requests: number;
  errors: number;
  cpuMicros: number;
  at: Map<number, Memory>;
  /** After the load, once the daemon has been idle for SETTLE_SECONDS. */
  settled: Memory | null;
  /** After the load, once the daemon has been idle for 5 s and 30 s. */
  after5s: Memory | null;
  after30s: Memory | null;
  /** CPU at the first round's start and at the settled figure. */
  cpuStart: number;
  cpuSettled: number;
  /** Resolves once the settled figure is taken. */
  done: Promise<void> | null;
  breakdown: Record<string, number> | null;
}

interface Memory {
  rss: number;
  anon: number;
  file: number;
  peak: number;
}

/**
 * Resident anonymous memory by kind of mapping, from /proc/<pid>/smaps: the main malloc heap
 * (`brk`: small array buffers, Buffers, zlib), other threads' malloc arenas (64 MB-aligned), maps
 * of at most 1 MB (`pages`: mostly V8's heap pages) and larger ones (`large`: sql.js's memory, big
 * array buffers such as the in-memory database file).
 */
function anonBreakdown(pid: number): Record<string, number> {
  const out: Record<string, number> = { brk: 0, arenas: 0, pages: 0, large: 0 };
  let kind: string | null = null;
  try {
    for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
      const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
      if (head) {
        const size = parseInt(head[2] as string, 16) - parseInt(head[1] as string, 16);
        const name = (head[3] ?? '').trim();
        const start = parseInt(head[1] as string, 16);
        kind = name.startsWith('/') ? null : name === '[heap]' ? 'brk' : start % 2 ** 26 === 0 && start > 2 ** 46 ? 'arenas' : size <= 2 ** 20 ? 'pages' : 'large';
        continue;
      }
      const rss = /^Rss:\s+(\d+) kB/.exec(line);
      if (rss && kind !== null) {
        out[kind] = (out[kind] ?? 0) + Number(rss[1]) * 1024;
      }
    }
  } catch {
    // Gone.
  }
  return out;
}

function memoryOf(pid: number | undefined): Memory {
  try {
    const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile'), peak: kb('VmHWM') };
  } catch {
    return { rss: Number.NaN, anon: Number.NaN, file: Number.NaN, peak: Number.NaN };
  }
}

function cpuMicrosOf(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
  } catch {
    return Number.NaN;
  }
}

async function variants(): Promise<Variant[]> {
  const own = resolve(__dirname, '..');
  const { DAEMON_NODE_FLAGS, DAEMON_NODE_ENV } = (await import('../daemon/lifecycle/attach')) as { DAEMON_NODE_FLAGS: readonly string[]; DAEMON_NODE_ENV?: Record<string, string> };
  const ownEnv = DAEMON_NODE_ENV ?? {};
  const out: Variant[] = [{ name: 'daemon', script: join(own, 'dist', 'daemon.js'), flags: DAEMON_NODE_FLAGS, env: ownEnv }];
  const base = process.env.BENCH_BASELINE;
  if (base !== undefined && base !== '') {
    const dir = resolve(base);
    const attach = (await import(join(dir, 'daemon/lifecycle/attach'))) as { DAEMON_NODE_FLAGS?: readonly string[]; DAEMON_NODE_ENV?: Record<string, string> };
    out.push({ name: 'base-daemon', script: join(dir, 'dist', 'daemon.js'), flags: attach.DAEMON_NODE_FLAGS ?? [], env: attach.DAEMON_NODE_ENV ?? {} });
  }
  const extra = JSON.parse(process.env.BENCH_VARIANTS ?? '[]') as { name: string; flags?: string[]; script?: string; env?: Record<string, string>; config?: unknown }[];
  for (const v of extra) {
    out.push({ name: v.name, script: v.script === undefined ? join(own, 'dist', 'daemon.js') : resolve(v.script), flags: v.flags ?? DAEMON_NODE_FLAGS, env: v.env ?? ownEnv, config: v.config });
  }
  for (const v of out) {
    if (!existsSync(v.script)) {
      throw new Error(`${v.script} is missing: npm run build first`);
    }
  }
  return out;
}

async function start(variant: Variant): Promise<Omit<Running, 'idle'>> {
  const home = mkdtempSync(join(tmpdir(), 'lr-bench-mem-'));
  if (variant.config !== undefined) {
    writeFileSync(join(home, 'config.json'), JSON.stringify(variant.config));
  }
  const cmd = [...pinned(PIN ? 0 : null), process.execPath, ...variant.flags, variant.script, '--home', home, '--simulate', '--json', '--port', '0'];
  const [exe, ...args] = cmd as [string, ...string[]];
  const child = spawn(exe, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...variant.env, LLM_ROUTER_HOME: home } });
  const ready = await new Promise<{ port: number; token: string; pid: number }>((resolveReady, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${variant.name} did not start within 60 s: ${out.slice(-500)}`)), 60_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += String(d);
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line !== undefined) {
        clearTimeout(timer);
        resolveReady(JSON.parse(line) as { port: number; token: string; pid: number });
      }
    });
    child.stderr?.on('data', (d: Buffer) => (out += String(d)));
    child.once('exit', (code) => reject(new Error(`${variant.name} exited with ${String(code)}: ${out.slice(-500)}`)));
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return {
    variant,
    child,
    pid: ready.pid,
    home,
    endpoint: { port: ready.port, path: '/v1/chat/completions', headers: { authorization: `Bearer ${ready.token}` }, model: MODEL },
    requests: 0,
    errors: 0,
    cpuMicros: 0,
    at: new Map(),
    settled: null,
    after5s: null,
    after30s: null,
    cpuStart: Number.NaN,
    cpuSettled: Number.NaN,
    done: null,
    breakdown: null,
  };
}

async function stop(r: Omit<Running, 'idle'>): Promise<void> {
  const exited = new Promise<void>((done) => r.child.once('exit', () => done()));
  r.child.kill('SIGTERM');
  const timer = setTimeout(() => r.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
  rmSync(r.home, { recursive: true, force: true });
}

/** What stays resident once this daemon's load is over, 5 s, 30 s and SETTLE_SECONDS later. */
async function settle(r: Running): Promise<void> {
  const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));
  await sleep(5_000);
  r.after5s = memoryOf(r.pid);
  await sleep(25_000);
  r.after30s = memoryOf(r.pid);
  await sleep((SETTLE_SECONDS - 30) * 1000);
  r.settled = memoryOf(r.pid);
  r.cpuSettled = cpuMicrosOf(r.pid);
  r.breakdown = anonBreakdown(r.pid);
}

const mb = (b: number): string => (Number.isNaN(b) ? '?' : `${(b / 2 ** 20).toFixed(0)}`);
const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');

async function main(): Promise<void> {
  if (!hasWrk()) {
    console.error('bench:memory needs wrk (apt-get install -y wrk)');
    process.exit(2);
  }
  const list = await variants();
  console.log(`bench:memory  node ${process.version}, ${cpus().length} CPUs; ${REQUESTS} requests per daemon, wrk c=${CONNECTIONS}, ${ROUND_SECONDS} s rounds; load average at start ${load()}`);
  const running: Running[] = [];
  try {
    for (const v of list) {
      const r = await start(v);
      running.push({ ...r, idle: { rss: 0, anon: 0, file: 0, peak: 0 } });
    }
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
    for (const r of running) {
      r.idle = memoryOf(r.pid);
    }
    while (running.some((r) => r.requests < REQUESTS)) {
      for (const r of running) {
        if (r.requests >= REQUESTS) {
          continue;
        }
        const before = cpuMicrosOf(r.pid);
        if (Number.isNaN(r.cpuStart)) {
          r.cpuStart = before;
        }
        // The last round of a daemon is cut to about what it still needs.
        const rate = r.requests > 0 && r.cpuMicros > 0 ? r.requests / (r.cpuMicros / 1e6) : 0;
        const seconds = rate > 0 ? Math.max(2, Math.min(ROUND_SECONDS, Math.ceil((REQUESTS - r.requests) / rate) + 1)) : ROUND_SECONDS;
        const w = await runWrk(r.endpoint, CONNECTIONS, seconds, PIN ? 1 : null);
        r.cpuMicros += cpuMicrosOf(r.pid) - before;
        const was = r.requests;
        r.requests += w.requests;
        r.errors += w.errors;
        for (const c of CHECKPOINTS) {
          if (was < c && r.requests >= c) {
            r.at.set(c, memoryOf(r.pid));
          }
        }
        process.stderr.write(`${r.variant.name}: ${r.requests} requests, RSS ${mb(memoryOf(r.pid).rss)} MB (load ${load()})\n`);
        if (r.requests >= REQUESTS) {
          r.done = settle(r);
        }
      }
    }
    await Promise.all(running.map((r) => r.done));
  } finally {
    for (const r of running) {
      await stop(r);
    }
  }
  console.log(`load average at end ${load()}\n`);
  const marks = CHECKPOINTS;
  console.log(['| daemon | flags | RSS idle (anon + file) |', ...marks.map((c) => ` RSS @${c >= 1000 ? `${c / 1000}k` : c} |`), ` 5 s later | 30 s later | ${SETTLE_SECONDS} s later | peak | CPU ms/req | with idle | req/s | errors |`].join(''));
  console.log(`|---|---|---|${marks.map(() => '---|').join('')}---|---|---|---|---|---|---|---|`);
  for (const r of running) {
    const last = r.settled ?? r.at.get(REQUESTS) ?? memoryOf(undefined);
    console.log(
      `| ${r.variant.name} | ${[...Object.entries(r.variant.env).map(([k, v]) => `${k}=${v}`), ...r.variant.flags].join(' ') || '—'} | ${mb(r.idle.rss)} (${mb(r.idle.anon)} + ${mb(r.idle.file)}) |` +
        marks.map((c) => ` ${mb(r.at.get(c)?.rss ?? Number.NaN)} |`).join('') +
        ` ${mb(r.after5s?.rss ?? Number.NaN)} | ${mb(r.after30s?.rss ?? Number.NaN)} | ${mb(r.settled?.rss ?? Number.NaN)} | ${mb(last.peak)} | ${(r.cpuMicros / 1000 / Math.max(1, r.requests)).toFixed(3)} | ${((r.cpuSettled - r.cpuStart) / 1000 / Math.max(1, r.requests)).toFixed(3)} | ${(r.requests / (r.cpuMicros / 1e6)).toFixed(0)} per CPU-s | ${r.errors} |`,
    );
  }
  console.log(`\nResident anonymous memory ${SETTLE_SECONDS} s after the load, MB (smaps):`);
  for (const r of running) {
    console.log(`  ${r.variant.name}: ${Object.entries(r.breakdown ?? {}).map(([k, v]) => `${k} ${mb(v)}`).join(', ')}`);
  }
  console.log('\nRSS in MB from /proc (VmRSS; anon = heap, wasm and malloc; file = mapped binary and libraries). CPU from /proc/<pid>/stat during load only.');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
