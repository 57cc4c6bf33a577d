// The other direction: a client speaking Anthropic's Messages API to us (Claude Code, the
// official SDK) → canonical request, and canonical answers → Anthropic messages and its exact SSE
// event sequence. Used by /v1/messages and by the simulator's Anthropic format.
// Translation choices: tool_result blocks become `tool` messages placed before the rest of their
// user turn (as OpenAI orders them); `is_error` results are prefixed "[tool error]"; thinking
// blocks in the history are the model's own reasoning and are not sent to other providers;
// `cache_control` is a hint, accepted and not forwarded; server tools (web search, bash, …) and
// `top_k` have no canonical equivalent and are unsupportedFeature errors, named. A `system`
// message inside `messages` stays a system message at its place (each provider adapter puts
// instructions where its format wants them). `thinking` (adaptive or budgeted, any display),
// `context_management` and the beta headers are accepted and not forwarded: the canonical request
// has no equivalent, and the answer is the same shape without them. `output_config.effort` and
// `metadata.user_id` are returned for routing (effort hint, conversation key).
import type { ChatMessage, ChatRequest, ChatResult, ContentPart, FinishReason, StreamEvent, ToolCall, ToolDefinition, Usage } from '../../protocol/chat';
import { RouterError, type ErrorCode } from '../../protocol/errors';
import type { AnthropicInputBlock, AnthropicRequest } from './wire';

function unsupported(what: string): RouterError {
  return new RouterError('unsupportedFeature', `the Messages endpoint cannot translate ${what}`, { feature: what });
}

type Block = AnthropicInputBlock;

function imagePart(b: Extract<Block, { type: 'image' }>): ContentPart {
  const url = b.source.type === 'base64' ? `data:${b.source.media_type};base64,${b.source.data}` : b.source.url;
  return { type: 'image_url', image_url: { url } };
}

function toolResultText(b: Extract<Block, { type: 'tool_result' }>): string {
  const c = b.content;
  let text: string;
  if (c === undefined) {
    text = '';
  } else if (typeof c === 'string') {
    text = c;
  } else {
    text = c
      .map((p) => {
        if (p.type !== 'text') {
          throw unsupported('an image inside a tool_result');
        }
        return p.text;
      })
      .join('\n');
  }
  return b.is_error === true ? `[tool error] ${text}` : text;
}

function userMessages(content: AnthropicRequest['messages'][number]['content']): ChatMessage[] {
  if (typeof content === 'string') {
    return [{ role: 'user', content }];
  }
  const tools: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  for (const b of content) {
    switch (b.type) {
      case 'text':
        parts.push({ type: 'text', text: b.text });
        break;
      case 'image':
        parts.push(imagePart(b));
        break;
      case 'tool_result':
        tools.push({ role: 'tool', tool_call_id: b.tool_use_id, content: toolResultText(b) });
        break;
      case 'tool_use':
        throw new RouterError('invalidRequest', 'tool_use blocks belong in assistant turns');
      default:
        break;
    }
  }
  if (parts.length === 0) {
    return tools;
  }
  const allText = parts.every((p) => p.type === 'text');
  const userContent = allText ? parts.map((p) => (p.type === 'text' ? p.text : '')).join('\n') : parts;
  return [...tools, { role: 'user', content: userContent }];
}

function assistantMessage(content: AnthropicRequest['messages'][number]['content']): ChatMessage {
  if (typeof content === 'string') {
    return { role: 'assistant', content };
  }
  let text = '';
  const calls: ToolCall[] = [];
  for (const b of content) {
    if (b.type === 'text') {
      text += b.text;
    } else if (b.type === 'tool_use') {
      calls.push({ id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) } });
    } else if (b.type === 'image' || b.type === 'tool_result') {
      throw unsupported(`a ${b.type} block in an assistant turn`);
    }
  }
  const m: ChatMessage = { role: 'assistant', content: calls.length > 0 && text === '' ? null : text };
  if (calls.length > 0) {
    m.tool_calls = calls;
  }
  return m;
}

export interface InboundMessagesRequest {
  model: string;
  stream: boolean;
  request: ChatRequest;
  /** `output_config.effort`, a routing hint. */
  effort?: string | undefined;
  /** `metadata.user_id`: Claude Code puts its session id there (a conversation key). */
  userId?: string | undefined;
}

