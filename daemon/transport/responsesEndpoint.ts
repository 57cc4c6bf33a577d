// POST /v1/responses: OpenAI's Responses API, so scripts on `client.responses.create` and Codex
// CLI (`wire_api = "responses"`) work with their base URL pointed at the daemon. A translation layer
// only (responsesWire.ts): the request becomes the canonical ChatCall and runs through the one chat
// pipeline (routing, budgets, ledger, experiments), like /v1/chat/completions. The decision is in
// x-llm-router-* headers and a `routing` field (on the Response, also in the stream's
// response.completed event). Errors use OpenAI's error body.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RoutingHeaders } from '../protocol/discovery';
import { RouterError } from '../protocol/errors';
import type { StreamEvent } from '../protocol/chat';
import type { ClientContext, RoutingDecision } from '../protocol/routing';
import type { Catalog, CatalogModel } from '../routing/catalog';
import type { ChatService } from '../service/chatService';
import { answerHeaders, costHeader, streamHeaders } from './chatCompletions';
import { summariseIssues } from './dispatch';
import { asRouterError } from './errors';
import { disconnectSignal, sendJson, streamFlusher } from './httpIo';
import { resolveRequestedModel } from './messagesEndpoint';
import { fromResponsesRequest, outputItems, responseObject, ResponsesBody, ResponsesStreamWriter, statusOf, type ResponseMeta } from './responsesWire';
import { conversationKeyOf, routingOf, withAffinityHeader, withEffortHint } from './routingHints';
import { withTradeoffHeader } from './tradeoffHeader';

function parseBody(json: unknown): ResponsesBody {
  const r = ResponsesBody.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new RouterError('invalidParams', `invalid Responses request: ${summariseIssues(r.error.issues)}`, { param: first ? first.path.join('.') : null });
  }
  return r.data;
}

/** Names the built-in tools left out of the request (responsesTools.ts), so the caller can see it. */
function withDropped(headers: Record<string, string>, dropped: readonly string[]): Record<string, string> {
  if (dropped.length > 0) {
    headers[RoutingHeaders.droppedTools] = dropped.join(', ');
  }
  return headers;
}

export async function handleResponses(req: IncomingMessage, res: ServerResponse, json: unknown, chat: ChatService, client: ClientContext, catalog: Catalog): Promise<void> {
  const body = parseBody(json);
  const inbound = fromResponsesRequest(body);
  const signal = disconnectSignal(req, res);
  const started = Date.now();
  const requestedModel = resolveRequestedModel(catalog, body.model);
  const routing = withEffortHint(requestedModel, withAffinityHeader(withTradeoffHeader(routingOf(json), req.headers), req.headers), inbound.effort);
  const conversation = conversationKeyOf(req.headers, { promptCacheKey: body.prompt_cache_key, user: body.user });
  const base = {
    endpoint: 'responses' as const,
    requestedModel,
    request: inbound.request,
    routing,
    context: client,
    signal,
    ...(conversation ? { conversation } : {}),
  };
  const meta = (requestId: string, model: string): ResponseMeta => ({ id: `resp_${requestId.slice(4)}`, createdAt: Math.floor(started / 1000), model, echo: inbound.echo });

  if (!inbound.stream) {
    const out = await chat.complete({ ...base, stream: false });
    const output = outputItems(out.result, inbound.tools, out.requestId.slice(4));
    const response = responseObject(meta(out.requestId, out.routing.model), { status: statusOf(out.result.finishReason), output, usage: out.result.usage, finish: out.result.finishReason });
    sendJson(res, 200, { ...response, routing: out.routing }, withDropped(answerHeaders(out), inbound.tools.dropped));
    return;
  }

  let decision: RoutingDecision | null = null;
  // The turn's id, known once planning decided (before anything is written).
  let requestId = '';
  let writer: ResponsesStreamWriter | null = null;
  const flush = streamFlusher(res);
  const start = (model: Pick<CatalogModel, 'id' | 'provider'>): ResponsesStreamWriter => {
    if (writer !== null) {
      return writer;
    }
    const d = decision as RoutingDecision;
    res.writeHead(200, withDropped(streamHeaders(requestId, d, model), inbound.tools.dropped));
    writer = new ResponsesStreamWriter(meta(requestId, model.id), inbound.tools);
    res.write(writer.start());
    return writer;
  };
  const onEvent = (ev: StreamEvent, model: CatalogModel): void => {
    if (ev.type === 'text' || ev.type === 'tool_call_delta') {
      const w = start(model);
      const frames = w.write(ev);
      if (frames !== '') {
        res.write(frames);
      }
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
    res.write(w.end(out.result, { routing: out.routing }));
    res.addTrailers({ [RoutingHeaders.cost]: costHeader(out.routing) });
    res.end();
  } catch (e) {
    if (writer === null) {
      throw e;
    }
    const err = asRouterError(e);
    if (!res.destroyed) {
      res.end((writer as ResponsesStreamWriter).fail(err.code, err.message));
    }
  }
}
