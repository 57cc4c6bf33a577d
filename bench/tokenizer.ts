// Token counting, today's gpt-tokenizer path against the compact BPE (daemon/routing/bpe.ts),
// side by side in one run. Each variant runs in its own child process (so one's tables do not
// sit in another's memory), in interleaved rounds:
//   gpt-tokenizer    the `.tiktoken` file parsed into gpt-tokenizer 4's GptEncoding (before)
//   bpe, parsed      the `.tiktoken` file parsed into typed arrays (tests, scripts under tsx)
//   bpe, built       the build's `dist/tokenizer/<name>.bpe` read as typed arrays (the daemon)
// Per variant and encoding: load time, heap and RSS added by loading (after a GC), peak RSS, and
// the time to count a prompt never seen before at about 100 / 2k / 8k tokens: process CPU time
// per count over the batch (what the shared machine's load moves least) and the wall-time median.
// Children run with --single-threaded, so the GC's work is on the thread being measured.
// Then the real daemon's RSS with its tables loaded (see `daemons` below).
// Run with `npm run bench tokenizer` (after `npm run build`).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { GptEncoding } from 'gpt-tokenizer/GptEncoding';
import { BpeCounter } from '../daemon/routing/bpe';
import { deserializeTable, parseTiktoken, serializeTable } from '../daemon/routing/bpeTable';
import { tiktokenPath, type EncodingName } from '../daemon/routing/tokenizer';
import { promptText, seeded } from '../test/unit/routing/tokenizerCorpus';

const VARIANTS = ['gpt-tokenizer', 'bpe, parsed', 'bpe, built'] as const;
type Variant = (typeof VARIANTS)[number];
const ENCODINGS: EncodingName[] = ['cl100k_base', 'o200k_base'];
const SIZES = [
  { label: '100', chars: 420, texts: 2000 },
  { label: '2k', chars: 8_400, texts: 200 },
  { label: '8k', chars: 33_600, texts: 60 },
];
const ROUNDS = 2;

interface Result {
  loadMs: number;
  heapMB: number;
  externalMB: number;
  rssMB: number;
  peakRssMB: number;
  speed: { label: string; tokens: number; cpuUs: number; p50Us: number }[];
}

/** Today's (before this change) table parse: one string or byte array per rank, for GptEncoding. */
function oldRanks(data: Buffer): (string | number[])[] {
  const ranks: (string | number[])[] = [];
  const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  for (const line of data.toString('latin1').split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0) {
      const bytes = Buffer.from(line.slice(0, space), 'base64');
      let token: string | number[];
      try {
        token = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? [...bytes] : strict.decode(bytes);
      } catch {
        token = [...bytes];
      }
      ranks[Number(line.slice(space + 1))] = token;
    }
  }
  return ranks;
}

const mb = (bytes: number): number => bytes / 2 ** 20;

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) {
    throw new Error('run with --expose-gc');
  }
  g();
  g();
}

