// Decision latency, measured so that the shared machine's load does not decide the figure:
// rounds interleave the routers under comparison (the current one, and optionally an older checkout
// given as ROUTER_BASELINE=<dir containing daemon/routing>), every decision gets a prompt it has
// never seen (no token-count cache hits unless the "resent conversation" case asks for them), and
// both wall time and process CPU time are reported. Run under `node --single-threaded --expose-gc` (npm run
// bench:routing-latency) so V8's background compiler/GC threads do not add their CPU time to the decision
// being measured, and the warm-up's garbage is collected before measuring.
import { Session } from 'node:inspector/promises';
import { cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Catalog } from '../daemon/routing/catalog';
import { Router } from '../daemon/routing/router';
import type { ChatMessage } from '../daemon/protocol/chat';

interface Decider {
  label: string;
  /** Decides; returns the tokens counted and the candidates the decision weighed. */
  decide(messages: ChatMessage[]): { tokens: number; candidates: number };
}

const WORDS = 'the router reads each request and decides which model should answer it within budget while code like function parse(x) { return x + 1; } and numbers 42 3.14 appear'.split(' ');

// Plain prose that no task cue matches (no code, math, creative, extraction or analysis words): the
// classifier reads all of its first 4 000 characters before calling it chat.
const PROSE = 'the committee met on tuesday and noted that regional offices had improved coordination with suppliers although several deliveries arrived late during the winter months while staff kept careful records of every shipment'.split(' ');

/** About `tokens` tokens of mixed prose and code; `salt` makes every prompt distinct. */
export function makePrompt(tokens: number, salt: number, words: readonly string[] = WORDS): string {
  const out: string[] = [`request ${salt}:`];
  let i = salt;
  let chars = 0;
  while (chars < tokens * 4.2) {
    const w = words[i++ % words.length] ?? 'x';
    out.push(i % 17 === 0 ? `${w}${i}` : w);
    chars += w.length + 1;
  }
  return out.join(' ');
}

function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
}

async function deciders(): Promise<Decider[]> {
  const make = (label: string, R: typeof Router, C: typeof Catalog): Decider => {
    const router = new R({ catalog: C.builtIn(), isAvailable: () => true, defaultTradeoff: 'balanced', baselineModel: 'gpt-4.1' });
    // The `normal` policy lists no models: every catalog model is a candidate (a task's own policy,
    // e.g. code's 13 models, would measure a smaller pool than the full catalog a user may have).
    return {
      label,
      decide: (messages) => {
        const d = router.decide({ request: { messages }, requestedModel: 'auto', routing: { policy: 'normal' } });
        return { tokens: d.inputTokens, candidates: d.candidates.length };
      },
    };
  };
  const out = [make('current', Router, Catalog)];
  const base = process.env.ROUTER_BASELINE;
  if (base) {
    const r = (await import(pathToFileURL(`${base}/daemon/routing/router.ts`).href)) as { Router: typeof Router };
    const c = (await import(pathToFileURL(`${base}/daemon/routing/catalog.ts`).href)) as { Catalog: typeof Catalog };
    out.push(make('baseline', r.Router, c.Catalog));
  }
  return out;
}

type Case = { name: string; messages: (salt: number) => ChatMessage[] };

