// Anthropic's Messages wire format, served for real: `x-api-key` auth, Message objects with
// cache-aware usage, the full SSE event sequence (message_start, ping, content blocks,
// message_delta, message_stop), Anthropic error bodies and `retry-after` on 429/529. Prompt caching
// as Anthropic does it: only for requests that mark blocks with `cache_control`.
import { fromAnthropicRequest, AnthropicStreamWriter, toAnthropicMessage } from '../../providers/anthropic/inbound';
import { AnthropicRequest } from '../../providers/anthropic/wire';
import type { ChatResult, StreamEvent } from '../../protocol/chat';
import { answerFor, CACHE_MIN_TOKENS, messageText, streamPieces, type SimulatedAnswer } from '../answer';
import { applyTransportFault, cutConnection, cutJson, pieceDelay, type Fault } from '../faults';
import { sendJson, sleep, type SimCall, type SimFormat } from '../wire';

function errorType(fault: Extract<Fault, { kind: 'error' }>): string {
  if (fault.status === 429) {
    return 'rate_limit_error';
  }
  if (fault.status === 401) {
    return 'authentication_error';
  }
  if (fault.status === 503 || fault.status === 529) {
    return 'overloaded_error';
  }
  return fault.status >= 500 ? 'api_error' : 'invalid_request_error';
}

function sendError(call: SimCall, status: number, type: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(call.res, status, { type: 'error', error: { type, message } }, { 'request-id': `req_sim_${call.seq}`, ...headers });
}

function resultOf(a: SimulatedAnswer, model: string, cache: { read: number; write: number }): ChatResult {
  return {
    text: a.text,
    toolCalls: a.toolCalls.map((t) => ({ id: t.id.replace(/^call_/, 'toolu_'), type: 'function', function: { name: t.name, arguments: t.arguments } })),
    finishReason: a.finishReason,
    usage: { inputTokens: a.promptTokens, outputTokens: a.completionTokens, cachedInputTokens: cache.read, cacheWriteTokens: cache.write, reasoningTokens: 0 },
    providerModel: model,
  };
}

/** Anthropic caches only what a request marks with `cache_control` (system or message blocks). */
function marksCache(body: AnthropicRequest): boolean {
  const marked = (blocks: unknown): boolean => Array.isArray(blocks) && blocks.some((b) => typeof b === 'object' && b !== null && 'cache_control' in b && (b as { cache_control?: unknown }).cache_control !== undefined && (b as { cache_control?: unknown }).cache_control !== null);
  return marked(body.system) || body.messages.some((m) => marked(m.content));
}

/**
 * Anthropic's rules for thinking that a translating gateway can break, refused as Anthropic does
 * (400 invalid_request_error, its wording): budgeted thinking with a forced tool choice, and
 * thinking on while the final assistant turn called tools without starting with its thinking block.
 */
function thinkingRefusal(body: AnthropicRequest): string | null {
  const type = body.thinking?.type;
  if (type !== 'enabled' && type !== 'adaptive') {
    return null;
  }
  if (type === 'enabled' && (body.tool_choice?.type === 'any' || body.tool_choice?.type === 'tool')) {
    return 'Thinking may not be enabled when tool_choice forces tool use.';
  }
  for (let i = body.messages.length - 1; i >= 0; i--) {
    const m = body.messages[i];
    if (m?.role !== 'assistant') {
      continue;
    }
    const blocks = typeof m.content === 'string' ? [] : (m.content as { type: string }[]);
    const first = blocks[0]?.type;
    if (blocks.some((b) => b.type === 'tool_use') && first !== 'thinking' && first !== 'redacted_thinking') {
      return (
        `messages.${i}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${first ?? 'text'}\`. When \`thinking\` is enabled, ` +
        'a final `assistant` message must start with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). ' +
        'We recommend you include thinking blocks from previous turns. To avoid this requirement, disable `thinking`. (simulated)'
      );
    }
    return null;
  }
  return null;
}

