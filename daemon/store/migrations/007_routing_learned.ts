import type { Migration } from '../migration';

// What the router learned online from feedback, one row per model (its per-category outcome
// weights and residuals as JSON, see daemon/routing/learnedStateStore.ts). Written in the same
// transaction as the feedback row that taught it, read back at start-up, so learning survives a
// restart without storing any prompt text.
export const routingLearned: Migration = {
  version: 7,
  name: 'routing_learned',
  sql: `
    CREATE TABLE routing_learned (
      model_id TEXT PRIMARY KEY,
      state TEXT NOT NULL,
      outcomes INTEGER NOT NULL CHECK (outcomes >= 0),
      updated_at INTEGER NOT NULL
    );
  `,
};
