// Team budgets in PostgreSQL: definitions, which requests they cover, what each period has spent
// and what the open leases still hold. Periods are UTC calendar periods, so every member's daemon
// agrees on where an hour, day, week or month starts whatever its own time zone.
import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { z } from 'zod';
import { periodStart } from '../ledger/periods';
import { RouterError } from '../protocol/errors';
import type { TeamBudget, TeamBudgetPeriod, TeamBudgetScope, TeamBudgetSetParams, TeamBudgetStatus } from '../protocol/team';
import { inTransaction } from './connection';

export const TEAM_ZONE = 'UTC';

/** Who and what a request is, as far as team budgets care. */
export interface TeamScope {
  workspace: string | null;
  member: string;
  model: string | null;
  provider: string | null;
}

export function covers(b: TeamBudget, s: TeamScope): boolean {
  switch (b.scope) {
    case 'team':
      return true;
    case 'project':
      return s.workspace !== null && s.workspace === b.scopeValue;
    case 'member':
      return s.member === b.scopeValue;
    case 'model':
      return s.model !== null && s.model === b.scopeValue;
    case 'provider':
      return s.provider !== null && s.provider === b.scopeValue;
  }
}

export function teamPeriodStart(ts: number, period: TeamBudgetPeriod): number {
  return periodStart(ts, period, TEAM_ZONE);
}

export function describeTeamBudget(b: TeamBudget): string {
  return `team budget "${b.name}" (${b.scope === 'team' ? 'whole team' : `${b.scope} ${b.scopeValue ?? ''}`}, per ${b.period} UTC)`;
}

type BudgetRow = { id: string; name: string; scope: string; scope_value: string; period: string; limit_usd: number; created_at: string; updated_at: string };

