// Executes a routing decision: calls the chosen model and, while nothing has reached the client
// yet, its fallbacks in order. Around each model: its circuit (skip a model or provider that keeps
// failing), its provider's rate limit, retries with backoff on retryable failures (honouring
// retry-after, within one wait budget per request), a first-token timeout for streams, endpoint
// balancing, and the opt-in response cache. Every try is one attempt row for the ledger.
import { emptyUsage, type ChatRequest, type ChatResult, type FinishReason, type StreamEvent, type ToolCall, type Usage } from '../protocol/chat';
import { RouterError, type ErrorCode } from '../protocol/errors';
import { estimateTokens } from '../routing/router';
import type { CatalogModel } from '../routing/catalog';
import { reasoningFor } from '../routing/effort';
import { ProviderError, type ProviderFailure } from '../providers/adapter';
import type { ProviderHttp } from '../providers/http';
import type { ProviderRegistry, ResolvedProvider } from '../providers/registry';
import { DEFAULT_RETRY_POLICY, retryDelay, type RetryPolicy } from '../providers/resilience/backoff';
import type { Balancer } from '../providers/resilience/balancer';
import { HealthMonitor } from '../providers/resilience/health';
import type { ProviderRateLimiter } from '../providers/resilience/rateLimiter';
import { cacheKey, replayEvents, type ResponseCache } from '../providers/resilience/responseCache';
import type { AttemptRow } from '../ledger/requests';

export interface ExecuteInput {
  /** The chosen model first, then the fallbacks, in order. */
  models: CatalogModel[];
  request: ChatRequest;
  stream: boolean;
  signal: AbortSignal;
  /** Streamed pieces, as they arrive; once one is delivered the call is committed to that model. */
  onEvent?: ((event: StreamEvent, model: CatalogModel) => void) | undefined;
  /** Budgets: a hold before each model is tried, given back when it fails (see AttemptGate). */
  gate?: AttemptGate | undefined;
}

/** What must hold before a model is sent anything (the turn's budget reservation). */
export interface AttemptGate {
  /**
   * Before the first try of the model at `index` in the list: null admits it; an error skips it
   * (nothing is sent; it is the call's error if no later model answers); a throw ends the call.
   */
  admit(model: CatalogModel, index: number): Promise<RouterError | null>;
  /** The model failed without answering: release what `admit` held for it. */
  release(model: CatalogModel): Promise<void>;
}

export interface ExecuteOutcome {
  model: CatalogModel;
  result: ChatResult;
  attempts: AttemptRow[];
  ttftMs: number | null;
  /** False when the provider sent no usage and tokens were estimated from the text. */
  usageReported: boolean;
  /** Served from the response cache: no provider was called and nothing was spent. */
  cached?: boolean;
}

/** Every attempt failed (or the call was cancelled); carries what was tried for the ledger. */
export class ExecuteFailure extends Error {
  constructor(
    readonly error: RouterError,
    readonly attempts: AttemptRow[],
    readonly lastModel: CatalogModel,
    /** Text already delivered to the client when a committed stream failed. */
    readonly partial: { text: string; ttftMs: number | null } | null,
  ) {
    super(error.message);
    this.name = 'ExecuteFailure';
  }
}

export interface ResilienceOptions {
  health: HealthMonitor;
  retry: RetryPolicy;
  rateLimiter: ProviderRateLimiter | null;
  /** Longest one call waits for its provider's rate limit before falling back instead. */
  maxRateLimitWaitMs: number;
  /** Exact-match answers (opt-in); null = off. */
  cache: ResponseCache | null;
  /** A stream that sends no token within this falls back (0 = no limit beyond the HTTP timeouts). */
  firstTokenMs: number;
  /** Several endpoints or keys for one provider; null = its one base URL and key. */
  balancerFor(provider: string): Balancer | null;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  random(): number;
}

export interface ExecutorDeps {
  providers: ProviderRegistry;
  http: ProviderHttp;
  /** The key for a provider (or a named key of a balanced endpoint); null when none is configured. */
  keyFor(provider: string): Promise<string | null>;
  simulate: boolean;
  now(): number;
  resilience?: Partial<ResilienceOptions> | undefined;
}

