// Executes a routing decision: calls the chosen model and, while nothing has reached the client
// yet, its fallbacks in order. One attempt is one `callModel`; the providers work adds retries,
// backoff and circuit breakers around that seam (see `Executor.attempt`).
import { emptyUsage, type ChatRequest, type ChatResult, type FinishReason, type StreamEvent, type ToolCall, type Usage } from '../protocol/chat';
import { RouterError } from '../protocol/errors';
import { estimateTokens } from '../routing/router';
import type { CatalogModel } from '../routing/catalog';
import { ProviderError } from '../providers/adapter';
import type { ProviderHttp } from '../providers/http';
import type { ProviderRegistry, ResolvedProvider } from '../providers/registry';
import type { AttemptRow } from '../ledger/requests';

export interface ExecuteInput {
  /** The chosen model first, then the fallbacks, in order. */
  models: CatalogModel[];
  request: ChatRequest;
  stream: boolean;
  signal: AbortSignal;
  /** Streamed pieces, as they arrive; once one is delivered the call is committed to that model. */
  onEvent?: ((event: StreamEvent, model: CatalogModel) => void) | undefined;
}

export interface ExecuteOutcome {
  model: CatalogModel;
  result: ChatResult;
  attempts: AttemptRow[];
  ttftMs: number | null;
  /** False when the provider sent no usage and tokens were estimated from the text. */
  usageReported: boolean;
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

export interface ExecutorDeps {
  providers: ProviderRegistry;
  http: ProviderHttp;
  /** The key for a provider; null when none is configured. */
  keyFor(provider: string): Promise<string | null>;
  simulate: boolean;
  now(): number;
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

export class Executor {
  constructor(private readonly deps: ExecutorDeps) {}

  async execute(input: ExecuteInput): Promise<ExecuteOutcome> {
    const attempts: AttemptRow[] = [];
    let lastError: RouterError | null = null;
    let lastModel: CatalogModel | undefined;
    for (const model of input.models) {
      lastModel = model;
      const started = this.deps.now();
      let delivered = '';
      let ttft: number | null = null;
      let committed = false;
      try {
        const r = await this.attempt({
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
        attempts.push({ n: attempts.length + 1, ts: started, model: model.id, provider: model.provider, status: 'ok', errorCode: null, latencyMs: this.deps.now() - started });
        return { model, result: r.result, attempts, ttftMs: r.ttftMs, usageReported: r.usageReported };
      } catch (e) {
        const err = toRouterError(e, model);
        const cancelled = err.code === 'cancelled' || input.signal.aborted;
        attempts.push({
          n: attempts.length + 1,
          ts: started,
          model: model.id,
          provider: model.provider,
          status: cancelled ? 'cancelled' : 'error',
          errorCode: cancelled ? 'cancelled' : err.code,
          latencyMs: this.deps.now() - started,
        });
        lastError = cancelled ? new RouterError('cancelled', 'the request was cancelled by the client') : err;
        if (cancelled || committed || !shouldFallBack(err)) {
          throw new ExecuteFailure(lastError, attempts, model, committed ? { text: delivered, ttftMs: ttft } : null);
        }
      }
    }
    if (lastModel === undefined) {
      throw new RouterError('noCandidate', 'the routing decision named no model to call');
    }
    throw new ExecuteFailure(lastError ?? new RouterError('providerError', 'every model failed'), attempts, lastModel, null);
  }

  /** One call to one model. The providers work wraps retries and circuit breakers around this. */
  async attempt(input: AttemptInput): Promise<AttemptResult> {
    const provider = this.deps.providers.resolve(input.model.provider);
    if (provider === null) {
      throw new RouterError('providerUnavailable', `no adapter for provider "${input.model.provider}" yet: ${input.model.id} cannot be called (try --simulate or another model)`, { provider: input.model.provider });
    }
    const apiKey = await this.keyFor(provider);
    return callModel(this.deps.http, provider, apiKey, input, this.deps.now);
  }

  private async keyFor(provider: ResolvedProvider): Promise<string> {
    if (this.deps.simulate) {
      // Real keys never go to the simulator.
      return SIMULATED_KEY;
    }
    const key = await this.deps.keyFor(provider.id);
    if (key !== null) {
      return key;
    }
    if (!provider.needsKey) {
      return '';
    }
    throw new RouterError('noApiKey', `no API key for ${provider.id}: run "LLM Router: Set API Key" in VS Code, or set ${provider.id.toUpperCase()}_API_KEY`, { provider: provider.id });
  }
}

/** A failure before anything reached the client is worth trying the next model for. */
export function shouldFallBack(err: RouterError): boolean {
  return err.code !== 'cancelled' && err.code !== 'invalidParams';
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
  const spec = adapter.buildRequest(input.request, { apiModel: input.model.apiModel, stream: input.stream, apiKey, baseUrl: provider.baseUrl });
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
