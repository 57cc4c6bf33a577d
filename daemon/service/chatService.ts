// The one chat pipeline behind POST /v1/chat/completions, /v1/messages, /v1/responses and RPC
// chat/complete, on one Turn per request: plan (planTurn) → execute, each attempt reserved before it is sent →
// escalate (reserved too) → price → record with the turn hooks → notify. route/estimate and
// route/decide call `plan` with the same stages, so the estimate a person confirms is the plan
// that runs.
import type { ChatResult, EffortLevel, Usage } from '../protocol/chat';
import { RouterError } from '../protocol/errors';
import type { LedgerRow, RequestStatus } from '../protocol/ledger';
import { notifications, type SpendChangedNotification } from '../protocol/methods';
import type { RoutingDecision, RoutingInfo } from '../protocol/routing';
import { estimateCallCost } from '../ledger/estimates';
import { costOf } from '../ledger/pricing';
import { insertRequest, type AttemptRow } from '../ledger/requests';
import type { Reservation } from '../ledger/reservations';
import type { Catalog, CatalogModel } from '../routing/catalog';
import type { Router } from '../routing/router';
import { escalationTarget, shouldEscalate, type EscalationSignal } from '../routing/escalation';
import { effortRanAt } from '../routing/effort';
import { planTurn, type ConversationPlanner, type ExperimentPlanner, type NamedModelRoute, type PlanningStages } from '../pipeline/planTurn';
import { timeOfRequestId, Turn, type ChatCall, type PlanCall } from '../pipeline/turn';
import type { ReadTx, Store } from '../store/database';
import type { ClientHub } from './clients';
import { ExecuteFailure, rateLimitTokens, type AttemptGate, type ExecuteOutcome, type Executor } from './execute';
import type { TurnBudgets, TurnHooks } from './hooks';

export type { ChatCall } from '../pipeline/turn';
export { newRequestId } from '../pipeline/turn';

export interface ChatOutcome {
  requestId: string;
  result: ChatResult;
  decision: RoutingDecision;
  routing: RoutingInfo;
  row: LedgerRow;
  turn: Turn;
}

export interface ChatServiceDeps {
  store: Store;
  catalog: Catalog;
  router: Router;
  executor: Executor;
  clients: ClientHub;
  /** After planning, in order: settle (ledger), units (experiments), statistics. */
  hooks: TurnHooks[];
  /** Planning step 1 and a hold before every attempt; null = no budgets (tests). */
  budgets?: TurnBudgets | null;
  /** Planning step 2; null = no experiments. */
  experiments?: ExperimentPlanner | null;
  /** Per-client routing of named models (config `routing.namedModels`); none by default. */
  namedModelRoutes?: readonly NamedModelRoute[];
  /** Refusals for every client before anything is planned (the spending kill switch); throws. */
  admit?: (call: ChatCall) => void;
  /** Planning's last step: conversation affinity (routing/affinity.ts); none = every turn afresh. */
  affinity?: ConversationPlanner | null;
  /**
   * Whether a caller-assigned id is already on a row in the cold ledger (ColdLedger.findById: an
   * id made after the watermark reads no segment); none = only hot rows are checked.
   */
  recordedCold?: (tx: ReadTx, requestId: string) => boolean;
  now(): number;
}

/** A low-confidence answer re-asked once on a stronger model (see escalate). */
interface Escalation {
  signal: EscalationSignal;
  to: CatalogModel;
  /** The stronger model's answer; null when that call failed (the first answer stands). */
  second: ExecuteOutcome | null;
  attempts: AttemptRow[];
}

export class ChatService {
  private escalationCount = 0;
  /** Ids of turns between planning and their ledger row: a caller-assigned id is claimed here first. */
  private readonly inFlight = new Set<string>();
  /** One entry per call being served: the cold ledger never moves rows from the oldest one's start on (runningSince). */
  private readonly running = new Set<{ since: number }>();
  /** The planning stages that do not depend on the call (built once). */
  private fixedStages: PlanningStages | null = null;

