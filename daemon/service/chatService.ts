// The one chat pipeline behind POST /v1/chat/completions, RPC chat/complete (and later
// /v1/messages): route → execute with fallbacks → price → record → notify.
import { randomUUID } from 'node:crypto';
import type { ChatRequest, ChatResult, StreamEvent, Usage } from '../protocol/chat';
import { RouterError } from '../protocol/errors';
import type { Endpoint, LedgerRow, RequestStatus } from '../protocol/ledger';
import { notifications, type SpendChangedNotification } from '../protocol/methods';
import type { ClientContext, RoutingDecision, RoutingInfo, RoutingOptions } from '../protocol/routing';
import { costOf } from '../ledger/pricing';
import { insertRequest, type AttemptRow } from '../ledger/requests';
import type { Catalog, CatalogModel } from '../routing/catalog';
import type { Router } from '../routing/router';
import { escalationTarget, shouldEscalate, type EscalationSignal } from '../routing/escalation';
import type { Store } from '../store/database';
import type { ClientHub } from './clients';
import { ExecuteFailure, type ExecuteOutcome, type Executor } from './execute';
import type { ChatHooks } from './hooks';
import type { ConversationAffinity } from '../routing/affinityService';

export interface ChatCall {
  endpoint: Endpoint;
  /** `auto`, `auto:<tradeoff>`, a policy name or a concrete model id. */
  requestedModel: string;
  request: ChatRequest;
  routing?: RoutingOptions | undefined;
  context: ClientContext;
  stream: boolean;
  signal: AbortSignal;
  /** Streamed pieces, with the model that produces them (known only once an attempt answers). */
  onEvent?: ((event: StreamEvent, model: CatalogModel) => void) | undefined;
  /** Called once routing has decided, before any provider call (streaming endpoints send headers from it). */
  onDecision?: ((decision: RoutingDecision, requestId: string) => void) | undefined;
  /** A caller may assign the ledger id itself (see newRequestId). */
  requestId?: string | undefined;
  /** The conversation's explicit key, when the client sent one (routing/affinity.ts). */
  conversation?: { key: string; source: 'header' | 'prompt_cache_key' | 'user' | 'metadata.user_id' } | undefined;
}

export interface ChatOutcome {
  requestId: string;
  result: ChatResult;
  decision: RoutingDecision;
  routing: RoutingInfo;
  row: LedgerRow;
}

export interface ChatServiceDeps {
  store: Store;
  catalog: Catalog;
  router: Router;
  executor: Executor;
  clients: ClientHub;
  hooks: ChatHooks[];
  /** Conversation affinity; its onRecord hook is in `hooks`. */
  affinity?: ConversationAffinity | undefined;
  now(): number;
}

