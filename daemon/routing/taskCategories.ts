// The task categories live in the protocol (RPC results name them); the routing-side shapes over them here.
import type { TaskCategory } from '../protocol/taskCategories';

export { TASK_CATEGORIES, type TaskCategory } from '../protocol/taskCategories';

/** A model's quality 0..1 per category; a category without a figure is unknown (not zero). */
export type CategoryQuality = Partial<Record<TaskCategory, number>>;

/** A prompt's category mix (weights summing to 1) and its difficulty 0..1 (0.5 = typical). */
export interface PromptProfile {
  categories: Record<TaskCategory, number>;
  difficulty: number;
}
