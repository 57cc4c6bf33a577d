// The team database's schema, versioned. Each daemon applies what is missing at connect time
// under an advisory lock (several daemons start at once); a database whose schema is newer than
// this daemon knows is refused with a clear error instead of being written with old assumptions.
//
// Two kinds of change. A versioned migration may change what older daemons rely on, so it makes
// them refuse the database (they compare the highest version with their own). An addition is a
// change every older daemon keeps working under (a nullable column: their inserts go through
// json_populate_recordset over the table's row type, so a key they do not send becomes NULL, and
// their readers name columns or ignore extra ones). Additions are recorded in their own table and
// never raise the version, so one member upgrading never forces the others to.
import type { PoolClient } from 'pg';
import { RouterError } from '../protocol/errors';

export interface PgMigration {
  /** Strictly increasing; never renumber one that has shipped. */
  version: number;
  name: string;
  sql: string;
}

/** Serialises concurrent migrators (an arbitrary constant: "LLMR" in ASCII). */
const MIGRATION_LOCK = 0x4c4c4d52;

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'team budgets, leases and ledger',
    sql: `
      CREATE TABLE team_budgets (
        id text PRIMARY KEY,
        team_id text NOT NULL,
        name text NOT NULL,
        scope text NOT NULL CHECK (scope IN ('team', 'project', 'member', 'model', 'provider')),
        scope_value text NOT NULL DEFAULT '',
        period text NOT NULL CHECK (period IN ('hour', 'day', 'week', 'month')),
        limit_usd double precision NOT NULL CHECK (limit_usd > 0),
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        UNIQUE (team_id, scope, scope_value, period)
      );
      -- Spend that reached the team ledger, per budget and period (updated with each shipped row).
      CREATE TABLE team_budget_usage (
        budget_id text NOT NULL REFERENCES team_budgets(id) ON DELETE CASCADE,
        period_start bigint NOT NULL,
        spent_usd double precision NOT NULL DEFAULT 0,
        requests bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (budget_id, period_start)
      );
      -- One lease per daemon process, budget and period. What a lease still holds of the budget:
      -- open: max(granted, used) - arrived; returned: used - arrived; expired: nothing.
      CREATE TABLE team_leases (
        id text PRIMARY KEY,
        budget_id text NOT NULL REFERENCES team_budgets(id) ON DELETE CASCADE,
        period_start bigint NOT NULL,
        team_id text NOT NULL,
        member_id text NOT NULL,
        daemon_id text NOT NULL,
        state text NOT NULL CHECK (state IN ('open', 'returned', 'expired')),
        granted_usd double precision NOT NULL,
        used_usd double precision NOT NULL DEFAULT 0,
        arrived_usd double precision NOT NULL DEFAULT 0,
        grants integer NOT NULL DEFAULT 1,
        created_at bigint NOT NULL,
        renewed_at bigint NOT NULL,
        expires_at bigint NOT NULL,
        closed_at bigint
      );
      CREATE INDEX team_leases_budget ON team_leases (budget_id, period_start, state);
      -- The team ledger: every member's rows, once each (the outbox may deliver a row twice).
      CREATE TABLE team_requests (
        team_id text NOT NULL,
        request_id text NOT NULL,
        member_id text NOT NULL,
        ts bigint NOT NULL,
        client_kind text NOT NULL,
        workspace text,
        endpoint text NOT NULL,
        requested_model text NOT NULL,
        model text NOT NULL,
        provider text NOT NULL,
        policy text,
        task_type text,
        stream boolean NOT NULL,
        tokens_in bigint NOT NULL,
        tokens_out bigint NOT NULL,
        tokens_cached bigint NOT NULL,
        tokens_reasoning bigint NOT NULL,
        estimated_cost_usd double precision,
        cost_usd double precision,
        cost_state text NOT NULL,
        latency_ms bigint NOT NULL,
        ttft_ms bigint,
        status text NOT NULL,
        error_code text,
        lease_ids text[] NOT NULL DEFAULT '{}',
        received_at bigint NOT NULL,
        PRIMARY KEY (team_id, request_id)
      );
      CREATE INDEX team_requests_ts ON team_requests (team_id, ts);
    `,
  },
];

export const PG_SCHEMA_VERSION = Math.max(...PG_MIGRATIONS.map((m) => m.version));

export interface PgAddition {
  /** Unique; never rename one that has shipped. */
  name: string;
  /** Idempotent (IF NOT EXISTS), and harmless to every older daemon: see the header. */
  sql: string;
}

export const PG_ADDITIONS: readonly PgAddition[] = [
  {
    name: 'team_requests: effort and expected wall time',
    sql: 'ALTER TABLE team_requests ADD COLUMN IF NOT EXISTS effort text, ADD COLUMN IF NOT EXISTS expected_wall_ms bigint',
  },
];

/** Applies the missing migrations, then the missing additions; returns the schema version. */
export async function migrateTeamDb(
  client: PoolClient,
  migrations: readonly PgMigration[] = PG_MIGRATIONS,
  additions: readonly PgAddition[] = PG_ADDITIONS,
): Promise<number> {
  const known = Math.max(0, ...migrations.map((m) => m.version));
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS llm_router_schema (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const r = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM llm_router_schema');
    const current = r.rows[0]?.v ?? 0;
    if (current > known) {
      throw new RouterError(
        'teamUnavailable',
        `the team database's schema is version ${current}, newer than this llm-router knows (${known}): upgrade llm-router on this machine; local operation goes on`,
        { schemaVersion: current, known },
      );
    }
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (m.version <= current) {
        continue;
      }
      await client.query(m.sql);
      await client.query('INSERT INTO llm_router_schema (version, name) VALUES ($1, $2)', [m.version, m.name]);
    }
    if (additions.length > 0) {
      await client.query(`CREATE TABLE IF NOT EXISTS llm_router_schema_additions (
        name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
      const done = new Set((await client.query<{ name: string }>('SELECT name FROM llm_router_schema_additions')).rows.map((r) => r.name));
      for (const a of additions) {
        if (!done.has(a.name)) {
          await client.query(a.sql);
          await client.query('INSERT INTO llm_router_schema_additions (name) VALUES ($1)', [a.name]);
        }
      }
    }
    await client.query('COMMIT');
    return Math.max(current, known);
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
