// POST /v1/chat/completions: OpenAI-compatible, streamed or not. The answer carries the routing
// decision in a `routing` field and in x-llm-router-* headers; a stream's last data chunk before
// [DONE] carries `usage` and `routing` with the actual cost.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { ChatMessage, GenerationParams, type ChatResult, type FinishReason, type StreamEvent, type Usage } from '../protocol/chat';
import { RoutingHeaders } from '../protocol/discovery';
import { RouterError } from '../protocol/errors';
import { RoutingOptions, type ClientContext, type RoutingDecision, type RoutingInfo } from '../protocol/routing';
import { toChatRequest } from '../handlers/request';
import type { ChatOutcome, ChatService } from '../service/chatService';
import type { CatalogModel } from '../routing/catalog';
import { summariseIssues } from './dispatch';
import { commonChatBody } from './commonChatBody';
import { withTradeoffHeader } from './tradeoffHeader';
import { conversationKeyOf, withAffinityHeader } from './routingHints';
import { asRouterError, httpErrorOf } from './errors';
import { disconnectSignal, headerSafe, sendJson, streamFlusher } from './httpIo';

/** Unknown fields are ignored: real clients send many we have no use for. */
export const ChatCompletionsBody = GenerationParams.extend({
  model: z.string().min(1).max(200),
  messages: z.array(ChatMessage).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  n: z.number().int().positive().nullish(),
  user: z.string().nullish(),
  /** Our extension: routing constraints and preferences. */
  routing: RoutingOptions.optional(),
}).loose();
export type ChatCompletionsBody = z.infer<typeof ChatCompletionsBody>;

export function parseChatCompletionsBody(json: unknown): ChatCompletionsBody {
  // The common shape is checked by hand without copying; anything else (and every error) is zod's.
  const data = commonChatBody(json) ?? zodChatBody(json);
  if ((data.n ?? 1) !== 1) {
    throw new RouterError('unsupportedFeature', 'n > 1 is not supported: send one request per answer');
  }
  return data;
}

function zodChatBody(json: unknown): ChatCompletionsBody {
  const r = ChatCompletionsBody.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new RouterError('invalidParams', `invalid chat completion request: ${summariseIssues(r.error.issues)}`, { param: first ? first.path.join('.') : null });
  }
  return r.data;
}

function finishReasonOut(r: FinishReason): string {
  return r === 'error' ? 'stop' : r;
}

export function usageOut(u: Usage): Record<string, unknown> {
  return {
    prompt_tokens: u.inputTokens,
    completion_tokens: u.outputTokens,
    total_tokens: u.inputTokens + u.outputTokens,
    prompt_tokens_details: { cached_tokens: u.cachedInputTokens },
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens },
  };
}

export function costHeader(routing: Pick<RoutingInfo, 'actualCostUsd' | 'costState'>): string {
  return routing.costState === 'known' && routing.actualCostUsd !== null ? routing.actualCostUsd.toFixed(8) : 'unknown';
}

/**
 * The head of a streamed answer on every endpoint: SSE, the decision's headers (naming the fallback
 * that answered, when one did), and the cost, known only at the end, announced as a trailer.
 */
export function streamHeaders(requestId: string, decision: RoutingDecision, model: Pick<CatalogModel, 'id' | 'provider'>, headers: (requestId: string, decision: RoutingDecision, model: Pick<CatalogModel, 'id' | 'provider'>, reason: string) => Record<string, string> = decisionHeaders): Record<string, string> {
  return {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    trailer: RoutingHeaders.cost,
    ...headers(requestId, decision, model, model.id === decision.model ? decision.reason : `answered by fallback ${model.id}`),
  };
}

/** The x-llm-router-* headers every answer carries (every compatible endpoint). */
export function decisionHeaders(requestId: string, decision: RoutingDecision, model: Pick<CatalogModel, 'id' | 'provider'>, reason: string): Record<string, string> {
  const headers: Record<string, string> = {
    [RoutingHeaders.requestId]: requestId,
    [RoutingHeaders.model]: model.id,
    [RoutingHeaders.provider]: model.provider,
    [RoutingHeaders.reason]: headerSafe(reason),
    [RoutingHeaders.tradeoff]: decision.tradeoff,
  };
  if (decision.substitutedFor !== undefined) {
    headers[RoutingHeaders.substitutedFor] = decision.substitutedFor;
  }
  return headers;
}

/**
 * The head of a whole (non-streamed) answer on every endpoint: the decision's headers for the model
 * that answered, with the endpoint's own (`headers`, e.g. Anthropic's request-id), and the cost.
 */
