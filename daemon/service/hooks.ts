// Seams in the chat pipeline for the parts that grow around it: experiments assign an arm before
// routing, budgets reserve after the decision and settle inside the ledger transaction, routing
// statistics learn from each recorded row. Each hook is optional; they run in registration order.
import type { RoutingDecision, RoutingOptions } from '../protocol/routing';
import type { LedgerRow } from '../protocol/ledger';
import type { WriteTx } from '../store/database';
import type { AttemptRow } from '../ledger/requests';
import type { ChatCall } from './chatService';
import type { CatalogModel } from '../routing/catalog';

export interface RouteAdjustment {
  /** Replaces the call's routing options (e.g. an experiment arm's strategy). */
  routing?: RoutingOptions;
  experiment?: { id: string; arm: string };
}

export interface ChatHooks {
  /** Before routing. Experiments return the arm's routing options. */
  beforeRoute?(requestId: string, call: ChatCall): Promise<RouteAdjustment | void> | RouteAdjustment | void;
  /** After the decision, before any provider call. Throw RouterError('budgetExceeded') to refuse. */
  beforeExecute?(requestId: string, call: ChatCall, decision: RoutingDecision): Promise<void> | void;
  /**
   * Before re-asking a stronger model (escalation), with that model's estimate. Throw
   * RouterError('budgetExceeded') to keep the first answer instead: an escalation is spend too.
   */
  beforeEscalate?(requestId: string, call: ChatCall, decision: RoutingDecision, to: CatalogModel): Promise<void> | void;
  /** Inside the transaction that records the ledger row: settle reservations, update statistics. */
  onRecord?(tx: WriteTx, row: LedgerRow, attempts: readonly AttemptRow[]): void;
  /** After the row is durable. */
  afterRecord?(row: LedgerRow): void;
}
