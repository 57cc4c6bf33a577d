import type { Migration } from '../migration';

// Team mode (issue 14): the outbox of ledger rows still to ship to the team database. A row is
// queued in the same transaction that records it and removed only after PostgreSQL committed it
// (which de-duplicates by request id), so delivery is at-least-once and counted exactly once.
// Numbered 14 (the issue), clear of the per-area numbers 1–5 in index.ts.
export const teamOutbox: Migration = {
  version: 14,
  name: 'team outbox',
  sql: `
    CREATE TABLE team_outbox (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      request_id TEXT NOT NULL UNIQUE,
      lease_ids TEXT NOT NULL DEFAULT '[]',
      queued_at INTEGER NOT NULL
    );
  `,
};
