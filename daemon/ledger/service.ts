// The ledger's part of the daemon: the turn's budget stage (planning input, a hold before each
// attempt, settling in the row's transaction), estimates, rollups and reports. server.ts builds
// one, wires it into the chat pipeline, calls `reconcileReservations()` before serving, and hands
// it to the budget/report handlers.
import type { LedgerRow } from '../protocol/ledger';
import type { ClientContext, RoutingDecision } from '../protocol/routing';
import type { Catalog, CatalogModel } from '../routing/catalog';
import type { TurnBudgets, TurnHooks } from '../service/hooks';
import type { PlanCall, Turn } from '../pipeline/turn';
import type { ReadTx, Store } from '../store/database';
import type { SpendScope } from './budgets';
import { OutputPredictor } from './estimates';
import { assertTimeZone, systemTimeZone } from './periods';
import { priceOf, type ModelPrice } from './pricing';
import { BudgetGuard, type BudgetGuardOptions, type BudgetPlanning, type Reservation } from './reservations';
import { recordInRollups } from './rollups';

export interface LedgerServiceOptions {
  store: Store;
  catalog: Catalog;
  /** IANA zone for calendar periods; the system zone when null. */
  timeZone?: string | null;
  /** "What always using X would have cost"; null reports no savings. */
  baselineModel: string | null;
  /** Ask confirms before sending above this estimate (USD); null turns confirmation off. */
  askConfirmAboveUsd: number | null;
  now?: () => number;
  /** Broadcast to every attached client (`budget/alert`, `budget/changed`). */
  notify?: (method: string, params: unknown) => void;
  /** Rows that moved to the cold ledger, for a new budget's backfill (BudgetGuardOptions.coldRows). */
  coldRows?: BudgetGuardOptions['coldRows'];
  /** Cold rows at or after `from`, newest first: the output-length history's seed (OutputPredictor.fromLedger). */
  coldNewest?: (tx: ReadTx, from: number) => Iterable<LedgerRow>;
}

export function scopeOfContext(context: ClientContext, decision?: Pick<RoutingDecision, 'model' | 'provider' | 'policy'>): SpendScope {
  return {
    workspace: context.workspace ?? null,
    clientKind: context.kind,
    provider: decision?.provider ?? null,
    model: decision?.model ?? null,
    policy: decision?.policy ?? null,
  };
}

export function scopeOfRow(row: LedgerRow): SpendScope {
  return { workspace: row.workspace, clientKind: row.clientKind, provider: row.provider, model: row.model, policy: row.policy };
}

export class LedgerService implements TurnBudgets {
  readonly guard: BudgetGuard;
  readonly predictor: OutputPredictor;
  readonly timeZone: string;
  readonly hooks: TurnHooks;

  constructor(private readonly options: LedgerServiceOptions) {
    this.timeZone = assertTimeZone(options.timeZone ?? systemTimeZone());
    this.guard = new BudgetGuard(options.store, {
      timeZone: this.timeZone,
      now: options.now,
      notify: options.notify,
      coldRows: options.coldRows,
      models: () => options.catalog.list().map((m) => ({ id: m.id, provider: m.provider, outputPerMTok: options.catalog.price(m)?.outputPerMTok ?? null })),
    });
    const coldNewest = options.coldNewest;
    this.predictor = options.store.read((tx) =>
      OutputPredictor.fromLedger(tx, undefined, coldNewest && ((from) => coldNewest(tx, from)), (message) => console.warn(`[ledger] ${message}`)),
    );
    this.hooks = this.createHooks();
  }

  get baselineModel(): string | null {
    return this.options.baselineModel;
  }

  get askConfirmAboveUsd(): number | null {
    return this.options.askConfirmAboveUsd;
  }

  baselinePrice(): ModelPrice | null {
    const id = this.options.baselineModel;
    const m = id === null ? undefined : this.options.catalog.get(id);
    return m ? priceOf(m) : null;
  }

  reconcileReservations(): Promise<{ released: number; charged: number }> {
    return this.guard.reconcileReservations();
  }

  /**
   * The router prices every candidate with this (the model's and task type's recent output), so
   * the decision's estimate is the one reserved against budgets and shown before Ask.
   */
  outputTokens(modelId: string, taskType: string, typical: number): number {
    return this.predictor.predict(modelId, taskType, null, typical).tokens;
  }

  // ---- the turn's budget stage ----------------------------------------------------------------

  /** Planning input: threshold actions and what each budget in the call's scopes has left. */
  planning(call: PlanCall): BudgetPlanning {
    const policy = call.routing?.policy ?? null;
    return this.guard.planning(scopeOfContext(call.context, policy ? { model: '', provider: '', policy } : undefined));
  }

  /** One attempt's hold, in that attempt's own scopes (model, provider, policy, client, workspace, global). */
  reserve(turn: Turn, model: CatalogModel, estimateUsd: number | null): Promise<Reservation> {
    const decision = turn.plan.decision;
    return this.guard.reserve({
      requestId: turn.id,
      scope: scopeOfContext(turn.context, { model: model.id, provider: model.provider, policy: decision.policy }),
      estimateUsd,
      confirmOverBudget: turn.call.routing?.confirmOverBudget === true,
    });
  }

  release(reservation: Reservation): Promise<void> {
    return this.guard.release(reservation);
  }

  private createHooks(): TurnHooks {
    return {
      onRecord: (tx, row, _attempts, turn) => {
        for (const r of turn.reservations) {
          this.guard.releaseInTx(tx, r);
        }
        // Each answer is charged to its own model's scopes (an escalation is two); the request counts once.
        const charges = turn.charges.length > 0 ? turn.charges : [{ model: row.model, provider: row.provider, costUsd: row.costState === 'known' ? row.costUsd : null }];
        charges.forEach((c, i) => {
          const alerts = this.guard.settleInTx(tx, null, { ts: row.ts, scope: { ...scopeOfRow(row), model: c.model, provider: c.provider }, costUsd: c.costUsd, requests: i === 0 ? 1 : 0 });
          turn.alerts.push(...alerts);
        });
        recordInRollups(tx, row);
      },
      afterRecord: (row, turn) => {
        if (turn.alerts.length > 0) {
          this.guard.emitAlerts(turn.alerts);
        }
        if (row.status === 'ok') {
          this.predictor.observe(row.model, row.taskType, row.tokensOut);
        }
      },
    };
  }
}