  constructor(private readonly deps: ChatServiceDeps) {}

  /** Escalations since start (each is also on the ledger: an attempt with error code `escalated`). */
  get escalations(): number {
    return this.escalationCount;
  }

  /** Plans a turn without sending anything (route/estimate, route/decide): the same stages as complete. */
  plan(call: PlanCall): Turn {
    const turn = new Turn(call, this.deps.now());
    planTurn(turn, this.stagesFor(call));
    return turn;
  }

  private stagesFor(call: PlanCall): PlanningStages {
    const { deps } = this;
    const limiter = deps.executor.resilience.rateLimiter;
    this.fixedStages ??= {
      router: deps.router,
      catalog: deps.catalog,
      budgets: deps.budgets ?? null,
      experiments: deps.experiments ?? null,
      namedModelRoutes: deps.namedModelRoutes ?? [],
      affinity: deps.affinity ?? null,
      rateLimited: null,
    };
    if (!limiter) {
      return this.fixedStages;
    }
    // The executor's own rate-limit reservation for this call, counted once and only when asked.
    let tokens: number | null = null;
    return {
      ...this.fixedStages,
      rateLimited: (m) => {
        tokens ??= rateLimitTokens(call.request);
        const a = limiter.peek(m.provider, tokens);
        return a.ok || a.waitMs <= deps.executor.resilience.maxRateLimitWaitMs ? null : `rate limit: ${m.provider}'s ${a.limit} bucket is full for ${a.waitMs} ms`;
      },
    };
  }

  async complete(call: ChatCall): Promise<ChatOutcome> {
    const { deps } = this;
    deps.admit?.(call);
    // A caller-assigned id (the plan route/estimate returned) runs once: a second call with it,
    // even one racing the first before its row exists, is refused before anything is sent, so
    // no paid answer can fail to be recorded under a duplicate id.
    const claimed = call.requestId;
    if (claimed !== undefined) {
      this.claim(claimed);
    }
    // Taken before the turn's own start time, so its row's time is never before it.
    const running = { since: deps.now() };
    this.running.add(running);
    try {
      return await this.run(call);
    } finally {
      this.running.delete(running);
      if (claimed !== undefined) {
        this.inFlight.delete(claimed);
      }
    }
  }

  /** When the oldest call still being served started; null when none is. */
  runningSince(): number | null {
    let since: number | null = null;
    for (const r of this.running) {
      since = since === null ? r.since : Math.min(since, r.since);
    }
    return since;
  }

  private claim(requestId: string): void {
    // Its row will carry the time it starts, never before the id's own: what lets a lookup by id
    // skip every cold row older than the id (ColdLedger.findById). An id from route/estimate
    // always passes, unless the clock was set back since.
    const made = timeOfRequestId(requestId);
    if (made !== null && made > this.deps.now()) {
      throw new RouterError('invalidParams', `requestId ${requestId} was made later than now: send the requestId route/estimate returned, or get a new plan`, { requestId });
    }
    const { recordedCold } = this.deps;
    const recorded = this.deps.store.read(
      (tx) => tx.get('SELECT 1 AS x FROM requests WHERE id = ?', [requestId]) !== undefined || (recordedCold !== undefined && recordedCold(tx, requestId)),
    );
    if (recorded || this.inFlight.has(requestId)) {
      throw new RouterError('conflict', `request ${requestId} was already sent: get a new plan from route/estimate`, { requestId });
    }
    this.inFlight.add(requestId);
  }

