// npm run bench:proxy — in one run, side by side: a direct call to the simulator, a bare node:http
// pass-through proxy, the daemon (the real bundle; home on disk and on tmpfs) and Portkey's
// gateway. Each target runs in its own process (host.ts) pinned to core 0; non-streamed load comes
// from wrk (C, its own process) pinned to core 1, streamed load (time to first byte) from this
// process, pinned to core 1 as well. Prints figures; it asserts nothing about speed.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { targets } from './targets';
import { percentile, runLevel, type LevelResult } from './load';
import type { TargetEndpoint } from './targets';
import { hasTaskset, hasWrk, pinned, runWrk, type WrkResult } from './wrk';

const LEVELS = [1, 10, 64];
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));
const STREAM_REQUESTS = Number(process.env.BENCH_STREAM_REQUESTS ?? 400);
/** Daemon targets are driven to this many requests in all before their "after" memory is read. */
const SOAK_REQUESTS = Number(process.env.BENCH_SOAK_REQUESTS ?? 100_000);
const SOAK_MAX_SECONDS = Number(process.env.BENCH_SOAK_MAX_SECONDS ?? 150);
const PIN = hasTaskset() && cpus().length >= 2;
const SERVER_CORE = PIN ? 0 : null;
const LOAD_CORE = PIN ? 1 : null;

interface TargetResult {
  name: string;
  description: string;
  levels: WrkResult[];
  /** Streamed, per level: time to the first body byte. */
  stream: LevelResult[];
  idleRssMb: number;
  afterRssMb: number;
  soak: { requests: number; rssMb: number; maxRssMb: number } | null;
  cpuMsPerRequest: number;
  requests: number;
}

class Host {
  private readonly lines: Interface;
  private readonly waiting: { resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  constructor(readonly child: ChildProcessWithoutNullStreams) {
    this.lines = createInterface({ input: child.stdout });
    this.lines.on('line', (l) => this.waiting.shift()?.resolve(l));
    child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
    child.once('exit', (code) => {
      for (const w of this.waiting.splice(0)) {
        w.reject(new Error(`target host exited with ${String(code)}`));
      }
    });
  }
  next(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
    });
  }
  async cpuMicros(): Promise<number> {
    this.child.stdin.write('cpu\n');
    return (JSON.parse(await this.next()) as { cpuMicros: number }).cpuMicros;
  }
  async rss(): Promise<{ rssMb: number; maxRssMb: number }> {
    this.child.stdin.write('stats\n');
    const s = JSON.parse(await this.next()) as { rssBytes: number; maxRssBytes: number };
    return { rssMb: s.rssBytes / 2 ** 20, maxRssMb: s.maxRssBytes / 2 ** 20 };
  }
  async stop(): Promise<void> {
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? Number.NaN;
};

/** Rounds of one level: req/s and p50 from the median round, p99 the worst round's. */
function merge(parts: WrkResult[], concurrency: number): WrkResult {
  return {
    concurrency,
    requests: parts.reduce((n, p) => n + p.requests, 0),
    errors: parts.reduce((n, p) => n + p.errors, 0),
    seconds: parts.reduce((n, p) => n + p.seconds, 0),
    rps: median(parts.map((p) => p.rps)),
    p50: median(parts.map((p) => p.p50)),
    p99: Math.max(...parts.map((p) => p.p99)),
  };
}

function mergeStream(parts: LevelResult[], concurrency: number): LevelResult {
  return {
    concurrency,
    requests: parts.reduce((n, p) => n + p.requests, 0),
    errors: parts.reduce((n, p) => n + p.errors, 0),
    wallMs: parts.reduce((n, p) => n + p.wallMs, 0),
    rps: median(parts.map((p) => p.rps)),
    latencies: parts.flatMap((p) => p.latencies).sort((a, b) => a - b),
    ttfb: parts.flatMap((p) => p.ttfb).sort((a, b) => a - b),
  };
}

interface Running {
  name: string;
  description: string;
  noStreaming: string | undefined;
  host: Host;
  endpoint: TargetEndpoint;
  idleRssMb: number;
  requests: number;
}