function fromRow(r: BudgetRow): TeamBudget {
  return {
    id: r.id,
    name: r.name,
    scope: r.scope as TeamBudgetScope,
    scopeValue: r.scope_value === '' ? null : r.scope_value,
    period: r.period as TeamBudgetPeriod,
    limitUsd: Number(r.limit_usd),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export async function loadTeamBudgets(db: Pool | PoolClient, teamId: string): Promise<TeamBudget[]> {
  const r = await db.query<BudgetRow>('SELECT * FROM team_budgets WHERE team_id = $1 ORDER BY created_at, id', [teamId]);
  return r.rows.map(fromRow);
}

/**
 * What the lease table still holds of a budget's period, in one statement (one snapshot): the
 * spend that reached the ledger and the open/returned leases' part not yet there. An open lease
 * past its expiry holds nothing (its daemon stopped renewing it: the slice returns to the team).
 */
export const FREE_SQL = `
  SELECT
    coalesce((SELECT spent_usd FROM team_budget_usage WHERE budget_id = $1 AND period_start = $2), 0) AS spent,
    coalesce((SELECT sum(greatest(0, CASE WHEN state = 'open' THEN greatest(granted_usd, used_usd) ELSE used_usd END - arrived_usd))
              FROM team_leases WHERE budget_id = $1 AND period_start = $2 AND state <> 'expired'
                AND NOT (state = 'open' AND expires_at <= (extract(epoch FROM clock_timestamp()) * 1000)::bigint)), 0) AS leased`;

export async function budgetStatuses(db: Pool | PoolClient, teamId: string, now: number): Promise<TeamBudgetStatus[]> {
  const budgets = await loadTeamBudgets(db, teamId);
  const out: TeamBudgetStatus[] = [];
  for (const b of budgets) {
    const start = teamPeriodStart(now, b.period);
    const r = await db.query<{ spent: number; leased: number }>(FREE_SQL, [b.id, start]);
    const spent = Number(r.rows[0]?.spent ?? 0);
    const leased = Number(r.rows[0]?.leased ?? 0);
    out.push({ budget: b, periodStart: start, spentUsd: spent, leasedUsd: leased, remainingUsd: b.limitUsd - spent - leased });
  }
  return out;
}

/** Creates or updates a team budget; a new one starts from what the team ledger holds this period. */
export async function saveTeamBudget(pool: Pool, teamId: string, p: z.output<typeof TeamBudgetSetParams>, now: number): Promise<TeamBudgetStatus> {
  const scopeValue = p.scopeValue ?? '';
  const id = await inTransaction(pool, async (c) => {
    const clash = await c.query<{ id: string; name: string }>('SELECT id, name FROM team_budgets WHERE team_id = $1 AND scope = $2 AND scope_value = $3 AND period = $4', [
      teamId,
      p.scope,
      scopeValue,
      p.period,
    ]);
    const existing = clash.rows[0];
    if (existing && existing.id !== p.id) {
      throw new RouterError('conflict', `team budget "${existing.name}" (id ${existing.id}) already covers ${p.scope}${scopeValue ? ` ${scopeValue}` : ''} per ${p.period}: update it with its id`, {
        existingId: existing.id,
      });
    }
    const name = p.name ?? `${p.period}ly ${p.scope}${scopeValue ? ` ${scopeValue}` : ''}`.replace('dayly', 'daily');
    if (p.id !== undefined) {
      const old = (await c.query<BudgetRow>('SELECT * FROM team_budgets WHERE id = $1 AND team_id = $2 FOR UPDATE', [p.id, teamId])).rows[0];
      if (old) {
        await c.query('UPDATE team_budgets SET name = $2, scope = $3, scope_value = $4, period = $5, limit_usd = $6, updated_at = $7 WHERE id = $1', [
          p.id,
          p.name ?? old.name,
          p.scope,
          scopeValue,
          p.period,
          p.limitUsd,
          now,
        ]);
        if (old.scope !== p.scope || old.scope_value !== scopeValue || old.period !== p.period) {
          // Spend and leases of the old scope or period mean nothing for the new one.
          await c.query('DELETE FROM team_budget_usage WHERE budget_id = $1', [p.id]);
          await c.query("UPDATE team_leases SET state = 'expired', closed_at = $2 WHERE budget_id = $1 AND state <> 'expired'", [p.id, now]);
          await backfill(c, teamId, fromRow({ ...old, scope: p.scope, scope_value: scopeValue, period: p.period }), now);
        }
        return p.id;
      }
    }
    const newId = p.id ?? randomUUID();
    await c.query('INSERT INTO team_budgets (id, team_id, name, scope, scope_value, period, limit_usd, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)', [
      newId,
      teamId,
      name,
      p.scope,
      scopeValue,
      p.period,
      p.limitUsd,
      now,
    ]);
    const budget: TeamBudget = { id: newId, name, scope: p.scope, scopeValue: scopeValue === '' ? null : scopeValue, period: p.period, limitUsd: p.limitUsd, createdAt: now, updatedAt: now };
    await backfill(c, teamId, budget, now);
    return newId;
  });
  const status = (await budgetStatuses(pool, teamId, now)).find((s) => s.budget.id === id);
  if (!status) {
    throw new RouterError('internal', `team budget ${id} vanished after it was saved`);
  }
  return status;
}

export async function deleteTeamBudget(pool: Pool, teamId: string, id: string): Promise<boolean> {
  const r = await pool.query('DELETE FROM team_budgets WHERE id = $1 AND team_id = $2', [id, teamId]);
  return (r.rowCount ?? 0) > 0;
}

const SCOPE_COLUMN: Record<TeamBudgetScope, string | null> = { team: null, project: 'workspace', member: 'member_id', model: 'model', provider: 'provider' };

async function backfill(c: PoolClient, teamId: string, b: TeamBudget, now: number): Promise<void> {
  const start = teamPeriodStart(now, b.period);
  const col = SCOPE_COLUMN[b.scope];
  const r = await c.query<{ cost: number | null; n: string }>(
    `SELECT sum(cost_usd) FILTER (WHERE cost_state = 'known') AS cost, count(*) AS n FROM team_requests
     WHERE team_id = $1 AND ts >= $2 ${col === null ? '' : `AND ${col} = $3`}`,
    col === null ? [teamId, start] : [teamId, start, b.scopeValue ?? ''],
  );
  await c.query('INSERT INTO team_budget_usage (budget_id, period_start, spent_usd, requests) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
    b.id,
    start,
    Number(r.rows[0]?.cost ?? 0),
    Number(r.rows[0]?.n ?? 0),
  ]);
}
