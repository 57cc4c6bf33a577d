import type { Migration } from '../migration';

// Experiments (arms, scope, lifecycle, the sequential test's sticky state), their audit trail,
// per-request feedback, and which unit each experiment request was assigned by. Assignment itself
// is a hash and needs no table; the arm is on the ledger row (requests.experiment_id, arm).
export const experiments: Migration = {
  version: 3,
  name: 'experiments',
  sql: `
    CREATE TABLE experiments (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      description TEXT,
      status TEXT NOT NULL CHECK (status IN ('running', 'paused', 'stopped')),
      salt TEXT NOT NULL,
      unit TEXT NOT NULL CHECK (unit IN ('user', 'session', 'workspace', 'request')),
      scope TEXT NOT NULL,
      arms TEXT NOT NULL,
      primary_metric TEXT NOT NULL,
      guardrails TEXT NOT NULL DEFAULT '[]',
      alpha REAL NOT NULL CHECK (alpha > 0 AND alpha < 1),
      min_samples INTEGER NOT NULL CHECK (min_samples > 0),
      mixture REAL NOT NULL CHECK (mixture > 0),
      auto_stop INTEGER NOT NULL DEFAULT 0,
      auto_promote INTEGER NOT NULL DEFAULT 0,
      created_at INTEGER NOT NULL,
      started_at INTEGER,
      stopped_at INTEGER,
      stop_reason TEXT,
      analysis_state TEXT NOT NULL DEFAULT '{}',
      promotion TEXT
    );
    CREATE INDEX experiments_status ON experiments(status);
    CREATE TABLE experiment_events (
      experiment_id TEXT NOT NULL,
      ts INTEGER NOT NULL,
      kind TEXT NOT NULL,
      by TEXT,
      detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX experiment_events_experiment ON experiment_events(experiment_id, ts);
    CREATE TABLE experiment_units (
      request_id TEXT PRIMARY KEY,
      experiment_id TEXT NOT NULL,
      unit_hash TEXT NOT NULL,
      unit_fallback INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX experiment_units_experiment ON experiment_units(experiment_id);
    CREATE TABLE feedback (
      id TEXT PRIMARY KEY,
      request_id TEXT NOT NULL,
      ts INTEGER NOT NULL,
      thumbs TEXT CHECK (thumbs IN ('up', 'down')),
      score INTEGER CHECK (score BETWEEN 1 AND 5),
      value REAL NOT NULL CHECK (value >= 0 AND value <= 1),
      comment TEXT,
      client_kind TEXT,
      client_name TEXT
    );
    CREATE INDEX feedback_request ON feedback(request_id, ts);
    CREATE INDEX requests_experiment ON requests(experiment_id, arm);
  `,
};