  private async run(call: ChatCall): Promise<ChatOutcome> {
    const { deps } = this;
    const turn = new Turn(call, deps.now());
    // Bad input (unknown model, impossible constraints, a paused named model) throws here, before anything is recorded.
    const decision = planTurn(turn, this.stagesFor(call));
    call.onDecision?.(decision, turn.id);
    const models = [decision.model, ...decision.fallbacks].map((id) => {
      const m = deps.catalog.get(id);
      if (!m) {
        throw new RouterError('internal', `the router chose "${id}", which is not in the catalog`);
      }
      return m;
    });
    const chosen = models[0] as CatalogModel;
    // A call that could not be recorded must not be made: unrecorded spend breaks every budget.
    deps.store.checkWritable();
    let out: ExecuteOutcome;
    // The chosen reasoning effort is sent with the request (each adapter maps it for its model).
    const request = decision.effort ? { ...call.request, reasoning_effort: decision.effort } : call.request;
    try {
      out = await deps.executor.execute({ models, request, stream: call.stream, signal: call.signal, onEvent: call.onEvent, gate: this.gateFor(turn) });
    } catch (e) {
      const failure = e instanceof ExecuteFailure ? e : null;
      const error = failure ? failure.error : e instanceof RouterError ? e : new RouterError('internal', (e as Error).message ?? String(e));
      const attempts = failure?.attempts ?? [];
      const model = failure?.lastModel ?? chosen;
      // A stream cut after text reached the client was still billed for that text.
      const partialUsage: Usage = {
        inputTokens: failure?.partial ? decision.inputTokens : 0,
        outputTokens: failure?.partial ? Math.ceil(failure.partial.text.length / 4) : 0,
        cachedInputTokens: 0,
        cacheWriteTokens: 0,
        reasoningTokens: 0,
      };
      const costUsd = failure?.partial ? costOf(model, partialUsage) : 0;
      turn.charges = [{ model: model.id, provider: model.provider, costUsd }];
      const row = this.row(turn, model, {
        usage: partialUsage,
        costUsd,
        status: error.code === 'cancelled' ? 'cancelled' : 'error',
        errorCode: error.code,
        ttftMs: failure?.partial?.ttftMs ?? null,
        attempts,
        sentEffort: request.reasoning_effort,
      });
      await this.record(turn, row, attempts);
      const skipped = turn.skipped.length > 0 ? { skipped: turn.skipped } : {};
      throw new RouterError(error.code, error.message, { ...(error.details ?? {}), requestId: turn.id, fallbacksTried: row.fallbacks, ...skipped });
    }
    const esc = await this.escalate(turn, out);
    const final = esc?.second ?? out;
    const attempts = esc ? esc.attempts : out.attempts;
    // Both answers were paid for: the row carries the sum, so budgets and reports see the escalation.
    const firstCost = costOf(out.model, out.result.usage);
    const secondCost = esc?.second ? costOf(esc.second.model, esc.second.result.usage) : 0;
    turn.charges = [{ model: out.model.id, provider: out.model.provider, costUsd: out.cached === true ? 0 : firstCost }];
    if (esc?.second) {
      turn.charges.push({ model: esc.second.model.id, provider: esc.second.model.provider, costUsd: secondCost });
    }
    turn.result = final.result;
    const row = this.row(turn, final.model, {
      usage: esc?.second ? addUsage(out.result.usage, esc.second.result.usage) : out.result.usage,
      costUsd: firstCost === null || secondCost === null ? null : firstCost + secondCost,
      status: 'ok',
      errorCode: null,
      ttftMs: out.ttftMs,
      // Fallbacks are judged on the first call: a failed escalation is not a fallback.
      attempts: out.attempts,
      // An escalation is sent the caller's request as it came (see escalate).
      sentEffort: esc?.second ? call.request.reasoning_effort : request.reasoning_effort,
    });
    if (esc) {
      row.reason = esc.second
        ? `${row.reason ?? decision.reason}; escalated from ${out.model.id} (${esc.signal}) to ${esc.to.id}`
        : `${row.reason ?? decision.reason}; escalation from ${out.model.id} (${esc.signal}) to ${esc.to.id} failed, first answer kept`;
    }
    await this.record(turn, row, attempts);
    return { requestId: turn.id, result: final.result, decision, routing: routingInfo(row, decision), row, turn };
  }

