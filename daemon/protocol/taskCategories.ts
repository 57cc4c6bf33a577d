// The task categories the catalog scores models on and the prompt model predicts a mix of. One
// list, shared by the catalog data file (quality per category), the prompt profile (category mix and
// difficulty), the quality prediction that combines them, and what `catalog/list` and
// `routing/learnedState` report per category.
export const TASK_CATEGORIES = ['code', 'math', 'reasoning', 'writing', 'extraction', 'chat', 'tools', 'longContext'] as const;

export type TaskCategory = (typeof TASK_CATEGORIES)[number];
