// Reads recorded provider fixtures and replays a stream through a parser in awkward chunkings.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StreamEvent, ToolCall } from '../../../daemon/protocol/chat';
import type { StreamParser } from '../../../daemon/providers/adapter';

export function fixture(provider: string, name: string): string {
  return readFileSync(join(__dirname, '..', '..', 'fixtures', 'providers', provider, name), 'utf8');
}

/** Feeds `text` in chunks of `size` characters (1 = every byte boundary a network could cut). */
export function replay(parser: StreamParser, text: string, size: number): StreamEvent[] {
  const events: StreamEvent[] = [];
  for (let i = 0; i < text.length; i += size) {
    events.push(...parser.push(text.slice(i, i + size)));
  }
  events.push(...parser.end());
  return events;
}

/** Folds stream events into text, tool calls, finish reason and usage, as a client would. */
export function fold(events: StreamEvent[]): { text: string; toolCalls: ToolCall[]; finish: string | undefined; usage: StreamEvent | undefined } {
  let text = '';
  const calls: ToolCall[] = [];
  let finish: string | undefined;
  let usage: StreamEvent | undefined;
  for (const e of events) {
    if (e.type === 'text') {
      text += e.text;
    } else if (e.type === 'tool_call_delta') {
      const c = calls[e.index] ?? { id: '', type: 'function' as const, function: { name: '', arguments: '' } };
      calls[e.index] = c;
      c.id = e.id ?? c.id;
      c.function.name = e.name ?? c.function.name;
      c.function.arguments += e.arguments ?? '';
    } else if (e.type === 'finish') {
      finish = e.finishReason;
    } else {
      usage = e;
    }
  }
  return { text, toolCalls: calls, finish, usage };
}