/** One call to one model. */
export interface AttemptInput {
  model: CatalogModel;
  request: ChatRequest;
  stream: boolean;
  signal: AbortSignal;
  onEvent: (event: StreamEvent) => void;
}

export interface AttemptResult {
  result: ChatResult;
  ttftMs: number | null;
  usageReported: boolean;
}

const SIMULATED_KEY = 'sk-simulated';
const DEFAULT_OUTPUT_RESERVE = 400;

/** The tokens a call takes from its provider's tpm bucket before its usage is known. */
export function rateLimitTokens(request: ChatRequest): number {
  return estimateTokens(request.messages) + Math.min(request.max_tokens ?? DEFAULT_OUTPUT_RESERVE, 4 * DEFAULT_OUTPUT_RESERVE);
}

/** Waits `ms`, or less if the caller goes away (the next step then sees the abort). */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function failureOf(e: unknown, err: RouterError): ProviderFailure {
  if (e instanceof ProviderError) {
    return e.failure;
  }
  return { code: err.code, retryable: false, message: err.message };
}

export class Executor {
  readonly resilience: ResilienceOptions;

  constructor(private readonly deps: ExecutorDeps) {
    this.resilience = {
      health: new HealthMonitor({ now: deps.now }),
      retry: DEFAULT_RETRY_POLICY,
      rateLimiter: null,
      maxRateLimitWaitMs: 2_000,
      cache: null,
      firstTokenMs: 60_000,
      balancerFor: () => null,
      sleep: abortableSleep,
      random: Math.random,
      ...deps.resilience,
    };
  }

  async execute(input: ExecuteInput): Promise<ExecuteOutcome> {
    const r = this.resilience;
    const attempts: AttemptRow[] = [];
    const row = (model: CatalogModel, started: number, status: AttemptRow['status'], errorCode: string | null, provider = model.provider): void => {
      attempts.push({ n: attempts.length + 1, ts: started, model: model.id, provider, status, errorCode, latencyMs: this.deps.now() - started });
    };
    let lastError: RouterError | null = null;
    let lastModel: CatalogModel | undefined;
    let waited = 0;
    // Counted only when a rate limit needs it: this is the hot path.
    const reserveTokens = r.rateLimiter ? rateLimitTokens(input.request) : 0;

    for (const [index, model] of input.models.entries()) {
      lastModel = model;
      const cached = r.cache ? this.fromCache(model, input) : null;
      if (cached) {
        row(model, this.deps.now(), 'ok', null, 'cache');
        return { ...cached, attempts };
      }
      if (input.gate) {
        let skip: RouterError | null;
        try {
          skip = await input.gate.admit(model, index);
        } catch (e) {
          throw new ExecuteFailure(toRouterError(e, model), attempts, model, null);
        }
        if (skip !== null) {
          // Not an attempt (nothing was sent): an earlier real failure stays the error.
          lastError ??= skip;
          continue;
        }
      }
      for (let retry = 0; ; retry++) {
        const started = this.deps.now();
        if (input.signal.aborted) {
          row(model, started, 'cancelled', 'cancelled');
          throw new ExecuteFailure(new RouterError('cancelled', 'the request was cancelled by the client'), attempts, model, null);
        }
        if (!r.health.tryAcquire(model.id, model.provider)) {
          // Not an attempt (nothing was sent): the real failure that opened the circuit stays the error.
          lastError ??= new RouterError('providerUnavailable', `${model.id} is skipped: its circuit is open after recent failures of ${model.id} or ${model.provider}`, { model: model.id, provider: model.provider, circuit: 'open' });
          break;
        }
        const admitted = await this.admit(model, reserveTokens, waited, input.signal);
        waited += admitted.waitedMs;
        if (!admitted.ok) {
          lastError = new RouterError('providerRateLimited', `${model.id}: ${model.provider}'s configured rate limit (${admitted.limit}) is reached; next slot in ${admitted.waitMs} ms`, { model: model.id, provider: model.provider, retryAfterMs: admitted.waitMs });
          r.health.release(model.id, model.provider);
          break;
        }
        let delivered = '';
        let ttft: number | null = null;
        let committed = false;
        try {
          const out = await this.attempt({
            model,
            request: input.request,
            stream: input.stream,
            signal: input.signal,
            onEvent: (ev) => {
              if (ev.type === 'text' || ev.type === 'tool_call_delta') {
                committed = true;
                ttft ??= this.deps.now() - started;
                if (ev.type === 'text') {
                  delivered += ev.text;
                }
              }
              input.onEvent?.(ev, model);
            },
          });
          const latencyMs = this.deps.now() - started;
          r.health.record(model.id, model.provider, { ok: true, latencyMs, ttftMs: out.ttftMs, outputTokens: out.result.usage.outputTokens });
          r.rateLimiter?.settle(model.provider, reserveTokens, out.result.usage.inputTokens + out.result.usage.outputTokens);
          row(model, started, 'ok', null);
          if (r.cache && out.result.finishReason !== 'error') {
            r.cache.set(cacheKey(model.id, input.request), out.result);
          }
          return { model, result: out.result, attempts, ttftMs: out.ttftMs, usageReported: out.usageReported };
        } catch (e) {
          const err = toRouterError(e, model);
          const cancelled = err.code === 'cancelled' || input.signal.aborted;
          const code: ErrorCode = cancelled ? 'cancelled' : err.code;
          r.health.record(model.id, model.provider, { ok: false, code, latencyMs: this.deps.now() - started });
          row(model, started, cancelled ? 'cancelled' : 'error', code);
          lastError = cancelled ? new RouterError('cancelled', 'the request was cancelled by the client') : err;
          if (cancelled || committed) {
            throw new ExecuteFailure(lastError, attempts, model, committed ? { text: delivered, ttftMs: ttft } : null);
          }
          // With fallbacks left, one quick retry at most: another model answers sooner than a struggling one.
          const policy = model === input.models[input.models.length - 1] ? r.retry : { ...r.retry, maxRetries: Math.min(1, r.retry.maxRetries) };
          const delay = retryDelay(policy, retry, failureOf(e, err), waited, r.random);
          if (delay !== null) {
            await r.sleep(delay, input.signal);
            waited += delay;
            continue;
          }
          if (!shouldFallBack(err)) {
            throw new ExecuteFailure(lastError, attempts, model, null);
          }
          break;
        }
      }
      // Only the breaks above get here: nothing of this model reached the client.
      await input.gate?.release(model);
    }
    if (lastModel === undefined) {
      throw new RouterError('noCandidate', 'the routing decision named no model to call');
    }
    throw new ExecuteFailure(lastError ?? new RouterError('providerError', 'every model failed'), attempts, lastModel, null);
  }