export async function runLatency(): Promise<void> {
  const rounds = Number(process.env.ROUNDS ?? 12);
  const perRound = 100;
  const ds = await deciders();
  const history = makePrompt(1900, 99);
  const cases: Case[] = (process.env.SIZES ?? "100,2000,8000").split(",").map(Number).map((size) => ({ name: `~${size} tokens`, messages: (salt) => [{ role: 'user', content: makePrompt(size, salt) }] }));
  for (const size of (process.env.PROSE_SIZES ?? '2000').split(',').filter(Boolean).map(Number)) {
    // Its words are longer than the mixed text's: 1.4× the characters for about as many tokens.
    cases.push({ name: `~${size} tokens, prose`, messages: (salt) => [{ role: 'user', content: makePrompt(size * 1.4, salt, PROSE) }] });
  }
  // A conversation resending its first 2k-token turn with a new short question each time.
  cases.push({ name: 'resent 2k history + new 100', messages: (salt) => [{ role: 'user', content: history }, { role: 'assistant', content: 'Noted.' }, { role: 'user', content: makePrompt(100, salt) }] });
  console.log(`Decision latency: ${Catalog.builtIn().list().length}-model catalog, tokenization and learned model included, a new prompt for every decision; load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} CPUs; ${rounds} interleaved rounds × ${perRound} decisions per router and size`);
  let salt = 1;
  // A daemon decides for hours: warm every path (JIT tiers) before measuring any of them.
  for (let k = 0; k < 300; k++) {
    for (const c of cases) {
      for (const d of ds) {
        d.decide(c.messages(salt++));
      }
    }
  }
  // Start measuring from a settled heap (the warm-up's garbage would otherwise land on the first size).
  (globalThis as { gc?: () => void }).gc?.();
  // Pass 0 runs the measuring loop itself unreported: without it the first size measured paid for
  // compiling the measurement code (its p99 was 2–3× the same size measured again in the same run).
  for (const pass of [0, 1]) {
    for (const c of cases) {
      const wall = new Map<string, number[]>(ds.map((d) => [d.label, []]));
      const cpu = new Map<string, number[]>(ds.map((d) => [d.label, []]));
      const tokens = new Map<string, { tokens: number; candidates: number }>();
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? ds : [...ds].reverse();
        for (const d of order) {
          // Built one at a time, just before its decision, as a server handles one request body after another
          // (building a round's prompts up front kept megabytes alive that every GC then copied).
          for (let k = 0; k < perRound; k++) {
            const messages = c.messages(salt++);
            const u = process.cpuUsage();
            const t = performance.now();
            const counted = d.decide(messages);
            const w = performance.now() - t;
            const used = process.cpuUsage(u);
            wall.get(d.label)?.push(w);
            cpu.get(d.label)?.push((used.user + used.system) / 1000);
            tokens.set(d.label, counted);
          }
        }
      }
      const cells = ds.map((d) => {
        const w = wall.get(d.label) ?? [];
        const p = cpu.get(d.label) ?? [];
        const t = tokens.get(d.label);
        return `${d.label} (${t?.tokens ?? 0} tokens counted, ${t?.candidates ?? 0} candidates): wall p50 ${percentile(w, 0.5).toFixed(3)} p99 ${percentile(w, 0.99).toFixed(3)} | CPU p50 ${percentile(p, 0.5).toFixed(3)} p99 ${percentile(p, 0.99).toFixed(3)} ms`;
      });
      if (pass === 1) {
        console.log(`  ${c.name.padEnd(28)} ${cells.join('   ')}`);
      }
    }
  }
  await allocationPerDecision(ds, cases, salt);
}

/**
 * Bytes a decision allocates (what the young-generation collector must sweep; its pauses set the
 * p99), from V8's sampling heap profiler with collected objects included: every ~256th byte
 * allocated is sampled, so a few hundred decisions give a steady mean whatever collections run in
 * between. (Heap growth over a few decisions from a collected heap, the earlier measure, moved by
 * ±25 KB from one try to the next: a cache's table rehashed, a page was opened.) Prompts are built
 * before sampling starts.
 */
async function allocationPerDecision(ds: Decider[], cases: Case[], firstSalt: number): Promise<void> {
  const n = 300;
  let salt = firstSalt;
  const session = new Session();
  session.connect();
  const cells: string[] = [];
  try {
    for (const c of cases) {
      const per: string[] = [];
      for (const d of ds) {
        const inputs = Array.from({ length: n }, () => c.messages(salt++));
        await session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
        for (const m of inputs) {
          d.decide(m);
        }
        const { profile } = await session.post('HeapProfiler.stopSampling');
        per.push(`${d.label} ${(sampledBytes(profile.head) / n / 1024).toFixed(1)} KB`);
      }
      cells.push(`${c.name}: ${per.join(', ')}`);
    }
  } finally {
    session.disconnect();
  }
  console.log(`Allocated per decision (V8's sampling heap profiler over ${n} decisions each, collected objects included): ${cells.join('; ')}`);
}

function sampledBytes(node: { selfSize: number; children: readonly { selfSize: number; children: readonly unknown[] }[] }): number {
  let sum = node.selfSize;
  for (const child of node.children) {
    sum += sampledBytes(child as typeof node);
  }
  return sum;
}

if (process.argv[1]?.endsWith('routingLatency.ts')) {
  void runLatency();
}