/** Ledger ids sort by time, so keyset pages and ties stay in insertion order. */
export function newRequestId(now: number): string {
  return `req_${now.toString(36).padStart(9, '0')}${randomUUID().replace(/-/g, '').slice(0, 12)}`;
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

  constructor(private readonly deps: ChatServiceDeps) {}

  /** Escalations since start (each is also on the ledger: an attempt with error code `escalated`). */
  get escalations(): number {
    return this.escalationCount;
  }

  async complete(original: ChatCall): Promise<ChatOutcome> {
    const { deps } = this;
    const started = deps.now();
    const requestId = original.requestId ?? newRequestId(started);
    let call = original;
    let experiment: { id: string; arm: string } | null = null;
    for (const h of deps.hooks) {
      const adj = await h.beforeRoute?.(requestId, call);
      if (adj) {
        call = adj.routing ? { ...call, routing: adj.routing } : call;
        experiment = adj.experiment ?? experiment;
      }
    }
    // Bad input (unknown model, impossible constraints) throws here, before anything is recorded.
    const fresh = deps.router.decide({ request: call.request, requestedModel: call.requestedModel, routing: call.routing, context: call.context });
    fresh.experiment = experiment;
    // A later turn of a conversation may keep its earlier model (routing/affinity.ts).
    const decision = deps.affinity ? deps.affinity.route(requestId, call, fresh) : fresh;
    call.onDecision?.(decision, requestId);
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
    try {
      for (const h of deps.hooks) {
        await h.beforeExecute?.(requestId, call, decision);
      }
      out = await deps.executor.execute({ models, request: call.request, stream: call.stream, signal: call.signal, onEvent: call.onEvent });
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
      const row = this.row(requestId, started, call, decision, model, {
        usage: partialUsage,
        costUsd: failure?.partial ? costOf(model, partialUsage) : 0,
        status: error.code === 'cancelled' ? 'cancelled' : 'error',
        errorCode: error.code,
        ttftMs: failure?.partial?.ttftMs ?? null,
        attempts,
      });
      await this.record(row, attempts);
      throw new RouterError(error.code, error.message, { ...(error.details ?? {}), requestId, fallbacksTried: row.fallbacks });
    }
    const esc = await this.escalate(requestId, call, decision, out);
    const final = esc?.second ?? out;
    const attempts = esc ? esc.attempts : out.attempts;
    // Both answers were paid for: the row carries the sum, so budgets and reports see the escalation.
    const firstCost = costOf(out.model, out.result.usage);
    const secondCost = esc?.second ? costOf(esc.second.model, esc.second.result.usage) : 0;
    const row = this.row(requestId, started, call, decision, final.model, {
      usage: esc?.second ? addUsage(out.result.usage, esc.second.result.usage) : out.result.usage,
      costUsd: firstCost === null || secondCost === null ? null : firstCost + secondCost,
      status: 'ok',
      errorCode: null,
      ttftMs: out.ttftMs,
      // Fallbacks are judged on the first call: a failed escalation is not a fallback.
      attempts: out.attempts,
    });
    if (esc) {
      row.reason = esc.second
        ? `${row.reason ?? decision.reason}; escalated from ${out.model.id} (${esc.signal}) to ${esc.to.id}`
        : `${row.reason ?? decision.reason}; escalation from ${out.model.id} (${esc.signal}) to ${esc.to.id} failed, first answer kept`;
    }
    await this.record(row, attempts);
    return { requestId, result: final.result, decision, routing: routingInfo(row, decision), row };
  }

  /**
   * Opt-in per policy (the decision carries the target): an answer that signals low confidence
   * (cut by length, refusal, empty, hedging) is re-asked once on the stronger model. Streams are
   * not escalated: their text already reached the client. The answering attempt is marked
   * `escalated` on the ledger, which is how the experiments' escalation rate reads it.
   */
  private async escalate(requestId: string, call: ChatCall, decision: RoutingDecision, out: ExecuteOutcome): Promise<Escalation | null> {
    if (call.stream || out.cached === true || call.signal.aborted) {
      return null;
    }
    const targetId = escalationTarget(decision);
    const to = targetId === null ? undefined : this.deps.catalog.get(targetId);
    if (!to || to.id === out.model.id) {
      return null;
    }
    const s = shouldEscalate({ text: out.result.text, finishReason: out.result.finishReason, hasToolCalls: out.result.toolCalls.length > 0 });
    if (!s.escalate || s.signal === null) {
      return null;
    }
    try {
      for (const h of this.deps.hooks) {
        await h.beforeEscalate?.(requestId, call, decision, to);
      }
    } catch (e) {
      // A budget that cannot afford the stronger model keeps the first answer.
      if (e instanceof RouterError && e.code === 'budgetExceeded') {
        return null;
      }
      throw e;
    }
    this.escalationCount++;
    const first = out.attempts.map((a, i) => (i === out.attempts.length - 1 && a.status === 'ok' ? { ...a, errorCode: 'escalated' } : a));
    const renumber = (later: readonly AttemptRow[]) => later.map((a, i) => ({ ...a, n: first.length + i + 1 }));
    try {
      const second = await this.deps.executor.execute({ models: [to], request: call.request, stream: false, signal: call.signal });
      return { signal: s.signal, to, second, attempts: [...first, ...renumber(second.attempts)] };
    } catch (e) {
      const failed = e instanceof ExecuteFailure ? e.attempts : [];
      return { signal: s.signal, to, second: null, attempts: [...first, ...renumber(failed)] };
    }
  }

  private row(
    requestId: string,
    started: number,
    call: ChatCall,
    decision: RoutingDecision,
    model: CatalogModel,
    r: { usage: Usage; costUsd: number | null; status: RequestStatus; errorCode: string | null; ttftMs: number | null; attempts: AttemptRow[] },
  ): LedgerRow {
    // A model retried several times is still one fallback step.
    const failed = [...new Set(r.attempts.filter((a) => a.status !== 'ok' && a.model !== model.id).map((a) => a.model))];
    const fellBack = model.id !== decision.model;
    return {
      id: requestId,
      ts: started,
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
      reason: fellBack ? `${decision.reason}; answered by fallback ${model.id} after ${failed.join(', ')} failed` : decision.reason,
      stream: call.stream,
      tokensIn: r.usage.inputTokens,
      tokensOut: r.usage.outputTokens,
      tokensCached: r.usage.cachedInputTokens,
      tokensReasoning: r.usage.reasoningTokens,
      estimatedCostUsd: decision.estimatedCostUsd,
      costUsd: r.costUsd,
      costState: r.costUsd === null ? 'unknown' : 'known',
      latencyMs: this.deps.now() - started,
      ttftMs: r.ttftMs,
      status: r.status,
      errorCode: r.errorCode,
      fallbacks: failed,
      experimentId: decision.experiment?.id ?? null,
      arm: decision.experiment?.arm ?? null,
    };
  }

  private async record(row: LedgerRow, attempts: readonly AttemptRow[]): Promise<void> {
    const { hooks } = this.deps;
    await this.deps.store.withWrite((tx) => {
      insertRequest(tx, row, attempts);
      for (const h of hooks) {
        h.onRecord?.(tx, row, attempts);
      }
    });
    for (const h of hooks) {
      h.afterRecord?.(row);
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
  return {
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
}
