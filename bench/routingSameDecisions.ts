// Decisions compared exactly between this checkout's router and an older one: a speed-up of the
// decision must not change any decision. Thousands of varied inputs (everyday and hard prompts,
// benchmark prompts, generated prompts of 100..8k tokens, resent conversations, every tradeoff,
// policies, constraints, pinned efforts, tools, named models, rules, live latency and health,
// online feedback) go through both routers; each trace (decision, features, rule traces) or error
// must be byte-identical as JSON.
// Usage: ROUTER_BASELINE=<dir containing daemon/routing> npm run bench:routing-same
// (e.g. `git worktree add /tmp/base main`, or `mkdir /tmp/base && git archive main daemon | tar -x -C /tmp/base`
// with node_modules linked beside it).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Catalog, type LatencyStats, type ModelStats } from '../daemon/routing/catalog';
import { Router, type RouteInput } from '../daemon/routing/router';
import { Rule } from '../daemon/protocol/routing-methods';
import type { ChatMessage, ChatRequest, EffortLevel } from '../daemon/protocol/chat';
import type { RoutingOptions, Tradeoff } from '../daemon/protocol/routing';
import { EVERYDAY_PROMPTS } from './everydayPrompts';
import { makePrompt } from './routingLatency';
import { BENCH_DIR } from './routingData';
import { promptVector } from '../daemon/routing/promptFeatures';
import { seededRandom } from '../daemon/routing/linearModel';

type RouterClass = typeof Router;
type CatalogClass = typeof Catalog;

/** Deterministic pseudo-random numbers, so both routers see the same inputs on every run. */
const rng = seededRandom;

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

/** Live stats both routers share: a few models with measured latency, one with its circuit open. */
const stats: ModelStats = {
  latency: (id: string): LatencyStats | null => (id === 'gpt-4o-mini' ? { ttftMs: 900, tokensPerSecond: 40, samples: 5 } as LatencyStats : id === 'claude-sonnet-4' ? { ttftMs: 300, tokensPerSecond: 120, samples: 2 } as LatencyStats : null),
  isHealthy: (id: string) => id !== 'gemini-2.5-flash',
};

const RULES = [
  Rule.parse({ id: 'python-cheap', when: { language: 'python' }, targets: [{ model: 'gpt-4o-mini' }] }),
  Rule.parse({ id: 'big-to-gemini', when: { minTokens: 6000 }, targets: [{ model: 'gemini-2.5-pro' }], fallbacks: ['gpt-4.1'] }),
  Rule.parse({ id: 'fix-sonnet', when: { command: 'fix' }, targets: [{ model: 'claude-sonnet-4', weight: 2 }, { model: 'gpt-4.1' }], canary: { model: 'o4-mini', share: 0.3 } }),
];

function makeRouter(R: RouterClass, C: CatalogClass, withRules: boolean): Router {
  return new R({
    catalog: C.builtIn(),
    isAvailable: (m) => m.provider !== 'mistral',
    defaultTradeoff: 'balanced',
    baselineModel: 'gpt-4.1',
    stats,
    outputTokens: (id, task, typical) => (id.startsWith('claude') && task === 'code' ? 900 : typical),
    config: withRules ? { rules: RULES, valueOfTimeUsdPerHour: 45 } : undefined,
  });
}

function benchPrompts(): string[] {
  const out: string[] = [];
  for (const file of ['routellm_gpt4_vs_mixtral.train.jsonl', 'arena_bench_v1_15models.train.jsonl']) {
    const lines = readFileSync(join(BENCH_DIR, file), 'utf8').split('\n');
    // Every 37th line: a spread over benchmarks and subjects without reading them all.
    for (let i = 0; i < lines.length && out.length < 2000; i += 37) {
      const line = lines[i];
      if (line) {
        out.push((JSON.parse(line) as { prompt: string }).prompt);
      }
    }
  }
  return out;
}

const TRADEOFFS: readonly (Tradeoff | undefined)[] = [undefined, 'cost', 'balanced', 'quality', 'latency'];
const EFFORTS: readonly (EffortLevel | undefined)[] = [undefined, undefined, undefined, 'low', 'high'];
const MODELS = ['auto', 'auto', 'auto', 'auto', 'auto:cost', 'auto:quality', 'gpt-4.1', 'o4-mini', 'claude-sonnet-4', 'code', 'normal'];

