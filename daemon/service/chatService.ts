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
import type { Store } from '../store/database';
import type { ClientHub } from './clients';
import { ExecuteFailure, type ExecuteOutcome, type Executor } from './execute';
import type { ChatHooks } from './hooks';

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
  now(): number;
}

/** Ledger ids sort by time, so keyset pages and ties stay in insertion order. */
export function newRequestId(now: number): string {
  return `req_${now.toString(36).padStart(9, '0')}${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

export class ChatService {
  constructor(private readonly deps: ChatServiceDeps) {}

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
    const decision = deps.router.decide({ request: call.request, requestedModel: call.requestedModel, routing: call.routing, context: call.context });
    decision.experiment = experiment;
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
    const row = this.row(requestId, started, call, decision, out.model, {
      usage: out.result.usage,
      costUsd: costOf(out.model, out.result.usage),
      status: 'ok',
      errorCode: null,
      ttftMs: out.ttftMs,
      attempts: out.attempts,
    });
    await this.record(row, out.attempts);
    return { requestId, result: out.result, decision, routing: routingInfo(row, decision), row };
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
  };
}
