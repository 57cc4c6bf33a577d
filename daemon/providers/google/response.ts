// Gemini answers (whole, and each SSE record of streamGenerateContent?alt=sse) → canonical.
import type { ChatResult, FinishReason, StreamEvent, ToolCall, Usage } from '../../protocol/chat';
import { ProviderError, type StreamParser } from '../adapter';
import { malformedAnswer } from '../resilience/classify';
import { SseDecoder } from '../sseDecoder';
import { GeminiResponse, type GeminiUsage } from './wire';

const FILTERED = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'LANGUAGE']);

export function finishReasonOf(reason: string, sawToolCall: boolean): FinishReason {
  if (reason === 'MAX_TOKENS') {
    return 'length';
  }
  if (FILTERED.has(reason)) {
    return 'content_filter';
  }
  if (reason === 'MALFORMED_FUNCTION_CALL' || reason === 'OTHER') {
    return 'error';
  }
  return sawToolCall ? 'tool_calls' : 'stop';
}

/** promptTokenCount includes cached tokens; candidatesTokenCount excludes thoughts, which are billed as output. */
export function usageOf(u: GeminiUsage | undefined): Usage {
  const thoughts = u?.thoughtsTokenCount ?? 0;
  return {
    inputTokens: (u?.promptTokenCount ?? 0) + (u?.toolUsePromptTokenCount ?? 0),
    outputTokens: (u?.candidatesTokenCount ?? 0) + thoughts,
    cachedInputTokens: u?.cachedContentTokenCount ?? 0,
    cacheWriteTokens: 0,
    reasoningTokens: thoughts,
  };
}

function parse(text: string, what: string): GeminiResponse {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProviderError(malformedAnswer('google', `${what} that is not JSON`));
  }
  const r = GeminiResponse.safeParse(json);
  if (!r.success) {
    throw new ProviderError(malformedAnswer('google', `${what} that is not a GenerateContentResponse`));
  }
  if ((r.data.candidates ?? []).length === 0 && r.data.promptFeedback?.blockReason) {
    throw new ProviderError({ code: 'providerContentPolicy', retryable: false, message: `google blocked the prompt (${r.data.promptFeedback.blockReason})` });
  }
  return r.data;
}

interface Piece {
  text: string;
  calls: { id: string; name: string; arguments: string }[];
  finishReason: string | undefined;
}

function pieceOf(r: GeminiResponse, nextCallId: () => string): Piece {
  const c = r.candidates?.[0];
  const piece: Piece = { text: '', calls: [], finishReason: c?.finishReason };
  for (const p of c?.content?.parts ?? []) {
    if (p.thought === true) {
      continue;
    }
    if (typeof p.text === 'string') {
      piece.text += p.text;
    }
    if (p.functionCall) {
      piece.calls.push({ id: p.functionCall.id ?? nextCallId(), name: p.functionCall.name, arguments: JSON.stringify(p.functionCall.args ?? {}) });
    }
  }
  return piece;
}

export function parseGeminiResponse(body: string): ChatResult {
  const r = parse(body, 'a response');
  let n = 0;
  const piece = pieceOf(r, () => `call_${n++}`);
  const toolCalls: ToolCall[] = piece.calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
  return {
    text: piece.text,
    toolCalls,
    finishReason: finishReasonOf(piece.finishReason ?? 'STOP', toolCalls.length > 0),
    usage: usageOf(r.usageMetadata),
    providerModel: r.modelVersion ?? '',
  };
}

/** Gemini streams whole records with no terminator: the record carrying finishReason is the last. */
export class GeminiStreamParser implements StreamParser {
  private readonly sse = new SseDecoder();
  private usage: GeminiUsage | undefined;
  private calls = 0;
  private finished = false;

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
    if (!this.finished) {
      throw new ProviderError(malformedAnswer('google', 'a stream that ended before its finishReason'));
    }
    out.push({ type: 'usage', usage: usageOf(this.usage) });
    return out;
  }

  private handle(data: string, out: StreamEvent[]): void {
    const r = parse(data, 'a stream record');
    if (r.usageMetadata) {
      this.usage = r.usageMetadata;
    }
    const piece = pieceOf(r, () => `call_${this.calls}`);
    if (piece.text !== '') {
      out.push({ type: 'text', text: piece.text });
    }
    for (const call of piece.calls) {
      out.push({ type: 'tool_call_delta', index: this.calls++, id: call.id, name: call.name, arguments: call.arguments });
    }
    if (piece.finishReason !== undefined && !this.finished) {
      this.finished = true;
      out.push({ type: 'finish', finishReason: finishReasonOf(piece.finishReason, this.calls > 0) });
    }
  }
}
