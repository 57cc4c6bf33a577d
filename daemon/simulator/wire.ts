// What every simulated wire format shares: reading the body, writing JSON, pacing a stream.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Fault, FaultContext } from './faults';
import type { PromptCache } from './answer';

export interface Pacing {
  /** Time before the first token (ms). */
  ttftMs: number;
  /** Output speed; 0 streams as fast as possible. */
  tokensPerSecond: number;
}

export interface SimCall {
  req: IncomingMessage;
  res: ServerResponse;
  body: string;
  /** The path below the provider prefix, e.g. `/v1/chat/completions`. */
  path: string;
  provider: string;
  pacing: Pacing;
  faultFor(ctx: FaultContext): Fault | null;
  /** Monotonic id for response ids. */
  seq: number;
  /** This simulator's prompt cache (answer.ts). */
  promptCache?: PromptCache;
}

/** One provider wire format served by the simulator (OpenAI now; Anthropic and Gemini later). */
export interface SimFormat {
  name: string;
  matches(method: string, path: string): boolean;
  handle(call: SimCall): Promise<void>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

/** Delay between two streamed pieces at the configured speed. */
export function pieceDelayMs(pacing: Pacing): number {
  return pacing.tokensPerSecond > 0 ? 1000 / pacing.tokensPerSecond : 0;
}

export async function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    const b = c as Buffer;
    size += b.length;
    if (size > limit) {
      return null;
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}