export function answerHeaders(out: Pick<ChatOutcome, 'requestId' | 'decision' | 'routing'>, headers: typeof decisionHeaders = decisionHeaders): Record<string, string> {
  const h = headers(out.requestId, out.decision, { id: out.routing.model, provider: out.routing.provider }, out.routing.reason);
  h[RoutingHeaders.cost] = costHeader(out.routing);
  return h;
}

function completionBody(requestId: string, created: number, result: ChatResult, routing: RoutingInfo): Record<string, unknown> {
  const message: Record<string, unknown> = { role: 'assistant', content: result.toolCalls.length > 0 && result.text === '' ? null : result.text, refusal: null };
  if (result.toolCalls.length > 0) {
    message.tool_calls = result.toolCalls;
  }
  return {
    id: `chatcmpl-${requestId}`,
    object: 'chat.completion',
    created,
    model: routing.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReasonOut(result.finishReason) }],
    usage: usageOut(result.usage),
    routing,
  };
}

export async function handleChatCompletions(req: IncomingMessage, res: ServerResponse, json: unknown, chat: ChatService, client: ClientContext): Promise<void> {
  const body = parseChatCompletionsBody(json);
  const request = toChatRequest({ ...body, max_tokens: body.max_tokens ?? body.max_completion_tokens ?? undefined });
  const signal = disconnectSignal(req, res);
  const created = Math.floor(Date.now() / 1000);
  const conversation = conversationKeyOf(req.headers, { promptCacheKey: typeof body.prompt_cache_key === 'string' ? body.prompt_cache_key : undefined, user: body.user });
  const base = {
    endpoint: 'chat.completions' as const,
    requestedModel: body.model,
    request,
    routing: withAffinityHeader(withTradeoffHeader(body.routing, req.headers), req.headers),
    context: client,
    signal,
    ...(conversation ? { conversation } : {}),
  };

  if (body.stream !== true) {
    const out = await chat.complete({ ...base, stream: false });
    sendJson(res, 200, completionBody(out.requestId, created, out.result, out.routing), answerHeaders(out));
    return;
  }

  let decision: RoutingDecision | null = null;
  // The turn's id, known once planning decided (before anything is written).
  let requestId = '';
  let id = '';
  const flush = streamFlusher(res);
  const write = (model: string, choices: unknown[], extra: Record<string, unknown> = {}): void => {
    res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices, ...extra })}\n\n`);
  };
  const start = (model: CatalogModel): void => {
    if (res.headersSent || decision === null) {
      return;
    }
    res.writeHead(200, streamHeaders(requestId, decision, model));
    write(model.id, [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
  };
  const onEvent = (ev: StreamEvent, model: CatalogModel): void => {
    if (ev.type !== 'text' && ev.type !== 'tool_call_delta') {
      // finish and usage are sent once, from the settled result.
      return;
    }
    start(model);
    if (ev.type === 'text') {
      write(model.id, [{ index: 0, delta: { content: ev.text }, logprobs: null, finish_reason: null }]);
    } else {
      const call: Record<string, unknown> = { index: ev.index };
      if (ev.id !== undefined) {
        call.id = ev.id;
        call.type = 'function';
      }
      const fn: Record<string, string> = {};
      if (ev.name !== undefined) {
        fn.name = ev.name;
      }
      if (ev.arguments !== undefined) {
        fn.arguments = ev.arguments;
      }
      call.function = fn;
      write(model.id, [{ index: 0, delta: { tool_calls: [call] }, logprobs: null, finish_reason: null }]);
    }
    flush();
  };
  try {
    const out = await chat.complete({
      ...base,
      stream: true,
      onEvent,
      onDecision: (d, turnId) => {
        decision = d;
        requestId = turnId;
        id = `chatcmpl-${turnId}`;
      },
    });
    const model = { id: out.routing.model, provider: out.routing.provider } as CatalogModel;
    start(model);
    write(model.id, [{ index: 0, delta: {}, logprobs: null, finish_reason: finishReasonOut(out.result.finishReason) }]);
    write(model.id, [], { usage: usageOut(out.result.usage), routing: out.routing });
    res.write('data: [DONE]\n\n');
    res.addTrailers({ [RoutingHeaders.cost]: costHeader(out.routing) });
    res.end();
  } catch (e) {
    if (!res.headersSent) {
      throw e;
    }
    // Mid-stream failure: OpenAI's clients raise an error event as an APIError.
    const err = httpErrorOf(asRouterError(e));
    if (!res.destroyed) {
      res.write(`data: ${JSON.stringify(err.body)}\n\n`);
      res.end();
    }
  }
}
