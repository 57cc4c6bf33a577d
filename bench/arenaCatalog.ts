// The arena benchmark's models as catalog entries: per-category quality from LMArena's ratings
// (../shared/model-facts/arena-text-categories-2025-12.json: lmarena/arena-catalog,
// data/leaderboard-text-style-control.json, updated 2025-12-17), converted by the same function the
// product uses (daemon/routing/categoryQuality.ts). So training and measurement exercise the same
// f(category figures, prompt profile, online adjustment) as live routing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { categoryQualityFromArena, qualityFromArenaRating } from '../daemon/routing/categoryQuality';
import { extractFeatures } from '../daemon/routing/features';
import type { LearnedQuality } from '../daemon/routing/learnedQuality';
import type { CatalogModel } from '../daemon/routing/catalog';
import { modelStats, type ArenaCase, type ArenaModelStats, type Price } from './arenaEval';
import { sharedDir, type BenchRow } from './routingData';

export const FACTS_DIR = sharedDir('model-facts', 'MODEL_FACTS_DIR');
const FACTS_FILE = 'arena-text-categories-2025-12.json';

/**
 * Benchmark model id → LMArena name. Ids the leaderboard has no row for map to null: those models
 * get no invented figure and are left out of routing (as unpriced ones are).
 */
export const ARENA_NAME: Record<string, string | null> = {
  'gpt-4-1106-preview': 'gpt-4-1106-preview',
  'gpt-4-0314': 'gpt-4-0314',
  // The arena-bench run (2023-11) used the 0613 snapshot, which has no row; 1106 is the nearest.
  'gpt-3.5-turbo': 'gpt-3.5-turbo-1106',
  'gpt-3.5-turbo-1106': 'gpt-3.5-turbo-1106',
  'claude-2.1': null,
  'claude-1': null,
  'claude-instant-1': null,
  'mixtral-8x7b-instruct-v0.1': 'mixtral-8x7b-instruct-v0.1',
  'Mixtral-8x7B-Instruct-v0.1': 'mixtral-8x7b-instruct-v0.1',
  'Mistral-7B-Instruct-v0.1': 'mistral-7b-instruct',
  'Llama-2-70b-chat': 'llama-2-70b-chat',
  'openchat_3.5': 'openchat-3.5',
  'Starling-LM-7B-alpha': 'starling-lm-7b-alpha',
  'vicuna-33b-v1.3': 'vicuna-33b',
  'llama-13b': 'llama-13b',
  'palm-2-chat-bison-001': 'palm-2',
};

const Facts = z.object({
  source: z.object({ repository: z.string(), commit: z.string(), file: z.string(), updated: z.string() }).passthrough(),
  models: z.record(z.string(), z.record(z.string(), z.array(z.number()))),
});

export type BenchModel = Pick<CatalogModel, 'id' | 'qualityPrior' | 'qualityByCategory'>;

/** Catalog-shaped figures for each benchmark model that has an LMArena row. */
export function benchModels(ids: readonly string[]): { models: Map<string, BenchModel>; missing: string[]; source: string } {
  const facts = Facts.parse(JSON.parse(readFileSync(join(FACTS_DIR, FACTS_FILE), 'utf8')));
  const models = new Map<string, BenchModel>();
  const missing: string[] = [];
  for (const id of ids) {
    const name = ARENA_NAME[id];
    const ratings = name ? facts.models[name] : undefined;
    const overall = ratings?.full?.[0];
    if (!ratings || overall === undefined) {
      missing.push(id);
      continue;
    }
    models.set(id, { id, qualityPrior: Math.round(qualityFromArenaRating(overall) * 1000) / 1000, qualityByCategory: categoryQualityFromArena(ratings) });
  }
  const s = facts.source;
  return { models, missing, source: `${s.repository}@${s.commit.slice(0, 12)} ${s.file} (${s.updated})` };
}

/** What the quality model reads from an arena prompt, through the same feature extraction as live requests. */
export function arenaCase(row: BenchRow, model: LearnedQuality, stats: ArenaModelStats): ArenaCase {
  const features = extractFeatures({ messages: [{ role: 'user', content: row.prompt }] });
  return { row, reading: model.read(features), stats };
}

/**
 * Teaches `model` the outcomes of `rows` (judge score / 10) as if they were a user's feedback, through
 * the same `recordOutcome` live feedback uses.
 */
export function learnFromOutcomes(model: LearnedQuality, rows: readonly BenchRow[], models: ReadonlyMap<string, BenchModel>): void {
  for (const row of rows) {
    const features = extractFeatures({ messages: [{ role: 'user', content: row.prompt }] });
    for (const [id, m] of models) {
      const s = row.outcomes[id];
      if (typeof s === 'number') {
        model.recordOutcome(id, features, s / 10, m);
      }
    }
  }
}

/** Cases for `test`, with output-length statistics from `train` (never from the prompts measured). */
export function casesFor(test: readonly BenchRow[], train: readonly BenchRow[], model: LearnedQuality, ids: readonly string[]): ArenaCase[] {
  const stats = modelStats(train, ids);
  return test.map((r) => arenaCase(r, model, stats));
}

export function pricedArena(arena: readonly BenchRow[], prices: ReadonlyMap<string, Price | null>): { priced: Map<string, Price>; unpriced: string[] } {
  const inArena = new Set(arena.flatMap((r) => Object.keys(r.outcomes)));
  const priced = new Map<string, Price>();
  const unpriced: string[] = [];
  for (const [m, p] of prices) {
    if (!inArena.has(m)) {
      continue;
    }
    if (p) {
      priced.set(m, p);
    } else {
      unpriced.push(m);
    }
  }
  return { priced, unpriced };
}
