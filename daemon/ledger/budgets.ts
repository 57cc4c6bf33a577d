// Budget definitions: validation against what is already stored, persistence, and which budgets
// a request falls under. Spend counters live in `budget_usage` (see reservations.ts).
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Budget, BudgetAction, BudgetPeriod, BudgetScope, BudgetSetParams } from '../protocol/budget';
import { RouterError } from '../protocol/errors';
import type { ReadTx, WriteTx } from '../store/database';

/** A validated budget/set request; the flags added later are optional for callers in code. */
export type BudgetDefinition = Omit<z.output<typeof BudgetSetParams>, 'hardStop' | 'downgradeNamedModels'> &
  Partial<Pick<z.output<typeof BudgetSetParams>, 'hardStop' | 'downgradeNamedModels'>>;

/** Who and what a request is, as far as budgets care. */
export interface SpendScope {
  workspace: string | null;
  clientKind: string;
  provider: string | null;
  model: string | null;
  policy: string | null;
}

type BudgetRow = {
  id: string;
  name: string;
  scope: string;
  scope_value: string;
  period: string;
  limit_usd: number;
  alert_threshold: number;
  actions: string;
  pause_above_per_mtok: number | null;
  confirm_over_budget: number;
  hard_stop: number;
  downgrade_named: number;
  created_at: number;
  updated_at: number;
};

function fromRow(r: BudgetRow): Budget {
  return {
    id: r.id,
    name: r.name,
    scope: r.scope as BudgetScope,
    scopeValue: r.scope_value === '' ? null : r.scope_value,
    period: r.period as BudgetPeriod,
    limitUsd: r.limit_usd,
    alertThreshold: r.alert_threshold,
    actions: JSON.parse(r.actions) as BudgetAction[],
    pauseAbovePerMTok: r.pause_above_per_mtok,
    confirmOverBudget: r.confirm_over_budget === 1,
    hardStop: r.hard_stop === 1,
    downgradeNamedModels: r.downgrade_named === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function loadBudgets(tx: ReadTx): Budget[] {
  return tx.all<BudgetRow>('SELECT * FROM budgets ORDER BY created_at, id').map(fromRow);
}

export function describeBudget(b: Budget): string {
  const where = b.scope === 'global' ? 'global' : `${b.scope} ${b.scopeValue ?? ''}`;
  return `"${b.name}" (${where}, ${b.period === 'request' ? 'per request' : `per ${b.period}`})`;
}

export function defaultName(scope: BudgetScope, scopeValue: string | undefined, period: BudgetPeriod): string {
  const each = period === 'request' ? 'per-request' : period === 'day' ? 'daily' : `${period}ly`;
  return scope === 'global' ? `${each} total` : `${each} ${scope} ${scopeValue ?? ''}`.trim();
}

/**
 * Inserts or updates a budget inside the caller's write. Two budgets on the same scope and period
 * would disagree about one number, so a second one is refused with `conflict`.
 */
export function saveBudget(tx: WriteTx, p: BudgetDefinition, now: number): { budget: Budget; created: boolean } {
  const scopeValue = p.scopeValue ?? '';
  const clash = tx.get<{ id: string; name: string }>('SELECT id, name FROM budgets WHERE scope = ? AND scope_value = ? AND period = ?', [p.scope, scopeValue, p.period]);
  if (clash && clash.id !== p.id) {
    throw new RouterError(
      'conflict',
      `budget "${clash.name}" (id ${clash.id}) already covers ${p.scope}${scopeValue ? ` ${scopeValue}` : ''} per ${p.period}: update it with its id instead of adding a second one`,
      { existingId: clash.id, scope: p.scope, scopeValue: p.scopeValue ?? null, period: p.period },
    );
  }
  const actions = JSON.stringify([...new Set(p.actions)]);
  if (p.id !== undefined) {
    const existing = tx.get<BudgetRow>('SELECT * FROM budgets WHERE id = ?', [p.id]);
    if (existing) {
      tx.run(
        `UPDATE budgets SET name = ?, scope = ?, scope_value = ?, period = ?, limit_usd = ?, alert_threshold = ?, actions = ?,
           pause_above_per_mtok = ?, confirm_over_budget = ?, hard_stop = ?, downgrade_named = ?, updated_at = ? WHERE id = ?`,
        [p.name ?? existing.name, p.scope, scopeValue, p.period, p.limitUsd, p.alertThreshold, actions, p.pauseAbovePerMTok ?? null, p.confirmOverBudget ? 1 : 0, p.hardStop === true ? 1 : 0, p.downgradeNamedModels === true ? 1 : 0, now, p.id],
      );
      if (existing.scope !== p.scope || existing.scope_value !== scopeValue || existing.period !== p.period) {
        // Counters of the old scope or period mean nothing for the new one.
        tx.run('DELETE FROM budget_usage WHERE budget_id = ?', [p.id]);
      } else {
        // A raised limit may re-cross the threshold later: alert again then.
        tx.run('UPDATE budget_usage SET alerted = 0 WHERE budget_id = ?', [p.id]);
      }
      return { budget: fromRow(tx.get<BudgetRow>('SELECT * FROM budgets WHERE id = ?', [p.id]) as BudgetRow), created: false };
    }
  }
  const id = p.id ?? randomUUID();
  tx.run(
    `INSERT INTO budgets (id, name, scope, scope_value, period, limit_usd, alert_threshold, actions, pause_above_per_mtok, confirm_over_budget, hard_stop, downgrade_named, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [id, p.name ?? defaultName(p.scope, p.scopeValue, p.period), p.scope, scopeValue, p.period, p.limitUsd, p.alertThreshold, actions, p.pauseAbovePerMTok ?? null, p.confirmOverBudget ? 1 : 0, p.hardStop === true ? 1 : 0, p.downgradeNamedModels === true ? 1 : 0, now, now],
  );
  return { budget: fromRow(tx.get<BudgetRow>('SELECT * FROM budgets WHERE id = ?', [id]) as BudgetRow), created: true };
}

export function deleteBudget(tx: WriteTx, id: string): boolean {
  const n = tx.run('DELETE FROM budgets WHERE id = ?', [id]).changes;
  tx.run('DELETE FROM budget_usage WHERE budget_id = ?', [id]);
  return n > 0;
}

export function inScope(b: Budget, s: SpendScope): boolean {
  switch (b.scope) {
    case 'global':
      return true;
    case 'workspace':
      return s.workspace !== null && b.scopeValue === s.workspace;
    case 'client':
      return b.scopeValue === s.clientKind;
    case 'provider':
      return s.provider !== null && b.scopeValue === s.provider;
    case 'model':
      return s.model !== null && b.scopeValue === s.model;
    case 'policy':
      return s.policy !== null && b.scopeValue === s.policy;
  }
}

/** The SQL condition selecting the ledger rows a budget covers (for back-filling a new budget). */
export function scopeCondition(b: Budget): { sql: string; params: string[] } {
  switch (b.scope) {
    case 'global':
      return { sql: '1 = 1', params: [] };
    case 'workspace':
      return { sql: 'workspace = ?', params: [b.scopeValue ?? ''] };
    case 'client':
      return { sql: 'client_kind = ?', params: [b.scopeValue ?? ''] };
    case 'provider':
      return { sql: 'provider = ?', params: [b.scopeValue ?? ''] };
    case 'model':
      return { sql: 'model = ?', params: [b.scopeValue ?? ''] };
    case 'policy':
      return { sql: 'policy = ?', params: [b.scopeValue ?? ''] };
  }
}