async function startHost(name: string): Promise<{ host: Host; endpoint: TargetEndpoint }> {
  // Pinned to the server core; the processes a target starts (the daemon, Portkey) inherit it.
  const cmd = [...pinned(SERVER_CORE), process.execPath, '--import', 'tsx', join(__dirname, 'host.ts'), name];
  const [exe, ...args] = cmd as [string, ...string[]];
  const child = spawn(exe, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const host = new Host(child);
  const { endpoint } = JSON.parse(await host.next()) as { endpoint: TargetEndpoint };
  return { host, endpoint };
}

async function measureAll(): Promise<TargetResult[]> {
  const hosts: Running[] = [];
  try {
    for (const t of targets) {
      const { host, endpoint } = await startHost(t.name);
      // Idle: started, settled, no request served yet.
      await new Promise((r) => setTimeout(r, 3000));
      const idle = await host.rss();
      hosts.push({ name: t.name, description: t.description, noStreaming: t.noStreaming, host, endpoint, idleRssMb: idle.rssMb, requests: 0 });
      process.stderr.write(`${t.name}: idle RSS ${idle.rssMb.toFixed(0)} MB; warming up\n`);
      const w = await runWrk(endpoint, 10, 2, LOAD_CORE);
      (hosts[hosts.length - 1] as Running).requests += w.requests;
    }
    const parts = new Map<string, WrkResult[]>();
    const streams = new Map<string, LevelResult[]>();
    const cpu = new Map<string, { micros: number; requests: number }>();
    for (let round = 0; round < ROUNDS; round++) {
      // Target order rotates every round so that other load on the machine falls on all alike.
      const order = hosts.map((_, i) => hosts[(i + round) % hosts.length]).filter((h): h is Running => h !== undefined);
      for (const c of LEVELS) {
        for (const h of order) {
          const cpu0 = await h.host.cpuMicros();
          const r = await runWrk(h.endpoint, c, SECONDS, LOAD_CORE);
          const spent = (await h.host.cpuMicros()) - cpu0;
          h.requests += r.requests;
          const sum = cpu.get(h.name) ?? { micros: 0, requests: 0 };
          cpu.set(h.name, { micros: sum.micros + spent, requests: sum.requests + r.requests });
          parts.set(`${h.name}/${c}`, [...(parts.get(`${h.name}/${c}`) ?? []), r]);
        }
        for (const h of order.filter((x) => x.noStreaming === undefined)) {
          const r = await runLevel(h.endpoint, c, Math.max(c, Math.ceil(STREAM_REQUESTS / ROUNDS)), true);
          h.requests += r.requests;
          streams.set(`${h.name}/${c}`, [...(streams.get(`${h.name}/${c}`) ?? []), r]);
        }
      }
      process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
    }
    const results: TargetResult[] = [];
    for (const h of hosts) {
      const after = await h.host.rss();
      let soak: TargetResult['soak'] = null;
      if (h.name.includes('daemon') && SOAK_REQUESTS > 0) {
        const started = Date.now();
        while (h.requests < SOAK_REQUESTS && Date.now() - started < SOAK_MAX_SECONDS * 1000) {
          h.requests += (await runWrk(h.endpoint, 64, 10, LOAD_CORE)).requests;
        }
        // Let a group commit and a possible snapshot finish.
        await new Promise((r) => setTimeout(r, 2000));
        const s = await h.host.rss();
        soak = { requests: h.requests, rssMb: s.rssMb, maxRssMb: s.maxRssMb };
        process.stderr.write(`${h.name}: ${h.requests} requests served, RSS ${s.rssMb.toFixed(0)} MB\n`);
      }
      const c = cpu.get(h.name);
      results.push({
        name: h.name,
        description: h.description,
        levels: LEVELS.map((l) => merge(parts.get(`${h.name}/${l}`) ?? [], l)),
        stream: h.noStreaming === undefined ? LEVELS.map((l) => mergeStream(streams.get(`${h.name}/${l}`) ?? [], l)) : [],
        idleRssMb: h.idleRssMb,
        afterRssMb: after.rssMb,
        soak,
        cpuMsPerRequest: c && c.requests > 0 ? c.micros / 1000 / c.requests : Number.NaN,
        requests: h.requests,
      });
    }
    return results;
  } finally {
    await Promise.all(hosts.map((h) => h.host.stop()));
  }
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')).join('\n');
}

const ms = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '—');

