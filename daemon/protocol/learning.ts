// What the router learned online from feedback, per model: `routing/learnedState`. The same shape
// is what `catalog list` and the dashboard show next to each model's catalog figures.
import { z } from 'zod';
import type { TaskCategory } from './taskCategories';

const result = <R>() => undefined as unknown as R;

export interface LearnedModelState {
  model: string;
  /** Outcomes (feedback) learned from. */
  outcomes: number;
  /** Added to the model's predicted quality for a prompt of an even category mix (bounded). */
  adjustment: number;
  /** Per category: the weight of outcomes credited to it and its own adjustment. */
  byCategory: Partial<Record<TaskCategory, { weight: number; adjustment: number }>>;
}

export const LearnedStateParams = z.object({ model: z.string().min(1).optional() }).strict();
export interface LearnedStateResult {
  models: LearnedModelState[];
  /** Outcomes an adjustment is shrunk by, and its bound either way. */
  priorStrength: number;
  maxAdjustment: number;
  categories: readonly TaskCategory[];
}

export const learningMethods = {
  'routing/learnedState': { params: LearnedStateParams, result: result<LearnedStateResult>() },
} as const;
