// A fixed set of everyday and hard prompts, with what a person expects routing to do with them.
// Read by `npm run bench:routing-everyday` (prints the choices) and by the routing tests (which
// hold the expectations), so the printed table and the tested behaviour are the same prompts.
import type { Catalog } from '../daemon/routing/catalog';

export type EverydayKind = 'everyday' | 'hard';

export interface EverydayPrompt {
  id: string;
  kind: EverydayKind;
  prompt: string;
}

export const EVERYDAY_PROMPTS: readonly EverydayPrompt[] = [
  { id: 'greeting', kind: 'everyday', prompt: 'hi!' },
  { id: 'thanks', kind: 'everyday', prompt: 'thanks, that worked!' },
  { id: 'capital', kind: 'everyday', prompt: 'What is the capital of France?' },
  { id: 'conversion', kind: 'everyday', prompt: 'Convert 72 degrees Fahrenheit to Celsius.' },
  { id: 'units', kind: 'everyday', prompt: 'How many ounces are in 2.5 kilograms?' },
  { id: 'translate', kind: 'everyday', prompt: 'Translate to German: "Where is the train station? I need to catch the 9 o\'clock train."' },
  { id: 'haiku', kind: 'everyday', prompt: 'Write a haiku about autumn.' },
  { id: 'summary', kind: 'everyday', prompt: 'Summarise in two sentences: The meeting covered the Q3 roadmap. Engineering will ship the new billing page in August, marketing moves the launch event to September, and support asked for two more hires before the launch. Budget approval is pending until finance reviews the numbers next week.' },
  { id: 'regex', kind: 'everyday', prompt: 'Give me a regex that matches a US ZIP code.' },
  { id: 'proof', kind: 'hard', prompt: 'Prove that there are infinitely many primes p such that p ≡ 3 (mod 4). Give a complete, rigorous proof, then explain why the same argument fails for primes ≡ 1 (mod 4) and what extra tool is needed there.' },
  { id: 'concurrency', kind: 'hard', prompt: 'Our Go service deadlocks under load. Two goroutines each lock mutex A then B, but a third path locks B then calls a callback that may lock A, and a worker pool uses a buffered channel of size 1 for results while holding A. Find every deadlock and race in this design, explain the interleavings step by step, and propose a lock ordering and channel design that provably avoids them.\n\n```go\nfunc (s *Svc) Transfer(a, b *Acct) {\n  a.mu.Lock(); defer a.mu.Unlock()\n  b.mu.Lock(); defer b.mu.Unlock()\n  s.results <- apply(a, b)\n}\n```' },
  { id: 'system-design', kind: 'hard', prompt: 'Design a globally distributed rate limiter for an API gateway handling 2 million requests per second across 6 regions. Requirements: per-tenant limits with burst, at most 1% over-admission, p99 added latency under 2 ms, survives a region partition. Compare token bucket with sliding-window counters, explain the consistency model, the data structures, failure modes and how you would prove the over-admission bound.' },
];

/** One choice as every public path reports it (route/decide's decision, or a dry-run line). */
export interface EverydayChoice {
  model: string;
  effort: string | null;
  expectedWallMs: number | null;
  costUsd: number | null;
  /** The chosen model's predicted quality and thinking tokens, from its candidate estimate. */
  quality: number;
  thinkingTokens: number;
}

export type EverydayTradeoff = 'cost' | 'balanced' | 'quality' | 'latency';

/**
 * What users expect (issue 12, point 4), as checks over one prompt's choices under every tradeoff;
 * returns what was broken, empty when all hold. The unit tests, the route/decide RPC and the CLI
 * dry run tests apply the same checks to the same prompts.
 */
export function everydayViolations(catalog: Catalog, p: EverydayPrompt, by: Record<EverydayTradeoff, EverydayChoice>): string[] {
  const out: string[] = [];
  const models = [...catalog.list()].sort((a, b) => b.qualityPrior - a.qualityPrior);
  const ids = models.map((m) => m.id);
  // The frontier: the 8 strongest models overall; the weakest tier: the bottom third.
  const frontier = new Set(ids.slice(0, 8));
  const weakest = new Set(ids.slice(Math.ceil((ids.length * 2) / 3)));
  // Premium: output at $10/MTok or more (Opus, Sonnet, GPT-5.x, Gemini 3 Pro, Grok 4, o3's tier and up).
  const premium = (id: string) => {
    const m = catalog.get(id);
    return ((m ? catalog.price(m)?.outputPerMTok : undefined) ?? Infinity) >= 10;
  };
  const speed = new Map(models.map((m) => [m.id, m.latencyPrior.tokensPerSecond]));
  const what = (t: EverydayTradeoff) => `${p.id}/${t} → ${by[t].model}@${by[t].effort ?? '-'}`;
  if (p.kind === 'everyday') {
    for (const t of ['cost', 'balanced', 'latency'] as const) {
      const c = by[t];
      // "A slow thinking model": one whose thinking alone keeps the user waiting over a second.
      const thinkingMs = (c.thinkingTokens / (speed.get(c.model) ?? 1)) * 1000;
      if (thinkingMs > 1_000) {
        out.push(`${what(t)} thinks ${c.thinkingTokens} tokens (${Math.round(thinkingMs)} ms)`);
      }
      if ((c.expectedWallMs ?? Infinity) >= 5_000) {
        out.push(`${what(t)} takes ${c.expectedWallMs} ms`);
      }
      if (premium(c.model)) {
        out.push(`${what(t)} is premium`);
      }
    }
  } else {
    if (!frontier.has(by.quality.model)) {
      out.push(`${what('quality')} is not a frontier model`);
    }
    if (weakest.has(by.balanced.model)) {
      out.push(`${what('balanced')} is in the weakest tier`);
    }
  }
  // `latency` minimises waiting: its choice waits no longer than any other tradeoff's, and never
  // long (a hard prompt may think a little, not for tens of seconds).
  const wait = (t: EverydayTradeoff) => by[t].expectedWallMs ?? Infinity;
  const slower = (['cost', 'balanced', 'quality'] as const).filter((t) => wait('latency') > wait(t));
  if (slower.length > 0) {
    out.push(`${what('latency')} waits ${wait('latency')} ms, longer than ${slower.map((t) => `${t}'s ${wait(t)} ms`).join(', ')}`);
  }
  if (wait('latency') >= 10_000) {
    out.push(`${what('latency')} takes ${wait('latency')} ms`);
  }
  const [c, b, q] = [by.cost, by.balanced, by.quality];
  if (!((c.costUsd ?? 0) <= (b.costUsd ?? 0) && (b.costUsd ?? 0) <= (q.costUsd ?? 0))) {
    out.push(`${p.id}: estimated cost goes down from cost → balanced → quality: ${c.costUsd} ${b.costUsd} ${q.costUsd}`);
  }
  if (!(c.quality <= b.quality && b.quality <= q.quality)) {
    out.push(`${p.id}: quality goes down from cost → balanced → quality: ${c.quality} ${b.quality} ${q.quality}`);
  }
  return out;
}
