// Anthropic Messages answers (whole and streamed) → canonical results and stream events.
import type { ChatResult, FinishReason, StreamEvent, ToolCall, Usage } from '../../protocol/chat';
import { ProviderError, type StreamParser } from '../adapter';
import { classifyHttpFailure, malformedAnswer } from '../resilience/classify';
import { SseDecoder } from '../sseDecoder';
import { AnthropicResponse, AnthropicStreamEvent, type AnthropicUsage } from './wire';

export function finishReasonOf(stop: string | null | undefined): FinishReason {
  switch (stop) {
    case 'max_tokens':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/** Anthropic's input_tokens excludes cache reads and writes; our inputTokens is the whole prompt. */
export function usageOf(u: AnthropicUsage | undefined, previous?: Usage): Usage {
  const read = u?.cache_read_input_tokens ?? previous?.cachedInputTokens ?? 0;
  const write = u?.cache_creation_input_tokens ?? previous?.cacheWriteTokens ?? 0;
  const uncached = u?.input_tokens ?? (previous ? previous.inputTokens - previous.cachedInputTokens - previous.cacheWriteTokens : 0);
  return {
    inputTokens: uncached + read + write,
    outputTokens: u?.output_tokens ?? previous?.outputTokens ?? 0,
    cachedInputTokens: read,
    cacheWriteTokens: write,
    reasoningTokens: 0,
  };
}

function parseJson(body: string, what: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new ProviderError(malformedAnswer('anthropic', `${what} that is not JSON`));
  }
}

export function parseAnthropicResponse(body: string): ChatResult {
  const parsed = AnthropicResponse.safeParse(parseJson(body, 'a response'));
  if (!parsed.success) {
    throw new ProviderError(malformedAnswer('anthropic', 'a response that is not a Messages object'));
  }
  const msg = parsed.data;
  let text = '';
  const toolCalls: ToolCall[] = [];
  for (const block of msg.content) {
    if (block.type === 'text' && typeof block.text === 'string') {
      text += block.text;
    } else if (block.type === 'tool_use' && typeof block.id === 'string' && typeof block.name === 'string') {
      toolCalls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } });
    }
    // thinking / redacted_thinking blocks are the model's hidden reasoning, not part of the answer.
  }
  return { text, toolCalls, finishReason: finishReasonOf(msg.stop_reason), usage: usageOf(msg.usage), providerModel: msg.model };
}

/** Stream errors arrive as an `error` event after a 200; they are classified like HTTP errors. */
function streamErrorStatus(type: string): number {
  switch (type) {
    case 'overloaded_error':
      return 529;
    case 'rate_limit_error':
      return 429;
    case 'invalid_request_error':
      return 400;
    case 'authentication_error':
      return 401;
    case 'permission_error':
      return 403;
    case 'request_too_large':
      return 413;
    default:
      return 500;
  }
}

export class AnthropicStreamParser implements StreamParser {
  private readonly sse = new SseDecoder();
  private readonly toolIndexByBlock = new Map<number, number>();
  private usage: Usage | undefined;
  private stopped = false;

  push(text: string): StreamEvent[] {
    const out: StreamEvent[] = [];
    for (const e of this.sse.push(text)) {
      this.handle(e.data, out);
    }
    return out;
  }

  end(): StreamEvent[] {
    const out: StreamEvent[] = [];
    for (const e of this.sse.end()) {
      this.handle(e.data, out);
    }
    if (!this.stopped) {
      throw new ProviderError(malformedAnswer('anthropic', 'a stream that ended before message_stop'));
    }
    return out;
  }

  private handle(data: string, out: StreamEvent[]): void {
    const parsed = AnthropicStreamEvent.safeParse(parseJson(data, 'a stream event'));
    if (!parsed.success) {
      throw new ProviderError(malformedAnswer('anthropic', 'an unknown stream event'));
    }
    const ev = parsed.data;
    switch (ev.type) {
      case 'message_start':
        this.usage = usageOf(ev.message.usage);
        break;
      case 'content_block_start': {
        const block = ev.content_block;
        if (block.type === 'tool_use' && typeof block.id === 'string' && typeof block.name === 'string') {
          const index = this.toolIndexByBlock.size;
          this.toolIndexByBlock.set(ev.index, index);
          out.push({ type: 'tool_call_delta', index, id: block.id, name: block.name, arguments: '' });
        } else if (block.type === 'text' && typeof block.text === 'string' && block.text !== '') {
          out.push({ type: 'text', text: block.text });
        }
        break;
      }
      case 'content_block_delta': {
        const d = ev.delta;
        if (d.type === 'text_delta' && 'text' in d && typeof d.text === 'string') {
          out.push({ type: 'text', text: d.text });
        } else if (d.type === 'input_json_delta' && 'partial_json' in d && typeof d.partial_json === 'string') {
          const index = this.toolIndexByBlock.get(ev.index);
          if (index !== undefined && d.partial_json !== '') {
            out.push({ type: 'tool_call_delta', index, arguments: d.partial_json });
          }
        }
        break;
      }
      case 'message_delta':
        // message_delta usage is cumulative (output_tokens so far, input counts when present).
        this.usage = usageOf(ev.usage, this.usage);
        if (ev.delta.stop_reason !== undefined && ev.delta.stop_reason !== null) {
          out.push({ type: 'finish', finishReason: finishReasonOf(ev.delta.stop_reason) });
        }
        break;
      case 'message_stop':
        this.stopped = true;
        out.push({ type: 'usage', usage: this.usage ?? usageOf(undefined) });
        break;
      case 'error':
        throw new ProviderError(classifyHttpFailure('anthropic', streamErrorStatus(ev.error.type), {}, { type: ev.error.type, message: ev.error.message }));
      case 'content_block_stop':
      case 'ping':
        break;
    }
  }
}