  /** What one attempt on `model` is expected to cost: the plan's estimate for that model. */
  private attemptEstimate(turn: Turn, model: CatalogModel): number | null {
    const d = turn.plan.decision;
    if (model.id === d.model) {
      return d.estimatedCostUsd;
    }
    const c = d.candidates.find((x) => x.model === model.id);
    if (c) {
      return c.costUsd;
    }
    const max = turn.call.request.max_tokens;
    return estimateCallCost(model, d.inputTokens, max === undefined ? d.estimatedOutputTokens : Math.min(max, d.estimatedOutputTokens));
  }

  /**
   * Each model is reserved in its own scopes before it is sent. A model a budget cannot afford now
   * is skipped with the reason (planning steered around what it knew; concurrent calls may have
   * spent since); a refusal by a `hardStop` or confirmable budget, or of an unknown price, ends the
   * call with that budget's 402 instead.
   */
  private gateFor(turn: Turn): AttemptGate | undefined {
    const budgets = this.deps.budgets;
    if (!budgets) {
      return undefined;
    }
    let held: { model: string; reservation: Reservation } | null = null;
    return {
      admit: async (model, index) => {
        try {
          const reservation = await budgets.reserve(turn, model, this.attemptEstimate(turn, model));
          turn.reservations.push(reservation);
          held = { model: model.id, reservation };
          return null;
        } catch (e) {
          if (!(e instanceof RouterError) || e.code !== 'budgetExceeded') {
            throw e;
          }
          const d = e.details ?? {};
          if (index === 0 && (d.hardStop === true || d.confirmable === true || d.reason === 'priceUnknown')) {
            throw e;
          }
          turn.skipped.push({ model: model.id, reason: e.message });
          return e;
        }
      },
      release: async (model) => {
        if (held !== null && held.model === model.id) {
          const r = held.reservation;
          held = null;
          await budgets.release(r);
        }
      },
    };
  }

  /**
   * Opt-in per policy (the decision carries the target): an answer that signals low confidence
   * (cut by length, refusal, empty, hedging) is re-asked once on the stronger model. Streams are
   * not escalated: their text already reached the client. The answering attempt is marked
   * `escalated` on the ledger, which is how the experiments' escalation rate reads it.
   */
  private async escalate(turn: Turn, out: ExecuteOutcome): Promise<Escalation | null> {
    const call = turn.call as ChatCall;
    const decision = turn.plan.decision;
    if (call.stream || out.cached === true || call.signal.aborted) {
      return null;
    }
    const targetId = escalationTarget(decision);
    const to = targetId === null ? undefined : this.deps.catalog.get(targetId);
    if (!to || to.id === out.model.id) {
      return null;
    }
    const s = shouldEscalate({ text: out.result.text, finishReason: out.result.finishReason, hasToolCalls: out.result.toolCalls.length > 0, callerMaxTokens: call.request.max_tokens !== undefined });
    if (!s.escalate || s.signal === null) {
      return null;
    }
    // An escalation is spend too: reserved in the stronger model's scopes, or the first answer stands.
    let hold: Reservation | null = null;
    if (this.deps.budgets) {
      try {
        hold = await this.deps.budgets.reserve(turn, to, this.attemptEstimate(turn, to));
        turn.reservations.push(hold);
      } catch (e) {
        if (e instanceof RouterError && e.code === 'budgetExceeded') {
          turn.skipped.push({ model: to.id, reason: `escalation skipped: ${e.message}` });
          return null;
        }
        throw e;
      }
    }
    this.escalationCount++;
    turn.escalated = true;
    const first = out.attempts.map((a, i) => (i === out.attempts.length - 1 && a.status === 'ok' ? { ...a, errorCode: 'escalated' } : a));
    const renumber = (later: readonly AttemptRow[]) => later.map((a, i) => ({ ...a, n: first.length + i + 1 }));
    try {
      const second = await this.deps.executor.execute({ models: [to], request: call.request, stream: false, signal: call.signal });
      return { signal: s.signal, to, second, attempts: [...first, ...renumber(second.attempts)] };
    } catch (e) {
      if (hold !== null) {
        await this.deps.budgets?.release(hold);
      }
      const failed = e instanceof ExecuteFailure ? e.attempts : [];
      return { signal: s.signal, to, second: null, attempts: [...first, ...renumber(failed)] };
    }
  }

