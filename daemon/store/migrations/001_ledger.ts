import type { Migration } from '../migration';

// The ledger: one row per routed request, one per attempt (for fallbacks and error classes).
export const ledger: Migration = {
  version: 1,
  name: 'ledger',
  sql: `
    CREATE TABLE requests (
      id TEXT PRIMARY KEY,
      ts INTEGER NOT NULL,
      client_kind TEXT NOT NULL,
      client_name TEXT,
      workspace TEXT,
      endpoint TEXT NOT NULL,
      requested_model TEXT NOT NULL,
      model TEXT NOT NULL,
      provider TEXT NOT NULL,
      policy TEXT,
      strategy TEXT,
      task_type TEXT,
      reason TEXT,
      stream INTEGER NOT NULL DEFAULT 0,
      tokens_in INTEGER NOT NULL DEFAULT 0,
      tokens_out INTEGER NOT NULL DEFAULT 0,
      tokens_cached INTEGER NOT NULL DEFAULT 0,
      tokens_reasoning INTEGER NOT NULL DEFAULT 0,
      estimated_cost_usd REAL,
      cost_usd REAL,
      cost_state TEXT NOT NULL CHECK (cost_state IN ('known', 'unknown')),
      latency_ms INTEGER NOT NULL DEFAULT 0,
      ttft_ms INTEGER,
      status TEXT NOT NULL CHECK (status IN ('ok', 'error', 'cancelled')),
      error_code TEXT,
      fallbacks TEXT NOT NULL DEFAULT '[]',
      experiment_id TEXT,
      arm TEXT
    );
    CREATE INDEX requests_ts ON requests(ts);
    CREATE INDEX requests_model_ts ON requests(model, ts);
    CREATE TABLE attempts (
      request_id TEXT NOT NULL,
      n INTEGER NOT NULL,
      ts INTEGER NOT NULL,
      model TEXT NOT NULL,
      provider TEXT NOT NULL,
      status TEXT NOT NULL,
      error_code TEXT,
      latency_ms INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (request_id, n)
    );
    CREATE TABLE settings (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    );
  `,
};