function systemText(content: AnthropicRequest['messages'][number]['content']): string {
  if (typeof content === 'string') {
    return content;
  }
  return content
    .map((b) => {
      if (b.type !== 'text') {
        throw unsupported(`a ${b.type} block in a system message`);
      }
      return b.text;
    })
    .join('\n\n');
}

export function fromAnthropicRequest(body: AnthropicRequest): InboundMessagesRequest {
  if (body.top_k !== undefined) {
    throw unsupported('top_k');
  }
  const messages: ChatMessage[] = [];
  if (body.system !== undefined) {
    const system = typeof body.system === 'string' ? body.system : body.system.map((b) => b.text).join('\n\n');
    if (system !== '') {
      messages.push({ role: 'system', content: system });
    }
  }
  for (const m of body.messages) {
    if (m.role === 'user') {
      messages.push(...userMessages(m.content));
    } else if (m.role === 'system') {
      const text = systemText(m.content);
      if (text !== '') {
        messages.push({ role: 'system', content: text });
      }
    } else {
      messages.push(assistantMessage(m.content));
    }
  }
  const request: ChatRequest = { messages, max_tokens: body.max_tokens };
  if (body.temperature !== undefined) {
    request.temperature = body.temperature;
  }
  if (body.top_p !== undefined) {
    request.top_p = body.top_p;
  }
  if (body.stop_sequences !== undefined && body.stop_sequences.length > 0) {
    if (body.stop_sequences.length > 16) {
      throw unsupported(`${body.stop_sequences.length} stop sequences (at most 16)`);
    }
    request.stop = body.stop_sequences;
  }
  if (body.tools !== undefined && body.tools.length > 0) {
    request.tools = body.tools.map((t): ToolDefinition => {
      if (t.type !== undefined && t.type !== 'custom') {
        throw unsupported(`the server tool "${t.name}" (${t.type})`);
      }
      if (t.input_schema === undefined) {
        throw new RouterError('invalidParams', `invalid Messages request: tool "${t.name}" has no input_schema`, { param: 'tools' });
      }
      const fn: ToolDefinition['function'] = { name: t.name, parameters: t.input_schema };
      if (t.description !== undefined) {
        fn.description = t.description;
      }
      return { type: 'function', function: fn };
    });
  }
  const tc = body.tool_choice;
  if (tc !== undefined) {
    request.tool_choice = tc.type === 'auto' ? 'auto' : tc.type === 'any' ? 'required' : tc.type === 'none' ? 'none' : { type: 'function', function: { name: tc.name } };
  }
  const userId = body.metadata?.user_id;
  return { model: body.model, stream: body.stream === true, request, effort: body.output_config?.effort, userId: typeof userId === 'string' && userId !== '' ? userId : undefined };
}