  /** A cached answer for this model, replayed as a stream when the caller streams; it costs nothing. */
  private fromCache(model: CatalogModel, input: ExecuteInput): Omit<ExecuteOutcome, 'attempts'> | null {
    const hit = this.resilience.cache?.get(cacheKey(model.id, input.request));
    if (!hit) {
      return null;
    }
    const result: ChatResult = { ...hit, usage: emptyUsage() };
    if (input.stream) {
      for (const ev of replayEvents(result)) {
        input.onEvent?.(ev, model);
      }
    }
    return { model, result, ttftMs: 0, usageReported: true, cached: true };
  }

  /** Waits for the provider's rate limit when the wait is short and within budget. */
  private async admit(model: CatalogModel, tokens: number, waited: number, signal: AbortSignal): Promise<{ ok: true; waitedMs: number } | { ok: false; waitedMs: number; waitMs: number; limit: string }> {
    const limiter = this.resilience.rateLimiter;
    if (!limiter) {
      return { ok: true, waitedMs: 0 };
    }
    let spent = 0;
    for (let i = 0; i < 3; i++) {
      const a = limiter.tryAcquire(model.provider, tokens);
      if (a.ok) {
        return { ok: true, waitedMs: spent };
      }
      if (a.waitMs > this.resilience.maxRateLimitWaitMs || waited + spent + a.waitMs > this.resilience.retry.budgetMs) {
        return { ok: false, waitedMs: spent, waitMs: a.waitMs, limit: a.limit };
      }
      await this.resilience.sleep(a.waitMs, signal);
      spent += a.waitMs;
    }
    return { ok: false, waitedMs: spent, waitMs: 0, limit: 'rpm' };
  }

