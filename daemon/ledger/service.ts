// The ledger's part of the daemon: budget enforcement hooked into the chat pipeline, estimates
// before a call, rollups and reports. server.ts builds one, registers `hooks`, calls
// `reconcileReservations()` before serving, and hands it to the budget/report handlers.
import type { BudgetAlertNotification } from '../protocol/budget';
import type { LedgerRow } from '../protocol/ledger';
import type { ClientContext, RoutingDecision, RoutingOptions } from '../protocol/routing';
import type { Catalog } from '../routing/catalog';
import type { ChatHooks } from '../service/hooks';
import type { Store } from '../store/database';
import type { SpendScope } from './budgets';
import { OutputPredictor, estimateCallCost } from './estimates';
import { assertTimeZone, systemTimeZone } from './periods';
import { priceOf, type ModelPrice } from './pricing';
import { BudgetGuard, type Reservation, type RoutingAdjustment } from './reservations';
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

/** Merges threshold actions into the caller's routing options (never loosening them). */
export function adjustOptions(routing: RoutingOptions | undefined, adj: RoutingAdjustment): RoutingOptions | null {
  if (adj.tradeoff === null && adj.excludedModels.length === 0) {
    return null;
  }
  const excluded = [...new Set([...(routing?.excludedModels ?? []), ...adj.excludedModels])];
  return {
    ...(routing ?? {}),
    ...(adj.tradeoff !== null ? { tradeoff: adj.tradeoff } : {}),
    ...(excluded.length > 0 ? { excludedModels: excluded } : {}),
  };
}

export class LedgerService {
  readonly guard: BudgetGuard;
  readonly predictor: OutputPredictor;
  readonly timeZone: string;
  readonly hooks: ChatHooks;
  /** Holds per in-flight request: the call's, plus one per escalation. */
  private readonly held = new Map<string, Reservation[]>();
  private readonly adjustments = new Map<string, string[]>();
  private readonly alerts = new Map<string, BudgetAlertNotification[]>();

  constructor(private readonly options: LedgerServiceOptions) {
    this.timeZone = assertTimeZone(options.timeZone ?? systemTimeZone());
    this.guard = new BudgetGuard(options.store, {
      timeZone: this.timeZone,
      now: options.now,
      notify: options.notify,
      models: () => options.catalog.list().map((m) => ({ id: m.id, provider: m.provider, outputPerMTok: options.catalog.price(m)?.outputPerMTok ?? null })),
    });
    this.predictor = options.store.read((tx) => OutputPredictor.fromLedger(tx));
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

  adjustRouting(context: ClientContext, routing: RoutingOptions | undefined): { routing: RoutingOptions | null; reasons: string[] } {
    const adj = this.guard.adjustRouting(scopeOfContext(context, routing?.policy ? { model: '', provider: '', policy: routing.policy } : undefined));
    return { routing: adjustOptions(routing, adj), reasons: adj.reasons };
  }

  private createHooks(): ChatHooks {
    return {
      beforeRoute: (requestId, call) => {
        const { routing, reasons } = this.adjustRouting(call.context, call.routing);
        if (routing === null) {
          return undefined;
        }
        this.adjustments.set(requestId, reasons);
        return { routing };
      },
      beforeExecute: async (requestId, call, decision) => {
        const reasons = this.adjustments.get(requestId);
        if (reasons) {
          this.adjustments.delete(requestId);
          decision.reason = `${decision.reason}; ${reasons.join('; ')}`;
        }
        const reservation = await this.guard.reserve({
          requestId,
          scope: scopeOfContext(call.context, decision),
          estimateUsd: decision.estimatedCostUsd,
          confirmOverBudget: call.routing?.confirmOverBudget === true,
        });
        this.held.set(requestId, [reservation]);
      },
      beforeEscalate: async (requestId, call, decision, to) => {
        const out = this.outputTokens(to.id, decision.taskType, decision.estimatedOutputTokens);
        const reservation = await this.guard.reserve({
          requestId,
          scope: scopeOfContext(call.context, { model: to.id, provider: to.provider, policy: decision.policy }),
          estimateUsd: estimateCallCost(to, decision.inputTokens, Math.min(out, call.request.max_tokens ?? out)),
          confirmOverBudget: call.routing?.confirmOverBudget === true,
        });
        this.held.get(requestId)?.push(reservation);
      },
      onRecord: (tx, row) => {
        const [reservation = null, ...escalations] = this.held.get(row.id) ?? [];
        for (const r of escalations) {
          this.guard.releaseInTx(tx, r);
        }
        const alerts = this.guard.settleInTx(tx, reservation, { ts: row.ts, scope: scopeOfRow(row), costUsd: row.costState === 'known' ? row.costUsd : null });
        recordInRollups(tx, row);
        if (alerts.length > 0) {
          this.alerts.set(row.id, alerts);
        }
      },
      afterRecord: (row) => {
        this.held.delete(row.id);
        this.adjustments.delete(row.id);
        const alerts = this.alerts.get(row.id);
        if (alerts) {
          this.alerts.delete(row.id);
          this.guard.emitAlerts(alerts);
        }
        if (row.status === 'ok') {
          this.predictor.observe(row.model, row.taskType, row.tokensOut);
        }
      },
    };
  }
}
