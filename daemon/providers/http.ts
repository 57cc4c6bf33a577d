// The only module that performs HTTP to providers. undici's Agent keeps one keep-alive pool per
// origin (Node 20's global fetch measured 5–10x slower as a proxy client). Each call is one
// dispatch() with a handler object (UpstreamCall) rather than request(): no Readable body, no
// AbortController and no closures per call (`npm run bench proxy-clients` measured request() at
// about 1.5x the CPU per call). Every failure leaves here classified: a ProviderError (timeout,
// connection) or RouterError('cancelled').
//
// undici is required on the first call, not at start: loading it costs the idle daemon about
// 10 MB (its own code, and node:http2, node:tls and the rest it loads), and a daemon nobody calls
// never needs it. The bundle keeps it in its own file (dist/vendor/undici.js, see esbuild.mjs).
import type { Agent, Dispatcher } from 'undici';
import { RouterError } from '../protocol/errors';
import { ProviderError, type HttpRequestSpec } from './adapter';

export interface HttpTimeouts {
  /** TCP/TLS connect. */
  connectMs: number;
  /** Request sent → response headers (a provider's time to first byte). */
  firstByteMs: number;
  /** The whole call, including a streamed body. */
  totalMs: number;
}

export const DEFAULT_TIMEOUTS: HttpTimeouts = { connectMs: 10_000, firstByteMs: 120_000, totalMs: 600_000 };

export type ResponseHeaders = Record<string, string | string[] | undefined>;

export interface ProviderResponse {
  status: number;
  headers: ResponseHeaders;
  /** The body as text chunks (any chunking), decoded as UTF-8. Iterate once. */
  chunks(): AsyncIterable<string>;
  /** The whole body as text. */
  text(): Promise<string>;
  /** Drops the rest of the body (keeps the connection reusable when possible). */
  discard(): Promise<void>;
}

/** A streamed body is paused above this many unread bytes until the reader catches up. */
const HIGH_WATER_BYTES = 256 * 1024;
/** A discarded body is read to its end (so its connection is kept) up to this size, then cut. */
const DISCARD_LIMIT_BYTES = 128 * 1024;

export class ProviderHttp {
  private agent: Agent | null = null;
  private closed = false;
  readonly timeouts: HttpTimeouts;
  /** Origin and path of each provider URL seen (a handful: one per provider endpoint). */
  private readonly targets = new Map<string, { origin: string; path: string }>();

  constructor(timeouts: Partial<HttpTimeouts> = {}) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...timeouts };
  }

  private pool(): Agent {
    if (this.agent === null) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Agent } = require('undici') as typeof import('undici');
      this.agent = new Agent({
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 120_000,
        connect: { timeout: this.timeouts.connectMs },
        headersTimeout: this.timeouts.firstByteMs,
        // Between two body chunks: a stalled stream counts against the first-byte budget too.
        bodyTimeout: this.timeouts.firstByteMs,
        connections: 64,
      });
      if (this.closed) {
        // Closed before its first call: dispatch() fails as it does on any closed agent.
        void this.agent.close();
      }
    }
    return this.agent;
  }

  /**
   * Sends the request; resolves at the response's head. `signal` is the caller's (client
   * disconnect): aborting it ends the call with RouterError('cancelled'); the total timeout ends
   * it with a ProviderError('providerTimeout').
   */
  send(spec: HttpRequestSpec, signal?: AbortSignal): Promise<ProviderResponse> {
    if (signal?.aborted) {
      return Promise.reject(new RouterError('cancelled', 'the request was cancelled by the client'));
    }
    const target = this.targetOf(spec.url);
    return new Promise((resolve, reject) => {
      const call = new UpstreamCall(spec.url, this.timeouts, signal, resolve, reject);
      try {
        this.pool().dispatch({ origin: target.origin, path: target.path, method: spec.method, headers: spec.headers, body: spec.method === 'GET' ? null : spec.body }, call);
      } catch (e) {
        call.onResponseError(null, e as Error);
      }
    });
  }

  private targetOf(url: string): { origin: string; path: string } {
    let t = this.targets.get(url);
    if (t === undefined) {
      const u = new URL(url);
      t = { origin: u.origin, path: `${u.pathname}${u.search}` };
      if (this.targets.size >= 256) {
        this.targets.clear();
      }
      this.targets.set(url, t);
    }
    return t;
  }

  close(): Promise<void> {
    this.closed = true;
    return this.agent?.close() ?? Promise.resolve();
  }
}

function onTotalTimeout(call: UpstreamCall): void {
  call.timeOut();
}

/**
 * One call in flight: undici's dispatch handler and, once the head has arrived, the response the
 * caller reads. Body chunks are queued as they come; a reader waiting for more is woken.
 */
class UpstreamCall implements Dispatcher.DispatchHandler, ProviderResponse {
  status = 0;
  headers: ResponseHeaders = {};
  private controller: Dispatcher.DispatchController | null = null;
  private readonly timer: NodeJS.Timeout;
  private head: { resolve: (r: ProviderResponse) => void; reject: (e: Error) => void } | null;
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private ended = false;
  private error: Error | null = null;
  private timedOut = false;
  private consumed = false;
  /** Read chunk by chunk (chunks()): only such a reader empties the queue before the end. */
  private streaming = false;
  private discarding = false;
  private discardedBytes = 0;
  /** The reader (text, chunks or discard) waiting for more of the body. */
  private wake: (() => void) | null = null;
  private finished = false;

