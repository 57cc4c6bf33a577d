// A model's quality for one prompt from its per-category figures and the prompt's category mix,
// and the one conversion from LMArena category ratings to those 0..1 figures (used for the
// benchmark's models, and available to the catalog data file so both speak the same scale).
import type { CatalogModel } from './catalog';
import { TASK_CATEGORIES, type CategoryQuality, type TaskCategory } from './taskCategories';

/**
 * The rating a quality of 0.5 stands for: LMArena's style-controlled rating of
 * mixtral-8x7b-instruct-v0.1 (1200.2, leaderboard of 2025-12-17). Quality is then the Bradley-Terry
 * probability that a model's answer is preferred over Mixtral-8x7B's (400 points = 10:1 odds).
 */
export const ARENA_REFERENCE_RATING = 1200;

export function qualityFromArenaRating(rating: number): number {
  return 1 / (1 + 10 ** ((ARENA_REFERENCE_RATING - rating) / 400));
}

/**
 * Which LMArena category stands for each task category. Tool use has no arena category: it is
 * left unknown (the model's overall prior is used for it), never invented.
 */
export const ARENA_CATEGORY_FOR: Record<TaskCategory, readonly string[]> = {
  code: ['coding'],
  math: ['math'],
  reasoning: ['hard_6', 'expert'],
  writing: ['creative_writing'],
  extraction: ['if'],
  chat: ['full'],
  tools: [],
  longContext: ['long_user'],
};

/** Per-category quality from one model's LMArena ratings (`{category: [rating, lo, hi]}`). */
export function categoryQualityFromArena(ratings: Readonly<Record<string, readonly number[]>>): CategoryQuality {
  const out: CategoryQuality = {};
  for (const c of TASK_CATEGORIES) {
    for (const arena of ARENA_CATEGORY_FOR[c]) {
      const r = ratings[arena]?.[0];
      if (r !== undefined) {
        out[c] = Math.round(qualityFromArenaRating(r) * 1000) / 1000;
        break;
      }
    }
  }
  return out;
}

/** Σ over categories of the prompt's weight × the model's figure there (its prior where unknown). */
export function mixedQuality(model: Pick<CatalogModel, 'qualityPrior' | 'qualityByCategory'>, mix: Readonly<Record<TaskCategory, number>>): number {
  const byCategory = model.qualityByCategory;
  if (!byCategory) {
    return model.qualityPrior;
  }
  let q = 0;
  let w = 0;
  for (const c of TASK_CATEGORIES) {
    const m = mix[c];
    if (m > 0) {
      q += m * (byCategory[c] ?? model.qualityPrior);
      w += m;
    }
  }
  return w > 0 ? q / w : model.qualityPrior;
}