export const anthropicFormat: SimFormat = {
  name: 'anthropic',
  matches: (method, path) => method === 'POST' && /\/messages$/.test(path),
  async handle(call) {
    if (typeof call.req.headers['x-api-key'] !== 'string' || call.req.headers['x-api-key'] === '') {
      sendError(call, 401, 'authentication_error', 'x-api-key header is required (simulated)');
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(call.body);
    } catch {
      sendError(call, 400, 'invalid_request_error', 'The request body is not valid JSON.');
      return;
    }
    const parsed = AnthropicRequest.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      sendError(call, 400, 'invalid_request_error', `${issue?.path.join('.') ?? 'body'}: ${issue?.message ?? 'invalid'}`);
      return;
    }
    const refused = thinkingRefusal(parsed.data);
    if (refused !== null) {
      sendError(call, 400, 'invalid_request_error', refused);
      return;
    }
    const inbound = fromAnthropicRequest(parsed.data);
    const model = parsed.data.model;
    const fault = call.faultFor({ provider: call.provider, model, stream: inbound.stream, promptText: inbound.request.messages.map((m) => messageText(m)).join('\n') });
    if (fault?.kind === 'delay') {
      await sleep(fault.ms);
    }
    if (fault?.kind === 'error') {
      const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
      const message = fault.code === 'context_length_exceeded' ? `prompt is too long: ${fault.message}` : fault.message;
      sendError(call, fault.status, errorType(fault), message, headers);
      return;
    }
    if (await applyTransportFault(call, fault, inbound.stream)) {
      return;
    }
    const tc = inbound.request.tool_choice;
    const answer = answerFor({
      model,
      messages: inbound.request.messages,
      tools: inbound.request.tools,
      toolChoice: tc === undefined ? undefined : typeof tc === 'string' ? tc : tc.function.name,
      maxTokens: parsed.data.max_tokens,
    });
    // A marked prompt reads the prefix an earlier marked request wrote, and writes the rest.
    const read = marksCache(parsed.data) ? call.promptCache?.take(model, inbound.request.messages) ?? 0 : 0;
    const write = marksCache(parsed.data) && answer.promptTokens >= CACHE_MIN_TOKENS ? answer.promptTokens - read : 0;
    const result = resultOf(answer, model, { read, write });
    const id = `msg_sim${String(call.seq).padStart(6, '0')}`;
    const headers = { 'request-id': `req_sim_${call.seq}`, 'anthropic-ratelimit-requests-remaining': '999' };
    await sleep(call.pacing.ttftMs);
    const delay = pieceDelay(call.pacing, fault);
    if (!inbound.stream) {
      await sleep(delay * answer.completionTokens);
      if (fault?.kind === 'cut') {
        cutJson(call.res, headers);
        return;
      }
      sendJson(call.res, 200, toAnthropicMessage(result, { id, model }), headers);
      return;
    }
    const res = call.res;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers });
    const writer = new AnthropicStreamWriter({ id, model, inputTokens: answer.promptTokens });
    res.write(writer.start());
    const events: StreamEvent[] = [];
    result.toolCalls.forEach((c, index) => {
      events.push({ type: 'tool_call_delta', index, id: c.id, name: c.function.name, arguments: '' });
      for (const part of streamPieces(c.function.arguments)) {
        events.push({ type: 'tool_call_delta', index, arguments: part });
      }
    });
    for (const text of streamPieces(result.text)) {
      events.push({ type: 'text', text });
    }
    let sent = 0;
    for (const e of events) {
      if (res.destroyed) {
        return;
      }
      if (fault?.kind === 'cut' && sent >= fault.afterPieces) {
        cutConnection(res);
        return;
      }
      res.write(writer.write(e));
      sent++;
      await sleep(delay);
    }
    if (fault?.kind === 'cut') {
      cutConnection(res);
      return;
    }
    writer.write({ type: 'finish', finishReason: result.finishReason });
    writer.write({ type: 'usage', usage: result.usage });
    res.end(writer.end());
  },
};