  private row(
    turn: Turn,
    model: CatalogModel,
    r: { usage: Usage; costUsd: number | null; status: RequestStatus; errorCode: string | null; ttftMs: number | null; attempts: AttemptRow[]; sentEffort: EffortLevel | undefined },
  ): LedgerRow {
    const call = turn.call as ChatCall;
    const decision = turn.plan.decision;
    // A model retried several times is still one fallback step.
    const failed = [...new Set(r.attempts.filter((a) => a.status !== 'ok' && a.model !== model.id).map((a) => a.model))];
    // An escalated answer comes from another model too, but nothing failed before it.
    const fellBack = model.id !== decision.model && failed.length > 0;
    let reason = fellBack ? `${decision.reason}; answered by fallback ${model.id} after ${failed.join(', ')} failed` : decision.reason;
    for (const s of turn.skipped) {
      reason += `; ${s.model} skipped: ${s.reason}`;
    }
    return {
      id: turn.id,
      ts: turn.startedAt,
      clientKind: call.context.kind,
      clientName: call.context.name ?? null,
      workspace: call.context.workspace ?? null,
      endpoint: call.endpoint,
      requestedModel: call.requestedModel,
      model: model.id,
      provider: model.provider,
      policy: decision.policy,
      strategy: decision.strategy,
      taskType: decision.taskType,
      reason,
      stream: call.stream,
      tokensIn: r.usage.inputTokens,
      tokensOut: r.usage.outputTokens,
      tokensCached: r.usage.cachedInputTokens,
      tokensReasoning: r.usage.reasoningTokens,
      estimatedCostUsd: decision.estimatedCostUsd,
      costUsd: r.costUsd,
      costState: r.costUsd === null ? 'unknown' : 'known',
      latencyMs: this.deps.now() - turn.startedAt,
      ttftMs: r.ttftMs,
      status: r.status,
      errorCode: r.errorCode,
      fallbacks: failed,
      experimentId: decision.experiment?.id ?? null,
      arm: decision.experiment?.arm ?? null,
      effort: effortRanAt(model, r.sentEffort, call.request),
      expectedWallMs: decision.expectedWallMs ?? null,
    };
  }

  private async record(turn: Turn, row: LedgerRow, attempts: readonly AttemptRow[]): Promise<void> {
    const { hooks } = this.deps;
    turn.row = row;
    turn.attempts = [...attempts];
    // Batched: the rows of requests that finish in the same turn of the event loop share one
    // transaction and one journal record (each in its own savepoint).
    await this.deps.store.withWrite(
      (tx) => {
        insertRequest(tx, row, attempts);
        for (const h of hooks) {
          h.onRecord?.(tx, row, attempts, turn);
        }
      },
      { batch: true },
    );
    for (const h of hooks) {
      h.afterRecord?.(row, turn);
    }
    const note: SpendChangedNotification = { requestId: row.id, costUsd: row.costUsd };
    this.deps.clients.broadcast(notifications.spendChanged, note);
  }
}

function addUsage(a: Usage, b: Usage): Usage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
    reasoningTokens: a.reasoningTokens + b.reasoningTokens,
  };
}

export function routingInfo(row: LedgerRow, decision: RoutingDecision): RoutingInfo {
  const info: RoutingInfo = {
    requestId: row.id,
    model: row.model,
    provider: row.provider,
    reason: row.reason ?? decision.reason,
    strategy: decision.strategy,
    policy: decision.policy,
    tradeoff: decision.tradeoff,
    estimatedCostUsd: decision.estimatedCostUsd,
    actualCostUsd: row.costState === 'known' ? row.costUsd : null,
    costState: row.costState,
    fallbacksTried: row.fallbacks,
    estimatedSavingsUsd: decision.estimatedSavingsUsd,
    ...(decision.conversation ? { conversation: decision.conversation } : {}),
  };
  if (decision.substitutedFor !== undefined) {
    info.substitutedFor = decision.substitutedFor;
  }
  return info;
}