  constructor(
    private readonly url: string,
    private readonly timeouts: HttpTimeouts,
    private readonly signal: AbortSignal | undefined,
    resolve: (r: ProviderResponse) => void,
    reject: (e: Error) => void,
  ) {
    this.head = { resolve, reject };
    this.timer = setTimeout(onTotalTimeout, timeouts.totalMs, this);
    this.timer.unref();
    signal?.addEventListener('abort', this, { once: true });
  }

  /** The caller's signal fired (this object is its listener). */
  handleEvent(): void {
    this.abort(new RouterError('cancelled', 'the request was cancelled by the client'));
  }

  timeOut(): void {
    this.timedOut = true;
    this.abort(new Error('total timeout'));
  }

  private abort(reason: Error): void {
    if (this.controller !== null) {
      this.controller.abort(reason);
    } else {
      // Not on a socket yet: undici aborts it as soon as it is (onRequestStart).
      this.error ??= reason;
    }
  }

  // --- undici's side ---

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.error !== null) {
      controller.abort(this.error);
    }
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[]>): void {
    if (statusCode < 200) {
      return; // 1xx: the real head follows
    }
    this.status = statusCode;
    this.headers = headers;
    const head = this.head;
    this.head = null;
    head?.resolve(this);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.discarding) {
      this.discardedBytes += chunk.length;
      if (this.discardedBytes > DISCARD_LIMIT_BYTES) {
        controller.abort(new Error('discarded'));
      }
      return;
    }
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    if (this.queuedBytes > HIGH_WATER_BYTES && this.streaming) {
      controller.pause();
    }
    this.notify();
  }

  onResponseEnd(): void {
    this.ended = true;
    this.finish();
    this.notify();
  }

  onResponseError(_controller: Dispatcher.DispatchController | null, error: Error): void {
    this.error = classifyTransportError(error, { timedOut: this.timedOut, cancelled: this.signal?.aborted === true, timeouts: this.timeouts, url: this.url });
    this.finish();
    const head = this.head;
    this.head = null;
    head?.reject(this.error);
    this.notify();
  }

  private finish(): void {
    if (!this.finished) {
      this.finished = true;
      clearTimeout(this.timer);
      this.signal?.removeEventListener('abort', this);
    }
  }

  private notify(): void {
    const w = this.wake;
    if (w !== null) {
      this.wake = null;
      w();
    }
  }

  private more(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  /** Empties the queue; a body paused for a slow reader flows again. */
  private take(): Buffer[] {
    const q = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    this.controller?.resume();
    return q;
  }

  // --- the caller's side ---

  private claim(): void {
    if (this.consumed) {
      throw new Error('the response body was already read');
    }
    this.consumed = true;
  }

  async text(): Promise<string> {
    this.claim();
    while (!this.ended && this.error === null) {
      await this.more();
    }
    if (!this.ended && this.error !== null) {
      throw this.error;
    }
    const q = this.take();
    // One decode of the collected body instead of a decoder per chunk.
    return q.length === 1 ? (q[0] as Buffer).toString('utf8') : Buffer.concat(q).toString('utf8');
  }

  async *chunks(): AsyncIterable<string> {
    this.claim();
    this.streaming = true;
    const decoder = new TextDecoder('utf-8');
    let complete = false;
    try {
      for (;;) {
        for (const chunk of this.take()) {
          const text = decoder.decode(chunk, { stream: true });
          if (text.length > 0) {
            yield text;
          }
        }
        if (this.queue.length > 0) {
          continue;
        }
        if (this.ended) {
          break;
        }
        if (this.error !== null) {
          throw this.error;
        }
        await this.more();
      }
      complete = true;
      const rest = decoder.decode();
      if (rest.length > 0) {
        yield rest;
      }
    } finally {
      // Only an abandoned body is cut: a finished one leaves its connection to the pool.
      if (!complete && !this.ended) {
        this.abort(new Error('the reader stopped'));
      }
      this.finish();
    }
  }

  async discard(): Promise<void> {
    this.finish();
    this.discarding = true;
    this.discardedBytes = this.queuedBytes;
    this.take();
    if (this.discardedBytes > DISCARD_LIMIT_BYTES) {
      this.abort(new Error('discarded'));
    }
    while (!this.ended && this.error === null) {
      await this.more();
    }
  }
}

function errorCodeOf(e: unknown): string {
  if (typeof e === 'object' && e !== null) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      return code;
    }
    const cause = (e as { cause?: unknown }).cause;
    if (cause !== undefined && cause !== e) {
      return errorCodeOf(cause);
    }
  }
  return '';
}

function classifyTransportError(e: unknown, o: { timedOut: boolean; cancelled: boolean; timeouts: HttpTimeouts; url: string }): Error {
  if (e instanceof ProviderError || e instanceof RouterError) {
    return e;
  }
  const origin = safeOrigin(o.url);
  if (o.cancelled) {
    return new RouterError('cancelled', 'the request was cancelled by the client');
  }
  if (o.timedOut) {
    return new ProviderError({ code: 'providerTimeout', retryable: true, message: `${origin} did not finish within ${o.timeouts.totalMs} ms` });
  }
  const code = errorCodeOf(e);
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new ProviderError({ code: 'providerTimeout', retryable: true, message: `could not connect to ${origin} within ${o.timeouts.connectMs} ms` });
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return new ProviderError({ code: 'providerTimeout', retryable: true, message: `${origin} sent nothing for ${o.timeouts.firstByteMs} ms` });
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new ProviderError({ code: 'providerUnavailable', retryable: true, message: `cannot reach ${origin} (${code})` });
    default:
      return new ProviderError({ code: 'providerError', retryable: true, message: `connection to ${origin} failed${code ? ` (${code})` : ''}: ${(e as Error).message ?? String(e)}` });
  }
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the provider';
  }
}