function routingOptions(r: () => number): RoutingOptions | undefined {
  const o: RoutingOptions = {};
  const t = pick(r, TRADEOFFS);
  if (t) {
    o.tradeoff = t;
  }
  const k = r();
  if (k < 0.08) {
    o.maxCostUsd = pick(r, [0.0001, 0.001, 0.01]);
  } else if (k < 0.14) {
    o.minQuality = pick(r, [0.5, 0.7, 0.85]);
  } else if (k < 0.2) {
    o.allowedProviders = ['openai', 'anthropic'];
  } else if (k < 0.25) {
    o.excludedProviders = ['openai'];
  } else if (k < 0.3) {
    o.requiredCapabilities = pick(r, [['vision'], ['tools'], ['vision', 'tools']]) as RoutingOptions['requiredCapabilities'];
  } else if (k < 0.35) {
    o.maxLatencyMs = pick(r, [2000, 8000]);
  } else if (k < 0.4) {
    o.willingnessToPay = pick(r, [0.001, 0.05, 1]);
  } else if (k < 0.45) {
    o.preferredProviders = ['google'];
    o.preferredModels = ['claude-3-5-haiku'];
  } else if (k < 0.5) {
    o.strategy = pick(r, ['cheapest', 'quality-first', 'learned', 'fastest']);
  } else if (k < 0.54) {
    o.valueOfTimeUsdPerHour = pick(r, [0, 200]);
  } else if (k < 0.58) {
    o.policy = pick(r, ['code', 'normal', 'cheap']);
  } else if (k < 0.61) {
    o.excludedModels = ['gpt-4.1-mini', 'claude-3-5-haiku'];
  }
  return Object.keys(o).length > 0 ? o : undefined;
}

function inputs(count: number): RouteInput[] {
  const r = rng(12);
  const bench = benchPrompts();
  const history = makePrompt(1900, 7);
  const texts = [...EVERYDAY_PROMPTS.map((p) => p.prompt), ...bench];
  const out: RouteInput[] = [];
  for (let i = 0; i < count; i++) {
    const kind = r();
    let messages: ChatMessage[];
    if (kind < 0.15) {
      messages = [{ role: 'user', content: makePrompt(pick(r, [100, 600, 2000, 8000]), i) }];
    } else if (kind < 0.25) {
      // A conversation resending its history with a new question each time.
      messages = [{ role: 'user', content: history }, { role: 'assistant', content: 'Noted.' }, { role: 'user', content: pick(r, texts) }];
    } else if (kind < 0.3) {
      messages = [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: pick(r, texts) }];
    } else {
      messages = [{ role: 'user', content: pick(r, texts) }];
    }
    const request: ChatRequest = { model: 'auto', messages } as ChatRequest;
    const k = r();
    if (k < 0.15) {
      request.max_tokens = pick(r, [64, 300, 2000, 20000]);
    }
    const effort = pick(r, EFFORTS);
    if (effort) {
      request.reasoning_effort = effort;
    }
    if (r() < 0.08) {
      request.tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }] as ChatRequest['tools'];
    }
    const input: RouteInput = { request, requestedModel: pick(r, MODELS) };
    const routing = routingOptions(r);
    if (routing) {
      input.routing = routing;
    }
    const c = r();
    if (c < 0.1) {
      input.context = { kind: 'editor', command: pick(r, ['fix', 'explain']), language: pick(r, ['python', 'typescript']), workspace: '/w' } as RouteInput['context'];
    }
    if (r() < 0.1) {
      input.dryRun = true;
    }
    if (r() < 0.05) {
      input.candidates = ['gpt-4o-mini', 'claude-sonnet-4', 'o4-mini', 'deepseek-chat'];
    }
    if (r() < 0.05) {
      input.vet = (m, cost) => (cost !== null && cost > 0.002 && m.provider === 'anthropic' ? 'budget: over the anthropic cap' : null);
    }
    out.push(input);
  }
  return out;
}

