// Budget enforcement: reserve the estimate before a call, settle the actual cost after it,
// release on failure, reconcile what a crash left behind. Each step is one `store.withWrite`
// whose callback is synchronous, so the check of every budget in scope and the reservation that
// follows cannot interleave with another caller's: concurrent requests cannot overrun a budget by
// more than their estimates' error. Reserve and release do not wait for the fsync (see `reserve`).
import { randomUUID } from 'node:crypto';
import type { Budget, BudgetAction, BudgetAlertNotification, BudgetChangedNotification, BudgetStatus } from '../protocol/budget';
import { budgetNotifications } from '../protocol/budget';
import { RouterError } from '../protocol/errors';
import type { Tradeoff } from '../protocol/routing';
import type { Store, WriteTx, ReadTx } from '../store/database';
import { deleteBudget, describeBudget, inScope, type BudgetDefinition, loadBudgets, saveBudget, scopeCondition, type SpendScope } from './budgets';
import { periodEnd, periodStart, type CalendarPeriod } from './periods';

export interface Hold {
  budgetId: string;
  periodStart: number;
  amountUsd: number;
}

export interface Reservation {
  /** null when no budget applied: nothing was written and settling only charges spend. */
  id: string | null;
  requestId: string;
  ts: number;
  amountUsd: number;
  holds: Hold[];
}

export interface ReserveInput {
  requestId: string;
  scope: SpendScope;
  /** null = price unknown: nothing can be held, the request is counted as such. */
  estimateUsd: number | null;
  /** The user confirmed going over budgets that allow it (`confirmOverBudget`). */
  confirmOverBudget?: boolean;
  now?: number;
}

/** What settling needs from the recorded ledger row. */
export interface SettledRequest {
  ts: number;
  scope: SpendScope;
  /** null = price unknown. */
  costUsd: number | null;
  /** Requests this charge counts (default 1; an escalation's second answer counts 0). */
  requests?: number;
}

export interface RoutingAdjustment {
  /** Forced by a `downgrade` action. */
  tradeoff: Tradeoff | null;
  /** Paused by a `pauseAbovePrice` action. */
  excludedModels: string[];
  /** One line per action taken, for the decision's reason. */
  reasons: string[];
}

/** Budget state as the planner reads it (see `BudgetGuard.planning`). */
export interface BudgetPlanning {
  /** Forced by a `downgrade` action. */
  tradeoff: Tradeoff | null;
  /** Models paused by a `pauseAbovePrice` action, each with its reason. */
  paused: Map<string, string>;
  /** One line per action taken, for the decision's reason. */
  reasons: string[];
  /** Set when a hot `downgrade` budget opted in to replacing named models: the line saying so. */
  downgradeNamed: string | null;
  /** Why a budget in scope cannot afford this model at this estimate now; null when it can. */
  unaffordable(model: { id: string; provider: string }, estimateUsd: number | null): string | null;
}

export interface PricedCatalogModel {
  id: string;
  provider: string;
  /** USD per million output tokens; null when unknown (treated as above any pause price). */
  outputPerMTok: number | null;
}

export interface BudgetGuardOptions {
  /** IANA zone for calendar periods. */
  timeZone: string;
  now?: () => number;
  /** Sends a notification to every attached client. */
  notify?: (method: string, params: unknown) => void;
  /** Models the `pauseAbovePrice` action can pause. */
  models?: () => PricedCatalogModel[];
}

/** Planning with no budgets defined (shared: readers never change it). */
const NO_BUDGETS: BudgetPlanning = Object.freeze({ tradeoff: null, paused: new Map<string, string>(), reasons: [], downgradeNamed: null, unaffordable: () => null });

type UsageRow = { spent_usd: number; reserved_usd: number; requests: number; unknown_price: number; alerted: number };

const isCalendar = (p: Budget['period']): p is CalendarPeriod => p !== 'request';