function child(variant: Variant, name: EncodingName, builtFile: string): Result {
  gc();
  const before = process.memoryUsage();
  const t0 = performance.now();
  let count: (text: string) => number;
  if (variant === 'gpt-tokenizer') {
    const ranks = oldRanks(readFileSync(tiktokenPath(name)));
    const enc = GptEncoding.getEncodingApi(name, () => ranks);
    count = (t) => enc.countTokens(t);
  } else {
    const table = variant === 'bpe, built' ? deserializeTable(readFileSync(builtFile)) : parseTiktoken(readFileSync(tiktokenPath(name)));
    const c = new BpeCounter(table, name);
    count = (t) => c.count(t);
  }
  count('hello world');
  const loadMs = performance.now() - t0;
  gc();
  const after = process.memoryUsage();
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  const speed: Result['speed'] = [];
  const r = seeded(4242);
  for (const size of SIZES) {
    // Warm-up on texts of the same size that are not measured (JIT, and gpt-tokenizer's cache).
    for (let k = 0; k < size.texts / 2; k++) {
      count(promptText(r, size.chars));
    }
    const texts = Array.from({ length: size.texts }, () => promptText(r, size.chars));
    const times: number[] = [];
    let tokens = 0;
    const cpu0 = process.cpuUsage();
    for (const t of texts) {
      const s = performance.now();
      tokens += count(t);
      times.push(performance.now() - s);
    }
    const cpu = process.cpuUsage(cpu0);
    times.sort((a, b) => a - b);
    speed.push({ label: size.label, tokens: Math.round(tokens / texts.length), cpuUs: (cpu.user + cpu.system) / texts.length, p50Us: (times[Math.floor(times.length / 2)] ?? 0) * 1000 });
  }
  return {
    loadMs,
    heapMB: mb(after.heapUsed - before.heapUsed),
    externalMB: mb(after.external - before.external),
    rssMB: mb(after.rss - before.rss),
    peakRssMB: peakRssMB - mb(before.rss),
    speed,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? 0;
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'bench-tokenizer-'));
  try {
    const built = new Map<EncodingName, string>();
    for (const name of ENCODINGS) {
      const file = join(dir, `${name}.bpe`);
      writeFileSync(file, serializeTable(parseTiktoken(readFileSync(tiktokenPath(name)))));
      built.set(name, file);
    }
    const load0 = loadavg();
    const results = new Map<string, Result[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of ENCODINGS) {
        for (const variant of round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) {
          const out = execFileSync(process.execPath, ['--single-threaded', '--expose-gc', '--import', 'tsx', __filename, '--child', variant, name, built.get(name) ?? ''], { encoding: 'utf8' });
          const key = `${name}\t${variant}`;
          results.set(key, [...(results.get(key) ?? []), JSON.parse(out) as Result]);
        }
      }
    }
    const load1 = loadavg();
    console.log(`tokenizer bench: ${ROUNDS} interleaved rounds, medians; load average ${load0[0]?.toFixed(1)} → ${load1[0]?.toFixed(1)} (1 min)`);
    console.log('| encoding | variant | load ms | heap+external after load | RSS after load | peak RSS while loading | ' + SIZES.map((s) => `count ${s.label} tok: CPU µs / wall p50 µs`).join(' | ') + ' |');
    console.log('|---|---|---|---|---|---|' + SIZES.map(() => '---|').join(''));
    for (const [key, rs] of results) {
      const [name, variant] = key.split('\t');
      const m = (f: (r: Result) => number): number => median(rs.map(f));
      const cols = SIZES.map((_, i) => `${m((r) => r.speed[i]?.cpuUs ?? 0).toFixed(0)} / ${m((r) => r.speed[i]?.p50Us ?? 0).toFixed(0)} (${rs[0]?.speed[i]?.tokens} tok)`);
      console.log(`| ${name} | ${variant} | ${m((r) => r.loadMs).toFixed(0)} | ${m((r) => r.heapMB + r.externalMB).toFixed(1)} MB | ${m((r) => r.rssMB).toFixed(1)} MB | +${m((r) => r.peakRssMB).toFixed(1)} MB | ${cols.join(' | ')} |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// The same through the product: the real bundle (dist/daemon.js, simulate mode, the flags
// `llm-router start` gives it), resident memory idle, after 20 `auto` requests (cl100k) and after
// 20 more naming gpt-4o-mini (o200k), each with a new ~2k-token prompt. BENCH_BASELINE=<checkout
// with a built dist/> adds that checkout's daemon in the same run.
interface DaemonRss {
  name: string;
  idle: number;
  afterAuto: number;
  afterO200k: number;
  peak: number;
}

function procKb(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) / 1024;
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

async function measureDaemon(name: string, checkout: string): Promise<DaemonRss> {
  const { DAEMON_NODE_FLAGS } = (await import(join(checkout, 'daemon/lifecycle/attach'))) as { DAEMON_NODE_FLAGS?: readonly string[] };
  const home = mkdtempSync(join(tmpdir(), 'bench-tokenizer-daemon-'));
  const child = spawn(process.execPath, [...(DAEMON_NODE_FLAGS ?? []), join(checkout, 'dist', 'daemon.js'), '--home', home, '--simulate', '--json', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LLM_ROUTER_HOME: home },
  });
  try {
    const ready = await new Promise<{ port: number; token: string; pid: number }>((resolveReady, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += String(d);
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line !== undefined) {
          resolveReady(JSON.parse(line) as { port: number; token: string; pid: number });
        }
      });
      child.once('exit', (code) => reject(new Error(`${name} exited with ${String(code)}`)));
    });
    child.stdout.resume();
    const r = seeded(77);
    const send = async (model: string): Promise<void> => {
      for (let k = 0; k < 20; k++) {
        const res = await fetch(`http://127.0.0.1:${ready.port}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ready.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model, messages: [{ role: 'user', content: promptText(r, 8_400) }], max_tokens: 16 }),
        });
        if (!res.ok) {
          throw new Error(`${name}: ${res.status} ${await res.text()}`);
        }
        await res.arrayBuffer();
      }
      await sleep(2_000);
    };
    await sleep(3_000);
    const idle = procKb(ready.pid, 'VmRSS');
    await send('auto');
    const afterAuto = procKb(ready.pid, 'VmRSS');
    await send('gpt-4o-mini');
    return { name, idle, afterAuto, afterO200k: procKb(ready.pid, 'VmRSS'), peak: procKb(ready.pid, 'VmHWM') };
  } finally {
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.kill('SIGTERM');
    await exited;
    rmSync(home, { recursive: true, force: true });
  }
}

async function daemons(): Promise<void> {
  const own = join(__dirname, '..');
  const base = process.env.BENCH_BASELINE;
  const rows = [await measureDaemon('daemon (this checkout)', own)];
  if (base !== undefined && base !== '') {
    rows.push(await measureDaemon(`base-daemon (${base})`, base));
  }
  console.log(`\nthe real daemon, RSS in MB (load average ${loadavg()[0]?.toFixed(1)})`);
  console.log('| daemon | idle | after 20 auto (cl100k) | after 20 gpt-4o-mini (o200k) | peak |');
  console.log('|---|---|---|---|---|');
  for (const d of rows) {
    console.log(`| ${d.name} | ${d.idle.toFixed(0)} | ${d.afterAuto.toFixed(0)} | ${d.afterO200k.toFixed(0)} | ${d.peak.toFixed(0)} |`);
  }
}

if (process.argv[2] === '--child') {
  process.stdout.write(JSON.stringify(child(process.argv[3] as Variant, process.argv[4] as EncodingName, process.argv[5] ?? '')));
} else {
  main();
  daemons().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