/** Texts that probe the prompt vector's tokenizer at its edges (separators, symbols, non-ASCII). */
const EDGE_TEXTS = [
  '', ' ', '1,234.56,7 and 3. and .5 and 1..2 and 1,,2 and 12,a 9.x', 'x=√(π)∑∫≤≥$5 % <a> ^2 -3 +4 */',
  'İstanbul ÆØÅ naïve café ΣΑΣ Straße 東京 😀 emoji', 'A) 1\nB) 2\nC) 3\nD) 4\nWhich of the following is not true?',
  'a'.repeat(7000), '9'.repeat(50), 'Statement 1 | x. Statement 2 | y. True, False',
];

/** Prompt vectors (every bucket, value and word-vector component) compared exactly with the older checkout's. */
function sameVectors(texts: readonly string[], older: typeof promptVector): { n: number; differ: number } {
  let differ = 0;
  for (const t of texts) {
    for (const ngrams of [0, 1, 2] as const) {
      const a = promptVector(t, ngrams);
      const b = older(t, ngrams);
      const same = a.idx.length === b.idx.length && a.idx.every((v, i) => v === b.idx[i]) && a.val.every((v, i) => Object.is(v, b.val[i])) && a.embedding.every((v, i) => Object.is(v, b.embedding[i]));
      if (!same) {
        differ++;
        if (differ <= 3) {
          console.log(`prompt vector differs (ngrams ${ngrams}) for: ${JSON.stringify(t.slice(0, 120))}`);
        }
      }
    }
  }
  return { n: texts.length * 3, differ };
}

function outcome(router: Router, input: RouteInput): string {
  try {
    const t = router.trace(input);
    return JSON.stringify({ decision: t.decision, features: t.features, rules: t.rules, matchedRule: t.matchedRule });
  } catch (e) {
    const err = e as Error & { code?: string; data?: unknown };
    return JSON.stringify({ error: err.code ?? err.name, message: err.message, data: err.data });
  }
}

export async function runSameDecisions(): Promise<number> {
  const base = process.env.ROUTER_BASELINE;
  if (!base) {
    process.stderr.write('set ROUTER_BASELINE=<dir containing daemon/routing> (an older checkout to compare with)\n');
    return 2;
  }
  const R0 = ((await import(pathToFileURL(`${base}/daemon/routing/router.ts`).href)) as { Router: RouterClass }).Router;
  const C0 = ((await import(pathToFileURL(`${base}/daemon/routing/catalog.ts`).href)) as { Catalog: CatalogClass }).Catalog;
  const count = Number(process.env.DECISIONS ?? 3000);
  const older = ((await import(pathToFileURL(`${base}/daemon/routing/promptFeatures.ts`).href)) as { promptVector: typeof promptVector }).promptVector;
  const texts = [...EDGE_TEXTS, ...EVERYDAY_PROMPTS.map((p) => p.prompt), ...benchPrompts(), ...[100, 2000, 8000].map((s) => makePrompt(s, s))];
  const vectors = sameVectors(texts, older);
  console.log(`${vectors.n} prompt vectors compared: ${vectors.n - vectors.differ} identical, ${vectors.differ} differ`);
  const all = inputs(count);
  let differ = 0;
  let errors = 0;
  let n = 0;
  for (const withRules of [false, true]) {
    const current = makeRouter(Router, Catalog, withRules);
    const baseline = makeRouter(R0, C0, withRules);
    all.forEach((input, i) => {
      // Online feedback now and then, the same to both: predictions then include this user's adjustment.
      if (i % 97 === 5) {
        for (const r of [current, baseline]) {
          r.recordOutcome(pick(rng(i), ['gpt-4o-mini', 'claude-sonnet-4', 'o4-mini']), input.request, (i % 3) / 2);
        }
      }
      const a = outcome(current, input);
      const b = outcome(baseline, input);
      n++;
      if (a.startsWith('{"error"')) {
        errors++;
      }
      if (a !== b) {
        differ++;
        if (differ <= 3) {
          console.log(`differs (input ${i}, rules ${withRules}):\n  current  ${a.slice(0, 600)}\n  baseline ${b.slice(0, 600)}`);
        }
      }
    });
  }
  console.log(`${n} decisions compared with ${base}: ${n - differ} identical, ${differ} differ (${errors} were errors, compared by code and message)`);
  return differ === 0 && vectors.differ === 0 ? 0 : 1;
}

if (process.argv[1]?.endsWith('routingSameDecisions.ts')) {
  void runSameDecisions().then((code) => {
    process.exitCode = code;
  });
}
