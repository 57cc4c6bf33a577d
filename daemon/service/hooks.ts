// What runs around a turn once it is planned, in the order server.ts lists the stages: the ledger
// settles reservations and budgets inside the transaction that records the row, experiments store
// the turn's unit, statistics learn. Each receives the Turn (assignment, plan, reservations,
// attempts) instead of keeping per-request state of its own.
import type { LedgerRow } from '../protocol/ledger';
import type { WriteTx } from '../store/database';
import type { AttemptRow } from '../ledger/requests';
import type { Reservation } from '../ledger/reservations';
import type { CatalogModel } from '../routing/catalog';
import type { Turn } from '../pipeline/turn';
import type { BudgetPlanner } from '../pipeline/planTurn';

export interface TurnHooks {
  /** Inside the transaction that records the ledger row: settle reservations, update statistics. */
  onRecord?(tx: WriteTx, row: LedgerRow, attempts: readonly AttemptRow[], turn: Turn): void;
  /** After the row is durable. */
  afterRecord?(row: LedgerRow, turn: Turn): void;
}

/** Earlier name of TurnHooks. */
export type ChatHooks = TurnHooks;

/**
 * Budgets on a turn: planning input, and a hold before every attempt (the call, each fallback,
 * an escalation) in that attempt's own scopes.
 */
export interface TurnBudgets extends BudgetPlanner {
  /** Holds `estimateUsd` for `model`; throws RouterError('budgetExceeded') when a budget refuses. */
  reserve(turn: Turn, model: CatalogModel, estimateUsd: number | null): Promise<Reservation>;
  /** Gives back the hold of an attempt that failed before answering. */
  release(reservation: Reservation): Promise<void>;
}
