// Budget leases: a daemon takes a slice of a team budget in one PostgreSQL transaction (the
// budget's row lock serialises every lease change on it), spends against the slice in memory with
// no round trip, and renews, grows or returns it in the background.
//
// The bound: a lease's slice is never more than what the budget has free (limit − spent − what
// open leases still hold), so the team can only go over its limit by what leases spent and did
// not report before they expired (a killed daemon), i.e. by at most the outstanding leases; plus,
// per call in flight, what its actual cost came to above the estimate it held.
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { TeamBudget } from '../protocol/team';
import { inTransaction } from './connection';
import { FREE_SQL } from './teamBudgets';

export interface SliceRules {
  maxSliceUsd: number;
  shareOfRemaining: number;
  ttlMs: number;
}

export interface LeaseOwner {
  teamId: string;
  memberId: string;
  /** One per daemon process: a restarted daemon never resumes a dead one's lease. */
  daemonId: string;
}

/** The daemon's view of one lease. `used` is settled actual cost; `held` the in-flight estimates. */
export interface LocalLease {
  id: string;
  budgetId: string;
  periodStart: number;
  grantedUsd: number;
  usedUsd: number;
  heldUsd: number;
  /** Local clock: past this the slice is not spent (the database may already have reclaimed it). */
  expiresAt: number;
  /** Last time a call held against it (idle leases are returned). */
  touchedAt: number;
}

export function availableOf(l: LocalLease): number {
  return l.grantedUsd - l.usedUsd - l.heldUsd;
}

export type GrowResult =
  | { kind: 'granted'; lease: LocalLease; deltaUsd: number }
  | { kind: 'refused'; limitUsd: number; spentUsd: number; leasedUsd: number; freeUsd: number }
  | { kind: 'gone' };

/**
 * Takes a new lease or grows `current` so that it has at least `needUsd` more, in one
 * transaction. The slice is min(free, max(need, min(maxSlice, free × share))): it shrinks as the
 * budget nears its limit, and is refused when even `needUsd` is not free.
 */
export async function growLease(
  pool: Pool,
  owner: LeaseOwner,
  budget: TeamBudget,
  periodStart: number,
  current: LocalLease | null,
  needUsd: number,
  rules: SliceRules,
  localNow: () => number,
): Promise<GrowResult> {
  const sentAt = localNow();
  return inTransaction(pool, async (c) => {
    const b = await c.query<{ limit_usd: number; now: string }>(
      `SELECT limit_usd, (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now FROM team_budgets WHERE id = $1 FOR UPDATE`,
      [budget.id],
    );
    const row = b.rows[0];
    if (!row) {
      return { kind: 'gone' } as const;
    }
    const now = Number(row.now);
    const limit = Number(row.limit_usd);
    await c.query(`UPDATE team_leases SET state = 'expired', closed_at = $2 WHERE budget_id = $1 AND state = 'open' AND expires_at <= $2`, [budget.id, now]);
    let mine: { state: string } | undefined;
    if (current !== null) {
      // Report what this lease spent first, so what it holds is counted once.
      const m = await c.query<{ state: string }>('UPDATE team_leases SET used_usd = $2 WHERE id = $1 RETURNING state', [current.id, current.usedUsd + current.heldUsd]);
      mine = m.rows[0];
    }
    const f = await c.query<{ spent: number; leased: number }>(FREE_SQL, [budget.id, periodStart]);
    const spent = Number(f.rows[0]?.spent ?? 0);
    const leased = Number(f.rows[0]?.leased ?? 0);
    const free = limit - spent - leased;
    if (free + 1e-12 < needUsd) {
      return { kind: 'refused', limitUsd: limit, spentUsd: spent, leasedUsd: leased, freeUsd: Math.max(0, free) } as const;
    }
    const delta = Math.min(free, Math.max(needUsd, Math.min(rules.maxSliceUsd, free * rules.shareOfRemaining)));
    const expiresAtDb = now + rules.ttlMs;
    // The local deadline counts from before the request was sent, and a margin for clock drift
    // inside the TTL: the slice stops being spent before the database can reclaim it.
    const localExpiry = sentAt + rules.ttlMs - Math.min(1000, rules.ttlMs / 10);
    if (current !== null && mine?.state === 'open') {
      const u = await c.query<{ granted_usd: number }>(
        'UPDATE team_leases SET granted_usd = granted_usd + $2, grants = grants + 1, renewed_at = $3, expires_at = $4 WHERE id = $1 RETURNING granted_usd',
        [current.id, delta, now, expiresAtDb],
      );
      // The same object: calls in flight hold against it and settle into it.
      current.grantedUsd = Number(u.rows[0]?.granted_usd ?? current.grantedUsd + delta);
      current.expiresAt = localExpiry;
      return { kind: 'granted', deltaUsd: delta, lease: current } as const;
    }
    const id = randomUUID();
    await c.query(
      `INSERT INTO team_leases (id, budget_id, period_start, team_id, member_id, daemon_id, state, granted_usd, created_at, renewed_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $8, $9)`,
      [id, budget.id, periodStart, owner.teamId, owner.memberId, owner.daemonId, delta, now, expiresAtDb],
    );
    return { kind: 'granted', deltaUsd: delta, lease: { id, budgetId: budget.id, periodStart, grantedUsd: delta, usedUsd: 0, heldUsd: 0, expiresAt: localExpiry, touchedAt: sentAt } } as const;
  });
}

/** Keeps a lease alive and reports its spend. False when the database already expired it. */
export async function renewLease(pool: Pool, lease: LocalLease, ttlMs: number): Promise<boolean> {
  const r = await pool.query(
    `UPDATE team_leases SET used_usd = $2, renewed_at = n.now, expires_at = n.now + $3
     FROM (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now) n
     WHERE id = $1 AND state = 'open' AND expires_at > n.now`,
    [lease.id, lease.usedUsd + lease.heldUsd, ttlMs],
  );
  return (r.rowCount ?? 0) > 0;
}

/** Gives the unspent part back: the lease keeps holding only what it spent until those rows arrive. */
export async function returnLease(pool: Pool, lease: LocalLease): Promise<void> {
  await pool.query(
    `UPDATE team_leases SET state = 'returned', used_usd = $2, closed_at = (extract(epoch FROM clock_timestamp()) * 1000)::bigint WHERE id = $1 AND state = 'open'`,
    [lease.id, lease.usedUsd],
  );
}
