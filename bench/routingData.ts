// The shared routing-bench data (../shared/routing-bench, see its README for sources and licences)
// and the one split every script uses: held out BY PROMPT TEXT, so no prompt is both trained on and
// measured, and for MMLU a second check that holds out whole subjects.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { stableUnit } from '../daemon/routing/rules';

/** `shared/` beside the checkout (CI's fresh clone), or beside the folder of worktrees. */
export function sharedDir(name: string, envVar: string): string {
  const fromEnv = process.env[envVar];
  if (fromEnv) {
    return fromEnv;
  }
  const candidates = [join(__dirname, '..', '..', 'shared', name), join(__dirname, '..', '..', '..', 'shared', name)];
  return candidates.find((c) => existsSync(c)) ?? (candidates[0] as string);
}

export const BENCH_DIR = sharedDir('routing-bench', 'ROUTING_BENCH_DIR');
export const STRONG = 'gpt-4-1106-preview';
export const WEAK = 'mixtral-8x7b-instruct-v0.1';
/** Share of prompts held out for measurement; never trained on. */
export const TEST_SHARE = 0.25;
/** MMLU subjects held out entirely in the generalisation check (every 6th subject alphabetically). */
export const SUBJECT_HOLDOUT_EVERY = 6;

const Row = z.object({
  id: z.string(),
  benchmark: z.string(),
  category: z.string(),
  prompt: z.string(),
  outcomes: z.record(z.string(), z.number().nullable()),
  prompt_tokens_est: z.number().optional(),
  output_tokens_est: z.record(z.string(), z.number()).optional(),
});
export type BenchRow = z.infer<typeof Row>;

function readJsonl(file: string): BenchRow[] {
  return readFileSync(join(BENCH_DIR, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => Row.parse(JSON.parse(l)));
}

export function isTest(row: BenchRow): boolean {
  return stableUnit(`split:${row.prompt}`) < TEST_SHARE;
}

export function loadPair(): BenchRow[] {
  return readJsonl('routellm_gpt4_vs_mixtral.train.jsonl');
}

export function loadArena(): BenchRow[] {
  return readJsonl('arena_bench_v1_15models.train.jsonl');
}

const Price = z.object({ provider: z.string(), in: z.number(), out: z.number() }).passthrough();
export function loadPrices(): Map<string, { in: number; out: number } | null> {
  const raw = z.record(z.string(), z.unknown()).parse(JSON.parse(readFileSync(join(BENCH_DIR, 'models_prices.json'), 'utf8')));
  const out = new Map<string, { in: number; out: number } | null>();
  for (const [k, v] of Object.entries(raw)) {
    if (k.startsWith('_')) {
      continue;
    }
    const p = Price.safeParse(v);
    out.set(k, p.success ? { in: p.data.in, out: p.data.out } : null);
  }
  return out;
}
