// The task categories the catalog scores models on and the prompt model predicts a mix of. One
// list, shared by the catalog data file (quality per category), the prompt profile (category mix and
// difficulty) and the quality prediction that combines them.
export const TASK_CATEGORIES = ['code', 'math', 'reasoning', 'writing', 'extraction', 'chat', 'tools', 'longContext'] as const;

export type TaskCategory = (typeof TASK_CATEGORIES)[number];

/** A model's quality 0..1 per category; a category without a figure is unknown (not zero). */
export type CategoryQuality = Partial<Record<TaskCategory, number>>;

/** A prompt's category mix (weights summing to 1) and its difficulty 0..1 (0.5 = typical). */
export interface PromptProfile {
  categories: Record<TaskCategory, number>;
  difficulty: number;
}
