import type { Migration } from '../migration';

// Issue 13: most requests make one attempt, on the row's own model and provider, ending with the
// row's own status and error code. That attempt's `attempts` row (about 85 of a request's 410
// bytes in the hot store) is no longer written: its start (as an offset from the row's ts) and its
// latency go on the request row instead. `request_attempts` shows every attempt as `attempts` did
// before, the sole ones rebuilt from their rows; every reader of attempts reads the view.
// NULL columns: a request whose attempts are in `attempts` (several, or one that differs from
// the row), one with none, or a row from before this migration.
export const soleAttempt: Migration = {
  version: 17,
  name: 'sole attempt on the request row',
  sql: `
    ALTER TABLE requests ADD COLUMN sole_attempt_offset_ms INTEGER;
    ALTER TABLE requests ADD COLUMN sole_attempt_latency_ms INTEGER;
    CREATE VIEW request_attempts AS
      SELECT request_id, n, ts, model, provider, status, error_code, latency_ms FROM attempts
      UNION ALL
      SELECT id, 1, ts + sole_attempt_offset_ms, model, provider, status, error_code, sole_attempt_latency_ms
        FROM requests WHERE sole_attempt_latency_ms IS NOT NULL;
  `,
};
