// The connection to the team database: a small pg pool built from the config's URL and a password
// from PGPASSWORD or the keychain (never from config.json), and the words for what went wrong.
import type { Pool, PoolClient } from 'pg';
import { RouterError } from '../protocol/errors';
import type { TeamConfig } from '../protocol/team';

/** The keychain account holding the team database's password (`keys/set` with this provider id). */
export const TEAM_PASSWORD_KEY = 'team-postgres';

export interface TeamDbTarget {
  /** host:port/database, for status and messages (never the password). */
  display: string;
  tls: boolean;
}

export function describeTarget(url: string): TeamDbTarget {
  const u = new URL(url);
  const mode = u.searchParams.get('sslmode');
  const tls = (mode !== null && mode !== 'disable' && mode !== 'allow' && mode !== 'prefer') || u.searchParams.get('ssl') === 'true';
  return { display: `${u.username ? `${u.username}@` : ''}${u.hostname}:${u.port || '5432'}${u.pathname}`, tls };
}

export interface PasswordSources {
  env: NodeJS.ProcessEnv;
  keychain: () => Promise<string | null>;
}

export async function teamPassword(src: PasswordSources): Promise<string | null> {
  const env = src.env.PGPASSWORD;
  if (env !== undefined && env !== '') {
    return env;
  }
  try {
    return await src.keychain();
  } catch {
    return null;
  }
}

/**
 * The URL with the password, in memory only. pg lets the connection string override a separate
 * `password` option (with '' when the URL has none, then falling back to PGPASSWORD), so a
 * keychain password only reaches the server inside the URL.
 */
export function withPassword(url: string, password: string | null): string {
  if (password === null) {
    return url;
  }
  const u = new URL(url);
  u.password = encodeURIComponent(password);
  return u.toString();
}

export function createTeamPool(config: TeamConfig, password: string | null): Pool {
  // Required here, not at start: a daemon outside team mode never loads pg (and node:tls with it).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Pool } = require('pg') as typeof import('pg');
  const pool = new Pool({
    connectionString: withPassword(config.url, password),
    max: 4,
    connectionTimeoutMillis: config.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    // A statement stuck on a lock must not hold a chat call for long.
    statement_timeout: Math.max(config.connectTimeoutMs, 5000),
    query_timeout: Math.max(config.connectTimeoutMs, 5000) + 1000,
    application_name: 'llm-router',
  });
  // An idle client whose server went away emits 'error' on the pool: without a listener that
  // would end the daemon. The next query reports the problem instead.
  pool.on('error', () => undefined);
  return pool;
}

/** Runs `fn` in one transaction on one pooled connection. */
export async function inTransaction<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const value = await fn(client);
    await client.query('COMMIT');
    return value;
  } catch (e) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = true;
    }
    throw e;
  } finally {
    client.release(broken);
  }
}

/** Is this a failure to reach the database (as opposed to a refusal by our own rules)? */
export function isUnreachable(e: unknown): boolean {
  if (e instanceof RouterError) {
    return e.code === 'teamUnavailable';
  }
  return true;
}

/** A pg or network error in words a person can act on. */
export function describeTeamError(e: unknown, target: TeamDbTarget): string {
  if (e instanceof RouterError) {
    return e.message;
  }
  const err = e as { code?: string; message?: string };
  const msg = err.message ?? String(e);
  switch (err.code) {
    case 'ECONNREFUSED':
      return `team database ${target.display} refused the connection (is PostgreSQL running on that port?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `team database host in ${target.display} cannot be resolved: check team.url`;
    case 'ETIMEDOUT':
      return `team database ${target.display} did not answer in time`;
    case '28P01':
      return `team database ${target.display} rejected the password: set PGPASSWORD or store it in the keychain (keys/set, provider "${TEAM_PASSWORD_KEY}")`;
    case '28000':
      return `team database ${target.display} refused this user: ${msg}`;
    case '3D000':
      return `team database ${target.display} does not exist: create it or fix team.url`;
    case '57P01':
    case '57P03':
      return `team database ${target.display} is shutting down or starting up`;
    default:
      break;
  }
  if (/password must be a string|no password supplied|SASL/i.test(msg)) {
    return `team database ${target.display} wants a password and none is set: set PGPASSWORD or store it in the keychain (keys/set, provider "${TEAM_PASSWORD_KEY}")`;
  }
  if (/timeout/i.test(msg)) {
    return `team database ${target.display} did not answer in time (${msg})`;
  }
  if (/ssl|tls|certificate/i.test(msg)) {
    return `TLS to team database ${target.display} failed: ${msg}`;
  }
  return `team database ${target.display}: ${msg}`;
}
