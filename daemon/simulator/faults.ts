// Scripted faults. A test (or a demo) makes the simulator fail in a chosen way either through the
// `fault` hook passed to startSimulator, or by writing a directive into the prompt, which also
// works through the daemon: `[sim-fault:rate_limit]` fails every model, `[sim-fault:rate_limit@gpt-4o]`
// only that one (so fallbacks can be shown).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';

export type Fault =
  | { kind: 'error'; status: number; type: string; code: string | null; message: string; retryAfterSeconds?: number }
  /** Streams `afterPieces` pieces, then closes the connection without finishing (no [DONE]). */
  | { kind: 'cut'; afterPieces: number }
  /** Adds this much time before the answer starts. */
  | { kind: 'delay'; ms: number }
  /** Accepts the request and never answers (until the caller gives up or the simulator closes). */
  | { kind: 'hang' }
  /** A 200 whose body (or first stream record) is not valid JSON. */
  | { kind: 'malformed' }
  /** A 200 with an HTML page instead of JSON or an event stream (a captive portal, a proxy's error page). */
  | { kind: 'wrong_content_type' }
  /** Answers correctly but very slowly: this long between stream pieces. */
  | { kind: 'drip'; pieceMs: number };

export interface FaultContext {
  /** The first path segment the call came in on (the simulator serves each provider under its own prefix). */
  provider: string;
  model: string;
  stream: boolean;
  promptText: string;
}

export type FaultHook = (ctx: FaultContext) => Fault | null;

const NAMED: Record<string, Fault> = {
  rate_limit: { kind: 'error', status: 429, type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests (simulated). Please try again in 1s.', retryAfterSeconds: 1 },
  server_error: { kind: 'error', status: 500, type: 'server_error', code: null, message: 'The server had an error while processing your request (simulated).' },
  overloaded: { kind: 'error', status: 503, type: 'server_error', code: 'overloaded', message: 'The engine is currently overloaded (simulated).' },
  auth: { kind: 'error', status: 401, type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided (simulated).' },
  context_length: { kind: 'error', status: 400, type: 'invalid_request_error', code: 'context_length_exceeded', message: "This model's maximum context length was exceeded (simulated)." },
  content_filter: { kind: 'error', status: 400, type: 'invalid_request_error', code: 'content_filter', message: 'The response was filtered due to the prompt triggering content management policy (simulated).' },
  cut: { kind: 'cut', afterPieces: 2 },
  slow: { kind: 'delay', ms: 1500 },
  timeout: { kind: 'hang' },
  malformed: { kind: 'malformed' },
  wrong_content_type: { kind: 'wrong_content_type' },
  drip: { kind: 'drip', pieceMs: 400 },
};

export const faultNames = Object.keys(NAMED);

const DIRECTIVE = /\[sim-fault:([a-z_]+)(?:@([^\]\s]+))?\]/g;

/** The fault a prompt asks for on this model, if any. */
export function faultFromPrompt(ctx: FaultContext): Fault | null {
  for (const m of ctx.promptText.matchAll(DIRECTIVE)) {
    const [, name, model] = m;
    const fault = name !== undefined ? NAMED[name] : undefined;
    if (fault && (model === undefined || model === ctx.model || model === ctx.provider)) {
      return fault;
    }
  }
  return null;
}

/** A named fault (as in prompt directives), for scripts and the control endpoint. */
export function namedFault(name: string): Fault | null {
  return NAMED[name] ?? null;
}

export interface FaultRule {
  /** Matches a model id or a provider (the path prefix); absent matches every call. */
  match?: string | undefined;
  fault: Fault;
  /** How many calls this rule fails before it is used up; absent = every matching call. */
  times?: number | undefined;
}

/**
 * A scripted sequence of faults, e.g. "the first two calls to gpt-4o get a 500, then it recovers".
 * Rules are tried in order; a rule with `times` is used up after that many calls.
 */
export class FaultScript {
  private rules: FaultRule[] = [];

  set(rules: FaultRule[]): void {
    this.rules = rules.map((r) => ({ ...r }));
  }

  clear(): void {
    this.rules = [];
  }

  readonly hook: FaultHook = (ctx) => {
    for (const r of this.rules) {
      if (r.match !== undefined && r.match !== ctx.model && r.match !== ctx.provider) {
        continue;
      }
      if (r.times !== undefined) {
        if (r.times <= 0) {
          continue;
        }
        r.times--;
      }
      return r.fault;
    }
    return null;
  };
}

/** Milliseconds between two streamed pieces: the pacing's speed, or a drip fault's. */
export function pieceDelay(pacing: { tokensPerSecond: number }, fault: Fault | null): number {
  if (fault?.kind === 'drip') {
    return fault.pieceMs;
  }
  return pacing.tokensPerSecond > 0 ? 1000 / pacing.tokensPerSecond : 0;
}

const HANG_LIMIT_MS = 600_000;

/**
 * Faults that look the same in every wire format (no answer, broken JSON, an HTML page). Returns
 * true when it answered (or hung up) and the format must do nothing more.
 */
export async function applyTransportFault(call: { req: IncomingMessage; res: ServerResponse }, fault: Fault | null, stream: boolean): Promise<boolean> {
  if (fault === null) {
    return false;
  }
  const { req, res } = call;
  switch (fault.kind) {
    case 'hang':
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, HANG_LIMIT_MS);
        timer.unref();
        const done = (): void => {
          clearTimeout(timer);
          resolve();
        };
        req.socket.once('close', done);
        res.once('close', done);
      });
      if (!res.destroyed) {
        res.destroy();
      }
      return true;
    case 'malformed':
      if (stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
        res.end('data: {"id": "sim-broken", "choices": [{"delta": {"content": "Hel\n\n');
      } else {
        const body = '{"id": "sim-broken", "object": "chat.completion", "choices": [{"message": ';
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      }
      return true;
    case 'wrong_content_type': {
      const html = '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) });
      res.end(html);
      return true;
    }
    default:
      return false;
  }
}

/** Drops the connection once what was written is on the wire (a cut that the client did receive up to). */
export function cutConnection(res: ServerResponse): void {
  if (res.destroyed) {
    return;
  }
  res.write('', () => res.socket?.destroy());
}

/** A JSON answer cut short: the headers promise more bytes than ever arrive. */
export function cutJson(res: ServerResponse, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100000', ...headers });
  res.write('{"id":"');
  cutConnection(res);
}

const RuleBody = z.object({
  rules: z.array(z.object({
    match: z.string().min(1).optional(),
    fault: z.string().min(1),
    times: z.number().int().positive().optional(),
  })).max(100),
});

/**
 * The control endpoint's body, `{"rules":[{"match":"gpt-4o","fault":"server_error","times":2}]}`:
 * fault names as in prompt directives. Returns an error message for a bad body.
 */
export function parseFaultRules(body: string): FaultRule[] | string {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return 'the body is not JSON';
  }
  const r = RuleBody.safeParse(json);
  if (!r.success) {
    return `expected {"rules":[{"match"?,"fault","times"?}]}: ${r.error.issues[0]?.message ?? ''}`;
  }
  const rules: FaultRule[] = [];
  for (const rule of r.data.rules) {
    const fault = namedFault(rule.fault);
    if (fault === null) {
      return `unknown fault "${rule.fault}": one of ${faultNames.join(', ')}`;
    }
    rules.push({ match: rule.match, fault, times: rule.times });
  }
  return rules;
}