  /** One call to one model: endpoint choice, key, first-token timeout, then the adapter and HTTP. */
  async attempt(input: AttemptInput): Promise<AttemptResult> {
    const resolved = this.deps.providers.resolve(input.model.provider);
    if (resolved === null) {
      throw new RouterError('providerUnavailable', `no adapter for provider "${input.model.provider}" yet: ${input.model.id} cannot be called (try --simulate or another model)`, { provider: input.model.provider });
    }
    const balancer = this.deps.simulate ? null : this.resilience.balancerFor(resolved.id);
    const endpoint = balancer?.pick() ?? null;
    if (balancer && endpoint === null) {
      throw new ProviderError({ code: 'providerUnavailable', retryable: false, message: `every endpoint of ${resolved.id} is failing (circuits open)` });
    }
    const provider: ResolvedProvider = endpoint?.baseUrl !== undefined ? { ...resolved, baseUrl: endpoint.baseUrl } : resolved;
    const started = this.deps.now();
    try {
      const apiKey = await this.keyFor(provider, endpoint?.keyName);
      const out = await this.withFirstTokenTimeout(input, (guarded) => callModel(this.deps.http, provider, apiKey, guarded, this.deps.now));
      if (endpoint && balancer) {
        balancer.release(endpoint.id, { ok: true, latencyMs: this.deps.now() - started });
      }
      return out;
    } catch (e) {
      if (endpoint && balancer) {
        balancer.release(endpoint.id, { ok: false, latencyMs: this.deps.now() - started });
      }
      throw e;
    }
  }

  /**
   * Streams get `firstTokenMs` to produce their first token; past it the attempt is aborted and
   * reported as a retryable timeout, so the executor falls back while nothing reached the client.
   */
  private async withFirstTokenTimeout(input: AttemptInput, call: (guarded: AttemptInput) => Promise<AttemptResult>): Promise<AttemptResult> {
    const limit = this.resilience.firstTokenMs;
    if (!input.stream || limit <= 0) {
      return call(input);
    }
    const ctl = new AbortController();
    const forward = (): void => ctl.abort();
    input.signal.addEventListener('abort', forward, { once: true });
    let timedOut = false;
    let timer: NodeJS.Timeout | null = setTimeout(() => {
      timedOut = true;
      ctl.abort();
    }, limit);
    const stop = (): void => {
      if (timer !== null) {
        clearTimeout(timer);
        timer = null;
      }
    };
    try {
      return await call({
        ...input,
        signal: ctl.signal,
        onEvent: (ev) => {
          if (ev.type === 'text' || ev.type === 'tool_call_delta') {
            stop();
          }
          input.onEvent(ev);
        },
      });
    } catch (e) {
      if (timedOut && !input.signal.aborted) {
        throw new ProviderError({ code: 'providerTimeout', retryable: true, message: `${input.model.id} sent no token within ${limit} ms` });
      }
      throw e;
    } finally {
      stop();
      input.signal.removeEventListener('abort', forward);
    }
  }

  private async keyFor(provider: ResolvedProvider, keyName?: string): Promise<string> {
    if (this.deps.simulate) {
      // Real keys never go to the simulator.
      return SIMULATED_KEY;
    }
    const key = await this.deps.keyFor(keyName ?? provider.id);
    if (key !== null) {
      return key;
    }
    if (!provider.needsKey) {
      return '';
    }
    throw new RouterError('noApiKey', `no API key for ${keyName ?? provider.id}: run "LLM Router: Set API Key" in VS Code, or set ${provider.id.toUpperCase()}_API_KEY`, { provider: provider.id });
  }
}

/** A failure before anything reached the client is worth trying the next model for. */
export function shouldFallBack(err: RouterError): boolean {
  // The request itself is at fault for these: another model would refuse it too.
  return err.code !== 'cancelled' && err.code !== 'invalidParams' && err.code !== 'budgetExceeded' && err.code !== 'providerContentPolicy';
}

