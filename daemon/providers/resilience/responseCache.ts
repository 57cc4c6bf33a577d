// An opt-in exact-match cache of finished answers. The key is a hash of the model and the
// canonical request (keys sorted, so field order does not matter). Only complete, successful
// answers are stored; errors never. A streamed request can be served from the cache because an
// answer replays as a stream (`replayEvents`); a stream is stored only once it finished whole.
import { createHash } from 'node:crypto';
import type { ChatRequest, ChatResult, StreamEvent } from '../../protocol/chat';

export interface CacheOptions {
  ttlMs: number;
  maxEntries: number;
  now: () => number;
}

function stable(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(stable).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function cacheKey(model: string, request: ChatRequest): string {
  return createHash('sha256').update(model).update('\0').update(stable(request)).digest('hex');
}

export class ResponseCache {
  private readonly entries = new Map<string, { result: ChatResult; expires: number }>();
  private readonly options: CacheOptions;
  hits = 0;
  misses = 0;

  constructor(options: Partial<CacheOptions> = {}) {
    this.options = { ttlMs: 300_000, maxEntries: 1000, now: Date.now, ...options };
  }

  get(key: string): ChatResult | undefined {
    const e = this.entries.get(key);
    if (!e || e.expires <= this.options.now()) {
      if (e) {
        this.entries.delete(key);
      }
      this.misses++;
      return undefined;
    }
    // Re-insert: Map order is the LRU order.
    this.entries.delete(key);
    this.entries.set(key, e);
    this.hits++;
    return e.result;
  }

  /** Stores a finished answer; returns false (and stores nothing) for one that is not cacheable. */
  set(key: string, result: ChatResult): boolean {
    if (result.finishReason === 'error' || result.finishReason === 'content_filter') {
      return false;
    }
    this.entries.delete(key);
    this.entries.set(key, { result, expires: this.options.now() + this.options.ttlMs });
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) {
        break;
      }
      this.entries.delete(oldest.value);
    }
    return true;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** A cached answer as the stream events a live call would have produced. */
export function replayEvents(result: ChatResult): StreamEvent[] {
  const events: StreamEvent[] = [];
  if (result.text !== '') {
    events.push({ type: 'text', text: result.text });
  }
  result.toolCalls.forEach((c, index) => {
    events.push({ type: 'tool_call_delta', index, id: c.id, name: c.function.name, arguments: c.function.arguments });
  });
  events.push({ type: 'finish', finishReason: result.finishReason });
  events.push({ type: 'usage', usage: result.usage });
  return events;
}
