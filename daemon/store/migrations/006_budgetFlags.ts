import type { Migration } from '../migration';

// Per-budget choices about what happens at the limit: `hard_stop` refuses (402) instead of steering
// to a model the budget can still afford; `downgrade_named` lets the `downgrade` action replace a
// model the caller named (off by default: a named model is a promise).
export const budgetFlags: Migration = {
  version: 6,
  name: 'budget flags',
  sql: `
    ALTER TABLE budgets ADD COLUMN hard_stop INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE budgets ADD COLUMN downgrade_named INTEGER NOT NULL DEFAULT 0;
  `,
};