export function toRouterError(e: unknown, model: CatalogModel): RouterError {
  if (e instanceof RouterError) {
    return e;
  }
  if (e instanceof ProviderError) {
    const f = e.failure;
    const details: Record<string, unknown> = { provider: model.provider, model: model.id, retryable: f.retryable };
    if (f.status !== undefined) {
      details.status = f.status;
    }
    if (f.retryAfterMs !== undefined) {
      details.retryAfterMs = f.retryAfterMs;
    }
    return new RouterError(f.code, `${model.id}: ${f.message}`, details);
  }
  return new RouterError('internal', `${model.id}: ${(e as Error).message ?? String(e)}`);
}

function scrub(err: unknown, apiKey: string): unknown {
  if (apiKey.length >= 8 && err instanceof ProviderError && err.message.includes(apiKey)) {
    return new ProviderError({ ...err.failure, message: err.failure.message.split(apiKey).join('[key]') });
  }
  return err;
}

/** Calls one model through its adapter and the HTTP module. */
export async function callModel(http: ProviderHttp, provider: ResolvedProvider, apiKey: string, input: AttemptInput, now: () => number): Promise<AttemptResult> {
  const { adapter } = provider;
  // Agents ask for the largest answer their default model allows (Claude Code: 128k); a model with
  // a smaller output limit gets its own limit rather than a provider error.
  const max = input.request.max_tokens;
  const request = max !== undefined && max > input.model.maxOutputTokens ? { ...input.request, max_tokens: input.model.maxOutputTokens } : input.request;
  // The effort routing chose travels on the request; each model gets it in its own terms.
  const spec = adapter.buildRequest(request, { apiModel: input.model.apiModel, stream: input.stream, apiKey, baseUrl: provider.baseUrl, reasoning: reasoningFor(input.model, request.reasoning_effort, request) });
  const started = now();
  try {
    const res = await http.send(spec, input.signal);
    if (res.status >= 400) {
      const body = await res.text();
      throw new ProviderError(adapter.classifyError(res.status, res.headers, body));
    }
    if (!input.stream) {
      const result = adapter.parseResponse(await res.text());
      const usageReported = result.usage.inputTokens + result.usage.outputTokens > 0;
      if (!usageReported) {
        result.usage = estimatedUsage(input.request, result.text);
      }
      return { result, ttftMs: null, usageReported };
    }
    const parser = adapter.createStreamParser();
    const acc = new StreamAccumulator();
    let ttftMs: number | null = null;
    const take = (events: StreamEvent[]): void => {
      for (const ev of events) {
        if (ttftMs === null && (ev.type === 'text' || ev.type === 'tool_call_delta')) {
          ttftMs = now() - started;
        }
        acc.add(ev);
        input.onEvent(ev);
      }
    };
    for await (const chunk of res.chunks()) {
      take(parser.push(chunk));
    }
    take(parser.end());
    const usageReported = acc.usage !== null;
    return { result: acc.result(input.model.apiModel, acc.usage ?? estimatedUsage(input.request, acc.text)), ttftMs, usageReported };
  } catch (e) {
    throw scrub(e, apiKey);
  }
}

function estimatedUsage(request: ChatRequest, text: string): Usage {
  return { ...emptyUsage(), inputTokens: estimateTokens(request.messages), outputTokens: Math.ceil(text.length / 4) };
}

/** Builds a ChatResult from stream events. */
export class StreamAccumulator {
  text = '';
  usage: Usage | null = null;
  private finishReason: FinishReason = 'stop';
  private readonly tools = new Map<number, ToolCall>();

  add(ev: StreamEvent): void {
    switch (ev.type) {
      case 'text':
        this.text += ev.text;
        break;
      case 'tool_call_delta': {
        const t = this.tools.get(ev.index) ?? { id: '', type: 'function' as const, function: { name: '', arguments: '' } };
        if (ev.id) {
          t.id = ev.id;
        }
        if (ev.name) {
          t.function.name += ev.name;
        }
        if (ev.arguments) {
          t.function.arguments += ev.arguments;
        }
        this.tools.set(ev.index, t);
        break;
      }
      case 'finish':
        this.finishReason = ev.finishReason;
        break;
      case 'usage':
        this.usage = ev.usage;
        break;
    }
  }

  result(providerModel: string, usage: Usage): ChatResult {
    const toolCalls = [...this.tools.entries()].sort((a, b) => a[0] - b[0]).map(([, t]) => t);
    return { text: this.text, toolCalls, finishReason: this.finishReason, usage, providerModel };
  }
}
