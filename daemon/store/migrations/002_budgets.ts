import type { Migration } from '../migration';

// Budgets, their per-period usage counters, open reservations and the hourly spend rollup (one
// row per hour × dimension × key: dimensions are rolled up one by one, so the table stays small
// however many workspaces × models × clients combine). Counters and rollups are updated in the
// same transaction as the ledger row: checking a budget or summarising a month never scans
// `requests`.
export const budgets: Migration = {
  version: 2,
  name: 'budgets',
  sql: `
    CREATE TABLE budgets (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      scope TEXT NOT NULL CHECK (scope IN ('global', 'workspace', 'client', 'provider', 'model', 'policy')),
      scope_value TEXT NOT NULL DEFAULT '',
      period TEXT NOT NULL CHECK (period IN ('request', 'hour', 'day', 'week', 'month')),
      limit_usd REAL NOT NULL CHECK (limit_usd > 0),
      alert_threshold REAL NOT NULL CHECK (alert_threshold > 0 AND alert_threshold <= 1),
      actions TEXT NOT NULL DEFAULT '["notify"]',
      pause_above_per_mtok REAL,
      confirm_over_budget INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      UNIQUE (scope, scope_value, period)
    );
    CREATE TABLE budget_usage (
      budget_id TEXT NOT NULL,
      period_start INTEGER NOT NULL,
      spent_usd REAL NOT NULL DEFAULT 0,
      reserved_usd REAL NOT NULL DEFAULT 0,
      requests INTEGER NOT NULL DEFAULT 0,
      unknown_price INTEGER NOT NULL DEFAULT 0,
      alerted INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (budget_id, period_start)
    );
    CREATE TABLE reservations (
      id TEXT PRIMARY KEY,
      request_id TEXT NOT NULL,
      ts INTEGER NOT NULL,
      amount_usd REAL NOT NULL,
      holds TEXT NOT NULL
    );
    CREATE TABLE spend_hourly (
      dim TEXT NOT NULL,
      hour INTEGER NOT NULL,
      key TEXT NOT NULL,
      requests INTEGER NOT NULL DEFAULT 0,
      errors INTEGER NOT NULL DEFAULT 0,
      unknown_price INTEGER NOT NULL DEFAULT 0,
      cost_usd REAL NOT NULL DEFAULT 0,
      priced_tokens_in INTEGER NOT NULL DEFAULT 0,
      priced_tokens_cached INTEGER NOT NULL DEFAULT 0,
      priced_tokens_out INTEGER NOT NULL DEFAULT 0,
      tokens_in INTEGER NOT NULL DEFAULT 0,
      tokens_out INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (dim, hour, key)
    ) WITHOUT ROWID;
  `,
};
