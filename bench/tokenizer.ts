// Token counting, today's gpt-tokenizer path against the compact BPE (daemon/routing/bpe.ts),
// side by side in one run. Each variant runs in its own child process (so one's tables do not
// sit in another's memory), in interleaved rounds:
//   gpt-tokenizer    the `.tiktoken` file parsed into gpt-tokenizer 4's GptEncoding (before)
//   bpe, parsed      the `.tiktoken` file parsed into typed arrays (tests, scripts under tsx)
//   bpe, built       the build's `dist/tokenizer/<name>.bpe` read as typed arrays (the daemon)
// Per variant and encoding: load time, heap and RSS added by loading (after a GC), peak RSS, and
// the time to count a prompt never seen before at about 100 / 2k / 8k tokens (mean and p99).
// Run with `npm run bench tokenizer`.
import { execFileSync } from 'node:child_process';
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
  { label: '100', chars: 420, texts: 1500 },
  { label: '2k', chars: 8_400, texts: 150 },
  { label: '8k', chars: 33_600, texts: 40 },
];
const ROUNDS = 2;

interface Result {
  loadMs: number;
  heapMB: number;
  externalMB: number;
  rssMB: number;
  peakRssMB: number;
  speed: { label: string; tokens: number; meanUs: number; p99Us: number }[];
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
    const texts = Array.from({ length: size.texts }, () => promptText(r, size.chars));
    for (const t of texts.slice(0, Math.ceil(texts.length / 5))) {
      count(`${t} warm`);
    }
    const times: number[] = [];
    let tokens = 0;
    for (const t of texts) {
      const s = performance.now();
      tokens += count(t);
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    speed.push({ label: size.label, tokens: Math.round(tokens / texts.length), meanUs: mean * 1000, p99Us: (times[Math.floor(times.length * 0.99)] ?? 0) * 1000 });
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
          const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', __filename, '--child', variant, name, built.get(name) ?? ''], { encoding: 'utf8' });
          const key = `${name}\t${variant}`;
          results.set(key, [...(results.get(key) ?? []), JSON.parse(out) as Result]);
        }
      }
    }
    const load1 = loadavg();
    console.log(`tokenizer bench: ${ROUNDS} interleaved rounds, medians; load average ${load0[0]?.toFixed(1)} → ${load1[0]?.toFixed(1)} (1 min)`);
    console.log('| encoding | variant | load ms | heap+external after load | RSS after load | peak RSS while loading | ' + SIZES.map((s) => `count ${s.label} tok: mean / p99 µs`).join(' | ') + ' |');
    console.log('|---|---|---|---|---|---|' + SIZES.map(() => '---|').join(''));
    for (const [key, rs] of results) {
      const [name, variant] = key.split('\t');
      const m = (f: (r: Result) => number): number => median(rs.map(f));
      const cols = SIZES.map((_, i) => `${m((r) => r.speed[i]?.meanUs ?? 0).toFixed(0)} / ${m((r) => r.speed[i]?.p99Us ?? 0).toFixed(0)} (${rs[0]?.speed[i]?.tokens} tok)`);
      console.log(`| ${name} | ${variant} | ${m((r) => r.loadMs).toFixed(0)} | ${m((r) => r.heapMB + r.externalMB).toFixed(1)} MB | ${m((r) => r.rssMB).toFixed(1)} MB | +${m((r) => r.peakRssMB).toFixed(1)} MB | ${cols.join(' | ')} |`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  process.stdout.write(JSON.stringify(child(process.argv[3] as Variant, process.argv[4] as EncodingName, process.argv[5] ?? '')));
} else {
  main();
}
