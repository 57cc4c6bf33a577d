// OpenAI's SSE stream → StreamEvents. Robust to any chunking: bytes are buffered until a blank
// line ends an event. A stream that closes before `data: [DONE]` was cut short.
import { z } from 'zod';
import type { StreamEvent } from '../../protocol/chat';
import { ProviderError, type StreamParser } from '../adapter';
import { classifyErrorBody } from './errors';
import { malformed, toFinishReason, toUsage, WireUsage } from './response';

const Chunk = z.looseObject({
  choices: z
    .array(
      z.looseObject({
        delta: z
          .looseObject({
            content: z.string().nullish(),
            tool_calls: z
              .array(
                z.looseObject({
                  index: z.number().int().nonnegative().default(0),
                  id: z.string().nullish(),
                  function: z.looseObject({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
                }),
              )
              .nullish(),
          })
          .nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: WireUsage.nullish(),
  error: z.unknown().optional(),
});

export function createStreamParser(): StreamParser {
  let buffer = '';
  let done = false;

  function eventData(raw: string): string | null {
    const lines: string[] = [];
    for (const line of raw.split(/\r?\n|\r/)) {
      if (line.startsWith('data:')) {
        lines.push(line.slice(line.startsWith('data: ') ? 6 : 5));
      }
    }
    return lines.length > 0 ? lines.join('\n') : null;
  }

  function parseEvent(raw: string, out: StreamEvent[]): void {
    const data = eventData(raw);
    if (data === null || done) {
      return;
    }
    if (data.trim() === '[DONE]') {
      done = true;
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      throw malformed('a stream event that is not JSON');
    }
    const chunk = Chunk.safeParse(json);
    if (!chunk.success) {
      throw malformed('a stream event of an unknown shape');
    }
    if (chunk.data.error !== undefined) {
      throw new ProviderError(classifyErrorBody(500, {}, data));
    }
    for (const choice of chunk.data.choices ?? []) {
      const delta = choice.delta;
      if (delta?.content) {
        out.push({ type: 'text', text: delta.content });
      }
      for (const t of delta?.tool_calls ?? []) {
        const ev: StreamEvent = { type: 'tool_call_delta', index: t.index };
        if (t.id) {
          ev.id = t.id;
        }
        if (t.function?.name) {
          ev.name = t.function.name;
        }
        if (t.function?.arguments) {
          ev.arguments = t.function.arguments;
        }
        out.push(ev);
      }
      if (choice.finish_reason) {
        out.push({ type: 'finish', finishReason: toFinishReason(choice.finish_reason) });
      }
    }
    if (chunk.data.usage) {
      out.push({ type: 'usage', usage: toUsage(chunk.data.usage) });
    }
  }

  function drain(final: boolean): StreamEvent[] {
    const out: StreamEvent[] = [];
    for (;;) {
      const m = /\r?\n\r?\n|\r\r/.exec(buffer);
      if (!m) {
        break;
      }
      const raw = buffer.slice(0, m.index);
      buffer = buffer.slice(m.index + m[0].length);
      parseEvent(raw, out);
    }
    if (final && buffer.trim().length > 0) {
      const raw = buffer;
      buffer = '';
      parseEvent(raw, out);
    }
    return out;
  }

  return {
    push(text) {
      buffer += text;
      return drain(false);
    },
    end() {
      const cut = (): ProviderError => new ProviderError({ code: 'providerError', retryable: true, message: 'the provider closed the stream before it finished ([DONE] never came)' });
      let out: StreamEvent[];
      try {
        out = drain(true);
      } catch (e) {
        // An unterminated last event is half an event: the stream was cut, not garbled.
        if (!done && e instanceof ProviderError) {
          throw cut();
        }
        throw e;
      }
      if (!done) {
        throw cut();
      }
      return out;
    },
  };
}