export class BudgetGuard {
  private budgets: Budget[];
  private readonly now: () => number;
  private notifySink: ((method: string, params: unknown) => void) | undefined;
  /** (budget, period) pairs already announced as exceeded, so a refused flood notifies once. */
  private readonly exceededAnnounced = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly options: BudgetGuardOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.notifySink = options.notify;
    this.budgets = store.read(loadBudgets);
  }

  get timeZone(): string {
    return this.options.timeZone;
  }

  /** The transport sets this once clients can be reached. */
  setNotifier(notify: (method: string, params: unknown) => void): void {
    this.notifySink = notify;
  }

  list(): Budget[] {
    return [...this.budgets];
  }

  applicable(scope: SpendScope): Budget[] {
    return this.budgets.filter((b) => inScope(b, scope));
  }

  // ---- definitions ----------------------------------------------------------------------------

  async set(params: BudgetDefinition): Promise<BudgetStatus> {
    const now = this.now();
    const { budget, created } = await this.store.withWrite((tx) => {
      const saved = saveBudget(tx, params, now);
      this.backfill(tx, saved.budget, now);
      return saved;
    });
    this.budgets = this.store.read(loadBudgets);
    this.emit<BudgetChangedNotification>(budgetNotifications.budgetChanged, { budgetId: budget.id, change: created ? 'created' : 'updated' });
    return this.status(budget.id)[0] as BudgetStatus;
  }

  async delete(id: string): Promise<boolean> {
    const deleted = await this.store.withWrite((tx) => deleteBudget(tx, id));
    this.budgets = this.store.read(loadBudgets);
    if (deleted) {
      this.emit<BudgetChangedNotification>(budgetNotifications.budgetChanged, { budgetId: id, change: 'deleted' });
    }
    return deleted;
  }

  status(id?: string): BudgetStatus[] {
    const now = this.now();
    const chosen = id === undefined ? this.budgets : this.budgets.filter((b) => b.id === id);
    if (id !== undefined && chosen.length === 0) {
      throw new RouterError('notFound', `no budget with id "${id}": budget/list shows the ids`, { id });
    }
    return this.store.read((tx) => chosen.map((b) => this.statusOf(tx, b, now)));
  }

  // ---- before routing -------------------------------------------------------------------------

  /** Threshold actions that change the route: force the cost tradeoff, pause expensive models. */
  adjustRouting(scope: SpendScope): RoutingAdjustment {
    const p = this.planning(scope);
    return { tradeoff: p.tradeoff, excludedModels: [...p.paused.keys()].sort(), reasons: p.reasons };
  }

  /**
   * Budget state as router input, read once per plan: threshold actions (forced tradeoff, paused
   * models, each with its reason) and what each budget in scope has left, so the planner can skip
   * a model the budget cannot afford instead of refusing the call. Budgets with `hardStop` (or
   * that the user may confirm going over) are left to the reservation, which refuses.
   */
  planning(scope: SpendScope): BudgetPlanning {
    if (this.budgets.length === 0) {
      return NO_BUDGETS;
    }
    const out: BudgetPlanning = { tradeoff: null, paused: new Map(), reasons: [], downgradeNamed: null, unaffordable: () => null };
    const now = this.now();
    const relevant = this.budgets.filter((b) => inScopeBeforeRouting(b, scope) || b.scope === 'model' || b.scope === 'provider');
    if (relevant.length === 0) {
      return out;
    }
    const statuses = this.store.read((tx) => relevant.map((b) => this.statusOf(tx, b, now)));
    for (const s of statuses) {
      const b = s.budget;
      if (!isCalendar(b.period) || s.state === 'ok' || !b.actions.some((a) => a !== 'notify') || !inScopeBeforeRouting(b, scope)) {
        continue;
      }
      const pct = Math.round(s.fraction * 100);
      if (b.actions.includes('downgrade')) {
        out.tradeoff = 'cost';
        out.reasons.push(`budget ${describeBudget(b)} at ${pct}%: cost tradeoff`);
        if (b.downgradeNamedModels) {
          out.downgradeNamed ??= `budget ${describeBudget(b)} at ${pct}% downgrades named models`;
        }
      }
      if (b.actions.includes('pauseAbovePrice') && b.pauseAbovePerMTok !== null && this.options.models) {
        const limit = b.pauseAbovePerMTok;
        const why = `paused by budget ${describeBudget(b)} at ${pct}%: output above $${limit}/MTok`;
        const paused = this.options.models().filter(
          (m) => (b.scope !== 'model' || m.id === b.scopeValue) && (b.scope !== 'provider' || m.provider === b.scopeValue) && (m.outputPerMTok === null || m.outputPerMTok > limit),
        );
        for (const m of paused) {
          if (!out.paused.has(m.id)) {
            out.paused.set(m.id, why);
          }
        }
        if (paused.length > 0) {
          out.reasons.push(`budget ${describeBudget(b)} at ${pct}%: models above $${limit}/MTok output paused`);
        }
      }
    }
    // Budgets the user may confirm going over keep that conversation (the editor asks) instead of steering.
    const steering = statuses.filter((s) => !s.budget.hardStop && !s.budget.confirmOverBudget);
    if (steering.length > 0) {
      out.unaffordable = (model, estimateUsd) => {
        const at: SpendScope = { ...scope, model: model.id, provider: model.provider };
        for (const s of steering) {
          const b = s.budget;
          if (!inScope(b, at)) {
            continue;
          }
          if (estimateUsd === null) {
            return `price unknown under budget ${describeBudget(b)}`;
          }
          const left = b.period === 'request' ? b.limitUsd : b.limitUsd - s.spentUsd - s.reservedUsd;
          if (estimateUsd > left + 1e-12) {
            return `budget ${describeBudget(b)} has $${Math.max(0, left).toFixed(4)} left, ~$${estimateUsd.toFixed(4)} needed`;
          }
        }
        return null;
      };
    }
    return out;
  }

  // ---- reserve / settle / release -------------------------------------------------------------

  /** The first budget the estimate would exceed, without reserving (for `route/estimate`). */
  wouldExceed(scope: SpendScope, estimateUsd: number | null): BudgetStatus | null {
    const now = this.now();
    return this.store.read((tx) => {
      for (const b of this.applicable(scope)) {
        const s = this.statusOf(tx, b, now);
        // An unknown price cannot be held against a dollar limit (see reserve).
        if (estimateUsd === null) {
          return s;
        }
        const need = estimateUsd;
        if (b.period === 'request' ? need > b.limitUsd : s.spentUsd + s.reservedUsd + need > b.limitUsd) {
          return s;
        }
      }
      return null;
    });
  }

  async reserve(input: ReserveInput): Promise<Reservation> {
    const ts = input.now ?? this.now();
    const budgets = this.applicable(input.scope);
    const amount = input.estimateUsd ?? 0;
    if (budgets.length === 0) {
      return { id: null, requestId: input.requestId, ts, amountUsd: amount, holds: [] };
    }
    const alerts: BudgetAlertNotification[] = [];
    let refusal: { budget: Budget; status: BudgetStatus } | null = null;
    try {
      return await this.store.withWrite((tx) => {
        const holds: Hold[] = [];
        for (const b of budgets) {
          // A dollar limit cannot be enforced on a call whose price is unknown: holding $0 would let
          // such calls spend without bound. Refuse, unless the user confirms where the budget allows.
          if (input.estimateUsd === null && !(b.confirmOverBudget && input.confirmOverBudget === true)) {
            refusal = { budget: b, status: this.statusOf(tx, b, ts) };
            throw this.unknownPriceError(b, refusal.status);
          }
          if (!isCalendar(b.period)) {
            if (amount > b.limitUsd && !(b.confirmOverBudget && input.confirmOverBudget === true)) {
              refusal = { budget: b, status: this.statusOf(tx, b, ts) };
              throw this.exceededError(b, refusal.status, amount);
            }
            continue;
          }
          const start = periodStart(ts, b.period, this.options.timeZone);
          const usage = usageOf(tx, b.id, start);
          if (usage.spent_usd + usage.reserved_usd + amount > b.limitUsd + 1e-12 && !(b.confirmOverBudget && input.confirmOverBudget === true)) {
            refusal = { budget: b, status: this.statusOf(tx, b, ts) };
            throw this.exceededError(b, refusal.status, amount);
          }
          holds.push({ budgetId: b.id, periodStart: start, amountUsd: amount });
        }
        const id = holds.length > 0 && amount > 0 ? randomUUID() : null;
        for (const h of id === null ? [] : holds) {
          tx.run(
            `INSERT INTO budget_usage (budget_id, period_start, reserved_usd) VALUES (?, ?, ?)
             ON CONFLICT (budget_id, period_start) DO UPDATE SET reserved_usd = reserved_usd + excluded.reserved_usd`,
            [h.budgetId, h.periodStart, h.amountUsd],
          );
        }
        if (id !== null) {
          tx.run('INSERT INTO reservations (id, request_id, ts, amount_usd, holds) VALUES (?, ?, ?, ?, ?)', [id, input.requestId, ts, amount, JSON.stringify(holds)]);
        }
        for (const b of budgets) {
          if (isCalendar(b.period)) {
            const a = this.alertIfCrossed(tx, b, ts);
            if (a) {
              alerts.push(a);
            }
          }
        }
        return { id, requestId: input.requestId, ts, amountUsd: amount, holds: id === null ? [] : holds };
        // Not waiting for the fsync: the check and the hold are atomic in memory, where every other
        // reservation reads them; a hold a crash loses belonged to an unacknowledged call, and the
        // ledger row that settles it is journaled after it. Start-up reconciles the rest.
        // Batched: the holds of calls arriving in one turn of the event loop share a transaction
        // (each in its own savepoint, checked against the holds before it) with the rows recorded then.
      }, { wait: false, batch: true });
    } finally {
      for (const a of alerts) {
        this.emit(budgetNotifications.budgetAlert, a);
      }
      const r = refusal as { budget: Budget; status: BudgetStatus } | null;
      if (r !== null) {
        this.announceExceeded(r.budget, r.status);
      }
    }
  }

  /**
   * Charges the actual cost to every budget the finished request falls under and releases its
   * hold. Call inside the write that records the ledger row, so both land or neither does.
   * Returns the alerts to send once that write is durable (see `emitAlerts`).
   */
  settleInTx(tx: WriteTx, reservation: Reservation | null, done: SettledRequest): BudgetAlertNotification[] {
    if (reservation) {
      this.releaseInTx(tx, reservation);
    }
    const alerts: BudgetAlertNotification[] = [];
    for (const b of this.applicable(done.scope)) {
      if (!isCalendar(b.period)) {
        continue;
      }
      const start = periodStart(done.ts, b.period, this.options.timeZone);
      const known = done.costUsd !== null;
      tx.run(
        `INSERT INTO budget_usage (budget_id, period_start, spent_usd, requests, unknown_price) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (budget_id, period_start) DO UPDATE SET spent_usd = spent_usd + excluded.spent_usd,
           requests = requests + excluded.requests, unknown_price = unknown_price + excluded.unknown_price`,
        [b.id, start, known ? (done.costUsd as number) : 0, done.requests ?? 1, known ? 0 : 1],
      );
      const a = this.alertIfCrossed(tx, b, done.ts);
      if (a) {
        alerts.push(a);
      }
    }
    return alerts;
  }

  /** Settles in a write of its own (when the ledger row was recorded separately). */
  async settle(reservation: Reservation | null, done: SettledRequest): Promise<void> {
    const alerts = await this.store.withWrite((tx) => this.settleInTx(tx, reservation, done));
    this.emitAlerts(alerts);
  }

  emitAlerts(alerts: readonly BudgetAlertNotification[]): void {
    for (const a of alerts) {
      this.emit(budgetNotifications.budgetAlert, a);
    }
  }

  /** Gives a failed or cancelled call's hold back. */
  async release(reservation: Reservation): Promise<void> {
    if (reservation.id === null) {
      return;
    }
    // A hold whose release a crash loses is released by start-up reconciliation.
    await this.store.withWrite((tx) => this.releaseInTx(tx, reservation), { wait: false });
  }

  releaseInTx(tx: WriteTx, reservation: Reservation): void {
    if (reservation.id === null) {
      return;
    }
    // Deleting first makes a double release (settle after a release) a no-op.
    if (tx.run('DELETE FROM reservations WHERE id = ?', [reservation.id]).changes === 0) {
      return;
    }
    for (const h of reservation.holds) {
      tx.run('UPDATE budget_usage SET reserved_usd = max(0, reserved_usd - ?) WHERE budget_id = ? AND period_start = ?', [h.amountUsd, h.budgetId, h.periodStart]);
    }
  }

  /**
   * Start-up: holds left by a crash are released; a request the ledger recorded but whose budgets
   * were not yet charged is charged now. Returns how many of each.
   */
  async reconcileReservations(): Promise<{ released: number; charged: number }> {
    const left = this.store.read((tx) => tx.all<{ id: string; request_id: string; ts: number; amount_usd: number; holds: string }>('SELECT * FROM reservations'));
    if (left.length === 0) {
      return { released: 0, charged: 0 };
    }
    let charged = 0;
    await this.store.withWrite((tx) => {
      for (const r of left) {
        const reservation: Reservation = { id: r.id, requestId: r.request_id, ts: r.ts, amountUsd: r.amount_usd, holds: JSON.parse(r.holds) as Hold[] };
        const row = tx.get<{ ts: number; workspace: string | null; client_kind: string; provider: string; model: string; policy: string | null; cost_usd: number | null; cost_state: string }>(
          'SELECT ts, workspace, client_kind, provider, model, policy, cost_usd, cost_state FROM requests WHERE id = ?',
          [r.request_id],
        );
        if (row) {
          charged += 1;
          this.settleInTx(tx, reservation, {
            ts: row.ts,
            scope: { workspace: row.workspace, clientKind: row.client_kind, provider: row.provider, model: row.model, policy: row.policy },
            costUsd: row.cost_state === 'known' ? row.cost_usd : null,
          });
        } else {
          this.releaseInTx(tx, reservation);
        }
      }
    });
    return { released: left.length - charged, charged };
  }

  // ---- internals ------------------------------------------------------------------------------

  private statusOf(tx: ReadTx, b: Budget, now: number): BudgetStatus {
    if (!isCalendar(b.period)) {
      return { budget: b, periodStart: null, resetsAt: null, spentUsd: 0, reservedUsd: 0, requests: 0, unknownPriceRequests: 0, leftUsd: b.limitUsd, fraction: 0, state: 'ok' };
    }
    const start = periodStart(now, b.period, this.options.timeZone);
    return this.statusFrom(b, b.period, now, start, usageOf(tx, b.id, start));
  }

  /** The status of a calendar budget from its usage row for the period that holds `now`. */
  private statusFrom(b: Budget, period: CalendarPeriod, now: number, start: number, u: UsageRow): BudgetStatus {
    const fraction = (u.spent_usd + u.reserved_usd) / b.limitUsd;
    return {
      budget: b,
      periodStart: start,
      resetsAt: periodEnd(now, period, this.options.timeZone),
      spentUsd: u.spent_usd,
      reservedUsd: u.reserved_usd,
      requests: u.requests,
      unknownPriceRequests: u.unknown_price,
      leftUsd: Math.max(0, b.limitUsd - u.spent_usd - u.reserved_usd),
      fraction,
      state: u.spent_usd >= b.limitUsd ? 'exceeded' : fraction >= b.alertThreshold ? 'alert' : 'ok',
    };
  }

  private alertIfCrossed(tx: WriteTx, b: Budget, ts: number): BudgetAlertNotification | null {
    if (!isCalendar(b.period)) {
      return null;
    }
    // One read of the usage row serves both the status and what was already announced.
    const start = periodStart(ts, b.period, this.options.timeZone);
    const u = usageOf(tx, b.id, start);
    const s = this.statusFrom(b, b.period, ts, start, u);
    if (s.state === 'ok' || s.periodStart === null) {
      return null;
    }
    const level = s.state === 'exceeded' ? 2 : 1;
    if (u.alerted >= level) {
      return null;
    }
    tx.run('UPDATE budget_usage SET alerted = ? WHERE budget_id = ? AND period_start = ?', [level, b.id, s.periodStart]);
    return this.alertOf(s);
  }

  private alertOf(s: BudgetStatus): BudgetAlertNotification {
    const actions: BudgetAction[] = s.budget.actions;
    return {
      budgetId: s.budget.id,
      name: s.budget.name,
      state: s.state === 'exceeded' ? 'exceeded' : 'alert',
      fraction: s.fraction,
      spentUsd: s.spentUsd,
      limitUsd: s.budget.limitUsd,
      resetsAt: s.resetsAt,
      actions,
    };
  }

  private announceExceeded(b: Budget, s: BudgetStatus): void {
    const key = `${b.id}\u0000${s.periodStart ?? 'request'}`;
    if (this.exceededAnnounced.has(key)) {
      return;
    }
    this.exceededAnnounced.add(key);
    this.emit(budgetNotifications.budgetAlert, { ...this.alertOf(s), state: 'exceeded' });
  }

  private unknownPriceError(b: Budget, s: BudgetStatus): RouterError {
    const confirm = b.confirmOverBudget ? '; or resend with routing.confirmOverBudget' : '';
    const e = this.exceededError(b, s, 0);
    return new RouterError(
      'budgetExceeded',
      `budget ${describeBudget(b)} cannot be enforced: this request's model has no known price. Set its price (catalog/update, or routing.models in config.json) or choose a priced model${confirm}`,
      { ...(e.details ?? {}), estimateUsd: null, reason: 'priceUnknown' },
    );
  }

  private exceededError(b: Budget, s: BudgetStatus, estimateUsd: number): RouterError {
    const usd = (n: number): string => `$${n.toFixed(n < 1 ? 4 : 2)}`;
    const resets = s.resetsAt === null ? null : new Date(s.resetsAt);
    const when =
      resets === null
        ? 'it applies to each request'
        : `it resets ${new Intl.DateTimeFormat('en-CA', { timeZone: this.options.timeZone, dateStyle: 'short', timeStyle: 'short', hourCycle: 'h23' }).format(resets)} ${this.options.timeZone}`;
    const spent = b.period === 'request' ? `this request is estimated at ${usd(estimateUsd)}` : `${usd(s.spentUsd)} spent${s.reservedUsd > 0 ? ` and ${usd(s.reservedUsd)} reserved by calls in flight` : ''}, this request ~${usd(estimateUsd)}`;
    const confirm = b.confirmOverBudget ? '; resend with routing.confirmOverBudget to go over it' : '';
    return new RouterError('budgetExceeded', `budget ${describeBudget(b)} of ${usd(b.limitUsd)} would be exceeded: ${spent}; ${when}${confirm}`, {
      budgetId: b.id,
      name: b.name,
      scope: b.scope,
      scopeValue: b.scopeValue,
      period: b.period,
      limitUsd: b.limitUsd,
      spentUsd: s.spentUsd,
      reservedUsd: s.reservedUsd,
      estimateUsd,
      resetsAt: s.resetsAt,
      resetsAtIso: resets === null ? null : resets.toISOString(),
      timeZone: this.options.timeZone,
      confirmable: b.confirmOverBudget,
      hardStop: b.hardStop,
    });
  }

  /** A new or re-scoped budget starts from what the ledger already holds for its current period. */
  private backfill(tx: WriteTx, b: Budget, now: number): void {
    if (!isCalendar(b.period)) {
      return;
    }
    const start = periodStart(now, b.period, this.options.timeZone);
    const existing = tx.get<{ n: number }>('SELECT count(*) AS n FROM budget_usage WHERE budget_id = ? AND period_start = ?', [b.id, start]);
    if ((existing?.n ?? 0) > 0) {
      return;
    }
    const cond = scopeCondition(b);
    const sums = tx.get<{ cost: number | null; n: number; unknown: number | null }>(
      `SELECT sum(CASE WHEN cost_state = 'known' THEN cost_usd END) AS cost, count(*) AS n, sum(cost_state = 'unknown') AS unknown
       FROM requests WHERE ts >= ? AND ts < ? AND ${cond.sql}`,
      [start, periodEnd(now, b.period, this.options.timeZone), ...cond.params],
    );
    tx.run('INSERT INTO budget_usage (budget_id, period_start, spent_usd, requests, unknown_price) VALUES (?, ?, ?, ?, ?)', [
      b.id,
      start,
      sums?.cost ?? 0,
      sums?.n ?? 0,
      sums?.unknown ?? 0,
    ]);
  }

  private emit<T>(method: string, params: T): void {
    try {
      this.notifySink?.(method, params);
    } catch {
      // A client that went away must not fail the request that triggered the notice.
    }
  }
}

function usageOf(tx: ReadTx, budgetId: string, start: number): UsageRow {
  return (
    tx.get<UsageRow>('SELECT spent_usd, reserved_usd, requests, unknown_price, alerted FROM budget_usage WHERE budget_id = ? AND period_start = ?', [budgetId, start]) ?? {
      spent_usd: 0,
      reserved_usd: 0,
      requests: 0,
      unknown_price: 0,
      alerted: 0,
    }
  );
}

/** Before routing, the model and provider are not known yet: only those budgets that do not depend on them. */
function inScopeBeforeRouting(b: Budget, s: SpendScope): boolean {
  if (b.scope === 'model' || b.scope === 'provider') {
    // Their pause action still applies: it only ever pauses models inside their own scope.
    return b.actions.includes('pauseAbovePrice');
  }
  return inScope(b, s);
}