export function stopReasonOf(finish: FinishReason | undefined): string {
  switch (finish) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

/** Our inputTokens includes cache reads and writes; Anthropic reports them apart. */
export function anthropicUsage(u: Usage): Record<string, number> {
  return {
    input_tokens: Math.max(0, u.inputTokens - u.cachedInputTokens - u.cacheWriteTokens),
    output_tokens: u.outputTokens,
    cache_creation_input_tokens: u.cacheWriteTokens,
    cache_read_input_tokens: u.cachedInputTokens,
  };
}

function parseInput(args: string): unknown {
  try {
    return args.trim() === '' ? {} : JSON.parse(args);
  } catch {
    return { _raw: args };
  }
}

export function toAnthropicMessage(result: ChatResult, o: { id: string; model: string }): Record<string, unknown> {
  const content: Record<string, unknown>[] = [];
  if (result.text !== '') {
    content.push({ type: 'text', text: result.text });
  }
  for (const c of result.toolCalls) {
    content.push({ type: 'tool_use', id: c.id, name: c.function.name, input: parseInput(c.function.arguments) });
  }
  return {
    id: o.id,
    type: 'message',
    role: 'assistant',
    model: o.model,
    content,
    stop_reason: stopReasonOf(result.finishReason),
    stop_sequence: null,
    usage: anthropicUsage(result.usage),
  };
}

export function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Turns canonical stream events into Anthropic's sequence: message_start, ping, then per content
 * block content_block_start / *_delta / content_block_stop, then message_delta and message_stop.
 */
export class AnthropicStreamWriter {
  private block = -1;
  private openKind: 'text' | 'tool' | null = null;
  private readonly toolBlocks = new Map<number, number>();
  private finish: FinishReason | undefined;
  private usage: Usage | undefined;

  constructor(private readonly o: { id: string; model: string; inputTokens: number }) {}

  start(): string {
    const message = {
      id: this.o.id,
      type: 'message',
      role: 'assistant',
      model: this.o.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: this.o.inputTokens, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    };
    return sseFrame('message_start', { type: 'message_start', message }) + sseFrame('ping', { type: 'ping' });
  }

  write(e: StreamEvent): string {
    switch (e.type) {
      case 'text': {
        if (e.text === '') {
          return '';
        }
        let out = '';
        if (this.openKind !== 'text') {
          out += this.close();
          this.block++;
          this.openKind = 'text';
          out += sseFrame('content_block_start', { type: 'content_block_start', index: this.block, content_block: { type: 'text', text: '' } });
        }
        return out + sseFrame('content_block_delta', { type: 'content_block_delta', index: this.block, delta: { type: 'text_delta', text: e.text } });
      }
      case 'tool_call_delta': {
        let out = '';
        let index = this.toolBlocks.get(e.index);
        if (index === undefined) {
          out += this.close();
          this.block++;
          index = this.block;
          this.toolBlocks.set(e.index, index);
          this.openKind = 'tool';
          out += sseFrame('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: e.id ?? `toolu_${this.o.id}_${e.index}`, name: e.name ?? '', input: {} } });
        }
        if (e.arguments !== undefined && e.arguments !== '') {
          out += sseFrame('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: e.arguments } });
        }
        return out;
      }
      case 'finish':
        this.finish = e.finishReason;
        return '';
      case 'usage':
        this.usage = e.usage;
        return '';
    }
  }

  /** `extra` adds fields to message_delta (the daemon's `routing`); clients ignore fields they do not know. */
  end(extra: Record<string, unknown> = {}): string {
    const usage = this.usage ? anthropicUsage(this.usage) : { output_tokens: 0 };
    return (
      this.close() +
      sseFrame('message_delta', { type: 'message_delta', delta: { stop_reason: stopReasonOf(this.finish), stop_sequence: null }, usage, ...extra }) +
      sseFrame('message_stop', { type: 'message_stop' })
    );
  }

  /** An error after the stream started: Anthropic's `error` event (the client raises it). */
  error(code: ErrorCode, message: string): string {
    return this.close() + sseFrame('error', { type: 'error', error: { type: anthropicErrorType(code), message } });
  }

  private close(): string {
    if (this.openKind === null) {
      return '';
    }
    this.openKind = null;
    return sseFrame('content_block_stop', { type: 'content_block_stop', index: this.block });
  }
}

export function anthropicErrorType(code: ErrorCode): string {
  switch (code) {
    case 'unauthorized':
      return 'authentication_error';
    case 'forbiddenOrigin':
      return 'permission_error';
    case 'notFound':
    case 'unknownModel':
      return 'not_found_error';
    case 'budgetExceeded':
      return 'billing_error';
    case 'providerRateLimited':
      return 'rate_limit_error';
    case 'providerTimeout':
      return 'timeout_error';
    case 'providerUnavailable':
      return 'overloaded_error';
    case 'payloadTooLarge':
      return 'request_too_large';
    case 'parseError':
    case 'invalidRequest':
    case 'invalidParams':
    case 'unknownPolicy':
    case 'noCandidate':
    case 'contextTooLong':
    case 'unsupportedFeature':
    case 'providerContextLength':
    case 'providerContentPolicy':
    case 'noApiKey':
      return 'invalid_request_error';
    default:
      return 'api_error';
  }
}

/** Anthropic's error body: `{"type":"error","error":{"type":…,"message":…}}`. */
export function anthropicErrorBody(code: ErrorCode, message: string): Record<string, unknown> {
  return { type: 'error', error: { type: anthropicErrorType(code), message } };
}
