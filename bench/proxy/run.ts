// npm run bench:proxy — in one run, side by side: a direct call to the simulator, a bare node:http
// pass-through proxy, and the daemon (full routing + ledger). Each target runs in its own process
// (host.ts), one at a time; this process only generates load, on 127.0.0.1. Prints figures; it
// asserts nothing about speed.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { targets } from './targets';
import { percentile, runLevel, type LevelResult } from './load';
import type { TargetEndpoint } from './targets';

const LEVELS = [1, 10, 64];
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const WARMUP = 300;
const STREAM_REQUESTS = Math.min(500, REQUESTS);

interface TargetResult {
  name: string;
  description: string;
  levels: LevelResult[];
  stream: LevelResult;
  rssMb: number;
  maxRssMb: number;
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
  async stop(): Promise<void> {
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

async function measure(name: string, description: string, noStreaming?: string): Promise<TargetResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'host.ts'), name], { stdio: ['pipe', 'pipe', 'pipe'] });
  const host = new Host(child);
  try {
    const { endpoint } = JSON.parse(await host.next()) as { endpoint: TargetEndpoint };
    process.stderr.write(`${name}: warming up\n`);
    await runLevel(endpoint, 10, WARMUP);
    const levels: LevelResult[] = [];
    for (const c of LEVELS) {
      const r = await runLevel(endpoint, c, REQUESTS);
      process.stderr.write(`${name}: c=${c} ${r.rps.toFixed(0)} req/s, p50 ${percentile(r.latencies, 50).toFixed(2)} ms, errors ${r.errors}\n`);
      levels.push(r);
    }
    const stream: LevelResult = noStreaming === undefined
      ? await runLevel(endpoint, 1, STREAM_REQUESTS, true)
      : { concurrency: 1, requests: 0, errors: 0, wallMs: 0, rps: Number.NaN, latencies: [], ttfb: [] };
    child.stdin.write('stats\n');
    const stats = JSON.parse(await host.next()) as { rssBytes: number; maxRssBytes: number };
    return { name, description, levels, stream, rssMb: stats.rssBytes / 2 ** 20, maxRssMb: stats.maxRssBytes / 2 ** 20 };
  } finally {
    await host.stop();
  }
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')).join('\n');
}

const ms = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '—');

async function main(): Promise<void> {
  const results: TargetResult[] = [];
  for (const t of targets) {
    results.push(await measure(t.name, t.description, t.noStreaming));
  }
  const direct = results.find((r) => r.name === 'direct');
  const pass = results.find((r) => r.name === 'pass-through');

  const header = ['target', ...LEVELS.map((c) => `req/s c=${c}`), 'p50 ms c=1', 'p99 ms c=1', '+p50 vs direct', '+p99 vs direct', 'p50 ms c=64', 'p99 ms c=64', 'stream TTFB p50', 'TTFB p99', 'RSS MB', 'max RSS MB', 'errors'];
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
      String(r.levels.reduce((s, l) => s + l.errors, r.stream.errors)),
    ];
  });
  const out: string[] = [];
  out.push(`proxy bench: ${REQUESTS} requests per level, ${STREAM_REQUESTS} streamed at c=1; Node ${process.version}, ${cpus().length} CPUs, 127.0.0.1`);
  for (const r of results) {
    out.push(`  ${r.name.padEnd(14)} ${r.description}`);
  }
  out.push('', table([header, ...rows]), '');
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