async function main(): Promise<void> {
  if (!hasWrk()) {
    process.stderr.write(
      'bench proxy: wrk is not installed. It is the load generator: a Node one saturates before the pass-through does and hides the gap.\n' +
        'Install it (Debian/Ubuntu: sudo apt-get install -y wrk; macOS: brew install wrk) and run again.\n',
    );
    process.exit(2);
  }
  if (PIN && LOAD_CORE !== null) {
    // This process generates the streamed load: keep it off the server core too.
    spawnSync('taskset', ['-a', '-p', '-c', String(LOAD_CORE), String(process.pid)], { stdio: 'ignore' });
  }
  const loadBefore = loadavg()[0] ?? Number.NaN;
  const results = await measureAll();
  const loadAfter = loadavg()[0] ?? Number.NaN;
  const direct = results.find((r) => r.name === 'direct');
  const pass = results.find((r) => r.name === 'pass-through');
  const d1 = direct?.levels[0];
  const dTtfb = (c: number): number => percentile(direct?.stream.find((s) => s.concurrency === c)?.ttfb ?? [], 50);

  const header = [
    'target', ...LEVELS.map((c) => `req/s c=${c}`), 'p50 c=1', '+p50', 'p99 c=1', '+p99', 'p50 c=64', 'p99 c=64',
    ...LEVELS.map((c) => `TTFB c=${c}`), '+TTFB c=1', 'CPU ms/req', 'RSS idle', 'RSS after', `RSS @${SOAK_REQUESTS / 1000}k`, 'errors',
  ];
  const rows = results.map((r) => {
    const c1 = r.levels[0];
    const cMax = r.levels[r.levels.length - 1];
    const ttfb = (c: number): number => percentile(r.stream.find((s) => s.concurrency === c)?.ttfb ?? [], 50);
    return [
      r.name,
      ...r.levels.map((l) => l.rps.toFixed(0)),
      ms(c1?.p50 ?? Number.NaN),
      d1 && c1 ? ms(c1.p50 - d1.p50) : '—',
      ms(c1?.p99 ?? Number.NaN),
      d1 && c1 ? ms(c1.p99 - d1.p99) : '—',
      ms(cMax?.p50 ?? Number.NaN),
      ms(cMax?.p99 ?? Number.NaN),
      ...LEVELS.map((c) => ms(ttfb(c))),
      ms(ttfb(1) - dTtfb(1)),
      ms(r.cpuMsPerRequest),
      r.idleRssMb.toFixed(0),
      r.afterRssMb.toFixed(0),
      r.soak ? `${r.soak.rssMb.toFixed(0)} (${(r.soak.requests / 1000).toFixed(0)}k)` : '—',
      String(r.levels.reduce((s, l) => s + l.errors, 0) + r.stream.reduce((s, l) => s + l.errors, 0)),
    ];
  });
  const out: string[] = [];
  out.push(
    `proxy bench: wrk, ${SECONDS} s per level × ${ROUNDS} interleaved rounds (req/s and p50: median round; p99: worst round); ` +
      `${STREAM_REQUESTS} streamed requests per level from Node (TTFB p50); Node ${process.version}, ${cpus().length} CPUs, ` +
      `${PIN ? 'targets pinned to core 0, load to core 1' : 'NOT pinned (taskset missing or one core): load and targets share cores'}; load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)}; 127.0.0.1`,
  );
  for (const r of results) {
    out.push(`  ${r.name.padEnd(14)} ${r.description}`);
  }
  out.push('', table([header, ...rows]), '');
  out.push('Latency in ms; +p50/+p99/+TTFB: added over direct. CPU ms/req: CPU time of the target\'s processes (each with its in-process simulator) per non-streamed request.');
  out.push('RSS in MB: idle = started, no request yet; after = after the measured rounds; @N = after N requests in all (daemon targets).');
  for (const t of targets.filter((x) => x.noStreaming !== undefined)) {
    out.push(`${t.name}: streaming not measured — ${t.noStreaming ?? ''}; compared on non-streamed requests only.`);
  }
  const portkey = results.find((r) => r.name === 'portkey');
  for (const d of results.filter((r) => r.name.includes('daemon'))) {
    const parts: string[] = [];
    if (pass) {
      parts.push(`vs pass-through ${d.levels.map((l, i) => `c=${l.concurrency} ×${(l.rps / (pass.levels[i]?.rps ?? Number.NaN)).toFixed(2)}`).join(', ')}`);
    }
    if (portkey) {
      parts.push(`vs portkey ${d.levels.map((l, i) => `c=${l.concurrency} ×${(l.rps / (portkey.levels[i]?.rps ?? Number.NaN)).toFixed(2)}`).join(', ')}`);
    }
    out.push(`${d.name} throughput: ${parts.join('; ')}`);
  }
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(results.map((r) => ({ ...r, stream: r.stream.map(({ latencies: _l, ttfb, ...rest }) => ({ ...rest, ttfbP50: percentile(ttfb, 50) })) })))}\n`);
  } else {
    process.stdout.write(`${out.join('\n')}\n`);
  }
}

void main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
