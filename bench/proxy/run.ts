// npm run bench:proxy — in one run, side by side: a direct call to the simulator, a bare node:http
// pass-through proxy, the daemon (full routing + ledger) and Portkey's gateway. Each target runs in
// its own process (host.ts); this process only generates load, on 127.0.0.1. Prints figures; it
// asserts nothing about speed.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { targets } from './targets';
import { percentile, runLevel, type LevelResult } from './load';
import type { TargetEndpoint } from './targets';

const LEVELS = [1, 10, 64];
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const WARMUP = 300;
const STREAM_REQUESTS = Math.min(500, REQUESTS);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 4));

interface TargetResult {
  name: string;
  description: string;
  levels: LevelResult[];
  stream: LevelResult;
  rssMb: number;
  maxRssMb: number;
  /** CPU ms per request in the target's host process (non-streamed, all levels): the figure least moved by other load. */
  cpuMsPerRequest: number;
}

class Host {
  private readonly lines: Interface;
  private readonly waiting: ((line: string) => void)[] = [];
  constructor(readonly child: ChildProcessWithoutNullStreams) {
    this.lines = createInterface({ input: child.stdout });
    this.lines.on('line', (l) => this.waiting.shift()?.(l));
    child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
  }
  next(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiting.push(resolve);
      this.child.once('exit', (code) => reject(new Error(`target host exited with ${String(code)}`)));
    });
  }
  async cpuMicros(): Promise<number> {
    this.child.stdin.write('cpu\n');
    return (JSON.parse(await this.next()) as { cpuMicros: number }).cpuMicros;
  }
  async stop(): Promise<void> {
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

function merge(parts: LevelResult[], concurrency: number): LevelResult {
  const rpsSorted = parts.map((p) => p.rps).sort((a, b) => a - b);
  return {
    concurrency,
    requests: parts.reduce((n, p) => n + p.requests, 0),
    errors: parts.reduce((n, p) => n + p.errors, 0),
    wallMs: parts.reduce((n, p) => n + p.wallMs, 0),
    // The median round: on a shared machine one round can be hit by someone else's burst.
    rps: rpsSorted[Math.floor((rpsSorted.length - 1) / 2)] ?? Number.NaN,
    latencies: parts.flatMap((p) => p.latencies).sort((a, b) => a - b),
    ttfb: parts.flatMap((p) => p.ttfb).sort((a, b) => a - b),
  };
}

/**
 * Starts every target (each in its own process; idle ones cost nothing), then measures them in
 * interleaved rounds — each level's requests split over ROUNDS rounds, the target order rotated
 * every round — so that load from other processes on the machine falls on all columns alike.
 */
async function measureAll(): Promise<TargetResult[]> {
  const hosts: { name: string; description: string; noStreaming: string | undefined; host: Host; endpoint: TargetEndpoint }[] = [];
  try {
    for (const t of targets) {
      const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'host.ts'), t.name], { stdio: ['pipe', 'pipe', 'pipe'] });
      const host = new Host(child);
      const { endpoint } = JSON.parse(await host.next()) as { endpoint: TargetEndpoint };
      hosts.push({ name: t.name, description: t.description, noStreaming: t.noStreaming, host, endpoint });
      process.stderr.write(`${t.name}: warming up\n`);
      await runLevel(endpoint, 10, WARMUP);
    }
    const parts = new Map<string, LevelResult[]>();
    const cpu = new Map<string, { micros: number; requests: number }>();
    const perRound = (total: number): number => Math.max(1, Math.ceil(total / ROUNDS));
    for (let round = 0; round < ROUNDS; round++) {
      const order = hosts.map((_, i) => hosts[(i + round) % hosts.length]).filter((h) => h !== undefined);
      for (const c of LEVELS) {
        for (const h of order) {
          const cpu0 = await h.host.cpuMicros();
          const r = await runLevel(h.endpoint, c, perRound(REQUESTS));
          const spent = (await h.host.cpuMicros()) - cpu0;
          const sum = cpu.get(h.name) ?? { micros: 0, requests: 0 };
          cpu.set(h.name, { micros: sum.micros + spent, requests: sum.requests + r.requests });
          parts.set(`${h.name}/${c}`, [...(parts.get(`${h.name}/${c}`) ?? []), r]);
        }
      }
      for (const h of order.filter((x) => x.noStreaming === undefined)) {
        const r = await runLevel(h.endpoint, 1, perRound(STREAM_REQUESTS), true);
        parts.set(`${h.name}/stream`, [...(parts.get(`${h.name}/stream`) ?? []), r]);
      }
      process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
    }
    const results: TargetResult[] = [];
    for (const h of hosts) {
      h.host.child.stdin.write('stats\n');
      const stats = JSON.parse(await h.host.next()) as { rssBytes: number; maxRssBytes: number };
      const levels = LEVELS.map((c) => merge(parts.get(`${h.name}/${c}`) ?? [], c));
      for (const l of levels) {
        process.stderr.write(`${h.name}: c=${l.concurrency} ${l.rps.toFixed(0)} req/s (median round), p50 ${percentile(l.latencies, 50).toFixed(2)} ms, errors ${l.errors}\n`);
      }
      const stream = h.noStreaming === undefined ? merge(parts.get(`${h.name}/stream`) ?? [], 1) : { concurrency: 1, requests: 0, errors: 0, wallMs: 0, rps: Number.NaN, latencies: [], ttfb: [] };
      const c = cpu.get(h.name);
      const cpuMsPerRequest = c && c.requests > 0 ? c.micros / 1000 / c.requests : Number.NaN;
      results.push({ name: h.name, description: h.description, levels, stream, rssMb: stats.rssBytes / 2 ** 20, maxRssMb: stats.maxRssBytes / 2 ** 20, cpuMsPerRequest });
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
  const loadBefore = loadavg()[0] ?? Number.NaN;
  const results = await measureAll();
  const loadAfter = loadavg()[0] ?? Number.NaN;
  const direct = results.find((r) => r.name === 'direct');
  const pass = results.find((r) => r.name === 'pass-through');

  const header = ['target', ...LEVELS.map((c) => `req/s c=${c}`), 'p50 ms c=1', 'p99 ms c=1', '+p50 vs direct', '+p99 vs direct', 'p50 ms c=64', 'p99 ms c=64', 'stream TTFB p50', 'TTFB p99', 'RSS MB', 'max RSS MB', 'CPU ms/req', 'errors'];
  const rows = results.map((r) => {
    const c1 = r.levels[0];
    const cMax = r.levels[r.levels.length - 1];
    const d1 = direct?.levels[0];
    return [
      r.name,
      ...r.levels.map((l) => l.rps.toFixed(0)),
      ms(percentile(c1?.latencies ?? [], 50)),
      ms(percentile(c1?.latencies ?? [], 99)),
      d1 ? ms(percentile(c1?.latencies ?? [], 50) - percentile(d1.latencies, 50)) : '—',
      d1 ? ms(percentile(c1?.latencies ?? [], 99) - percentile(d1.latencies, 99)) : '—',
      ms(percentile(cMax?.latencies ?? [], 50)),
      ms(percentile(cMax?.latencies ?? [], 99)),
      ms(percentile(r.stream.ttfb, 50)),
      ms(percentile(r.stream.ttfb, 99)),
      r.rssMb.toFixed(0),
      r.maxRssMb.toFixed(0),
      ms(r.cpuMsPerRequest),
      String(r.levels.reduce((s, l) => s + l.errors, r.stream.errors)),
    ];
  });
  const out: string[] = [];
  out.push(`proxy bench: ${REQUESTS} requests per level in ${ROUNDS} interleaved rounds (req/s: median round; latency: all requests), ${STREAM_REQUESTS} streamed at c=1; Node ${process.version}, ${cpus().length} CPUs, load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)}; 127.0.0.1`);
  for (const r of results) {
    out.push(`  ${r.name.padEnd(14)} ${r.description}`);
  }
  out.push('', table([header, ...rows]), '');
  out.push('CPU ms/req: CPU time of the target\'s host process (target + its in-process simulator) per non-streamed request, all levels; portkey\'s gateway runs in a child process not counted there.');
  for (const t of targets.filter((x) => x.noStreaming !== undefined)) {
    out.push(`${t.name}: streaming not measured — ${t.noStreaming ?? ''}; compared on non-streamed requests only.`);
  }
  const portkey = results.find((r) => r.name === 'portkey');
  const daemonResult = results.find((r) => r.name === 'daemon');
  if (portkey && daemonResult) {
    const parts = daemonResult.levels.map((l, i) => `c=${l.concurrency} ×${(l.rps / (portkey.levels[i]?.rps ?? Number.NaN)).toFixed(2)}`);
    out.push(`daemon vs portkey throughput: ${parts.join(', ')}; p50 at c=1 ${ms(percentile(daemonResult.levels[0]?.latencies ?? [], 50))} vs ${ms(percentile(portkey.levels[0]?.latencies ?? [], 50))} ms`);
  }
  out.push('');
  if (pass) {
    out.push('ratios against the bare pass-through proxy (throughput ÷, latency −):');
    for (const r of results.filter((x) => x !== pass)) {
      const parts = r.levels.map((l, i) => `c=${l.concurrency} ×${(l.rps / (pass.levels[i]?.rps ?? Number.NaN)).toFixed(2)}`);
      const added = percentile(r.levels[0]?.latencies ?? [], 50) - percentile(pass.levels[0]?.latencies ?? [], 50);
      out.push(`  ${r.name.padEnd(14)} throughput ${parts.join(', ')}; +${ms(added)} ms p50 at c=1; TTFB +${ms(percentile(r.stream.ttfb, 50) - percentile(pass.stream.ttfb, 50))} ms`);
    }
  }
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(results.map((r) => ({ ...r, levels: r.levels.map(({ latencies: _l, ttfb: _t, ...rest }) => rest), stream: { ...r.stream, latencies: undefined, ttfb: undefined } })))}\n`);
  } else {
    process.stdout.write(`${out.join('\n')}\n`);
  }
}

void main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
