// POST /v1/messages: Anthropic-compatible, so Claude Code and the official SDK work with their
// base URL pointed at the daemon. Either auth style carries the daemon token (`x-api-key` or
// `Authorization: Bearer`, checked by security.ts); any `anthropic-version`, `anthropic-beta` list
// and `?beta=true` are accepted; unknown optional fields are ignored (what is translated and what
// is refused: providers/anthropic/inbound.ts). A model id the catalog does not list but whose
// provider is plain from its name (Claude Code's default `claude-opus-5-5`) is called as named.
// The request runs through the same chat pipeline as /v1/chat/completions; the decision is in
// x-llm-router-* headers and a `routing` field (on the message, or on the stream's message_delta
// event).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RoutingHeaders } from '../protocol/discovery';
import { httpStatusOf, RouterError } from '../protocol/errors';
import type { StreamEvent } from '../protocol/chat';
import type { ClientContext, RoutingDecision } from '../protocol/routing';
import { AnthropicRequest } from '../providers/anthropic/wire';
import { anthropicErrorBody, AnthropicStreamWriter, fromAnthropicRequest, toAnthropicMessage } from '../providers/anthropic/inbound';
import type { Catalog, CatalogModel } from '../routing/catalog';
import { estimateTokens } from '../routing/router';
import { withTradeoffHeader } from './tradeoffHeader';
import { conversationKeyOf, routingOf, withAffinityHeader, withEffortHint } from './routingHints';
import type { ChatService } from '../service/chatService';
import { summariseIssues } from './dispatch';
import { answerHeaders, costHeader, decisionHeaders, streamHeaders } from './chatCompletions';
import { asRouterError } from './errors';
import { disconnectSignal, sendJson, streamFlusher } from './httpIo';

function parseBody(json: unknown): AnthropicRequest {
  const r = AnthropicRequest.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new RouterError('invalidParams', `invalid Messages request: ${summariseIssues(r.error.issues)}`, { param: first ? first.path.join('.') : null });
  }
  return r.data;
}

/**
 * Clients of Anthropic's API name models by the provider's id (`claude-sonnet-4-20250514`);
 * our catalog ids are shorter (`claude-sonnet-4`). Either routes straight to the model.
 */
export function resolveRequestedModel(catalog: Catalog, requested: string): string {
  if (requested === 'auto' || requested.startsWith('auto:') || catalog.get(requested)) {
    return requested;
  }
  const byApiId = catalog.list().find((m) => m.apiModel === requested);
  return byApiId ? byApiId.id : requested;
}

/** Ours plus Anthropic's own `request-id`, which its SDK surfaces. */
function headersFor(requestId: string, decision: RoutingDecision, model: Pick<CatalogModel, 'id' | 'provider'>, reason: string): Record<string, string> {
  return { ...decisionHeaders(requestId, decision, model, reason), 'request-id': requestId };
}

/** Errors on this endpoint use Anthropic's body shape, so its clients raise the right exception. */
export function sendAnthropicError(res: ServerResponse, e: unknown): void {
  const err = asRouterError(e);
  sendJson(res, httpStatusOf(err.code), { ...anthropicErrorBody(err.code, err.message), code: err.code, ...(err.details ? { details: err.details } : {}) });
}

export async function handleMessages(req: IncomingMessage, res: ServerResponse, json: unknown, chat: ChatService, client: ClientContext, catalog: Catalog): Promise<void> {
  try {
    await serve(req, res, json, chat, client, catalog);
  } catch (e) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendAnthropicError(res, e);
  }
}

const messageIdOf = (requestId: string): string => `msg_${requestId.slice(4)}`;

async function serve(req: IncomingMessage, res: ServerResponse, json: unknown, chat: ChatService, client: ClientContext, catalog: Catalog): Promise<void> {
  const body = parseBody(json);
  const inbound = fromAnthropicRequest(body);
  const signal = disconnectSignal(req, res);
  const requestedModel = resolveRequestedModel(catalog, inbound.model);
  const routing = withEffortHint(requestedModel, withAffinityHeader(withTradeoffHeader(routingOf(json), req.headers), req.headers), inbound.effort);
  const conversation = conversationKeyOf(req.headers, { metadataUserId: inbound.userId });
  const base = {
    endpoint: 'messages' as const,
    requestedModel,
    request: inbound.request,
    routing,
    context: client,
    signal,
    ...(conversation ? { conversation } : {}),
  };

  if (!inbound.stream) {
    const out = await chat.complete({ ...base, stream: false });
    sendJson(res, 200, { ...toAnthropicMessage(out.result, { id: messageIdOf(out.requestId), model: out.routing.model }), routing: out.routing }, answerHeaders(out, headersFor));
    return;
  }

  let decision: RoutingDecision | null = null;
  // The turn's id, known once planning decided (before anything is written).
  let requestId = '';
  let writer: AnthropicStreamWriter | null = null;
  const flush = streamFlusher(res);
  const start = (model: Pick<CatalogModel, 'id' | 'provider'>): AnthropicStreamWriter => {
    if (writer !== null) {
      return writer;
    }
    const d = decision as RoutingDecision;
    res.writeHead(200, streamHeaders(requestId, d, model, headersFor));
    writer = new AnthropicStreamWriter({ id: messageIdOf(requestId), model: model.id, inputTokens: d.inputTokens });
    res.write(writer.start());
    return writer;
  };
  const onEvent = (ev: StreamEvent, model: CatalogModel): void => {
    // finish and usage are written once, from the settled result.
    if (ev.type === 'text' || ev.type === 'tool_call_delta') {
      res.write(start(model).write(ev));
      flush();
    }
  };
  try {
    const out = await chat.complete({
      ...base,
      stream: true,
      onEvent,
      onDecision: (d, turnId) => {
        decision = d;
        requestId = turnId;
      },
    });
    const w = start({ id: out.routing.model, provider: out.routing.provider });
    w.write({ type: 'finish', finishReason: out.result.finishReason });
    w.write({ type: 'usage', usage: out.result.usage });
    res.write(w.end({ routing: out.routing }));
    res.addTrailers({ [RoutingHeaders.cost]: costHeader(out.routing) });
    res.end();
  } catch (e) {
    if (writer === null) {
      throw e;
    }
    const err = asRouterError(e);
    if (!res.destroyed) {
      res.end((writer as AnthropicStreamWriter).error(err.code, err.message));
    }
  }
}

/** POST /v1/messages/count_tokens: an estimate (the router's own count), in Anthropic's shape. */
export function handleCountTokens(res: ServerResponse, json: unknown): void {
  try {
    const body = parseBody({ max_tokens: 1, ...(typeof json === 'object' && json !== null ? json : {}) });
    const inbound = fromAnthropicRequest(body);
    sendJson(res, 200, { input_tokens: estimateTokens(inbound.request.messages) });
  } catch (e) {
    sendAnthropicError(res, e);
  }
}
