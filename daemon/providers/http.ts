// The only module that performs HTTP to providers. undici's Agent keeps one keep-alive pool per
// origin (Node 20's global fetch measured 5–10x slower as a proxy client). Every failure leaves
// here classified: a ProviderError (timeout, connection) or RouterError('cancelled').
import { Agent, request } from 'undici';
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

export class ProviderHttp {
  private readonly agent: Agent;
  readonly timeouts: HttpTimeouts;

  constructor(timeouts: Partial<HttpTimeouts> = {}) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...timeouts };
    this.agent = new Agent({
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 120_000,
      connect: { timeout: this.timeouts.connectMs },
      headersTimeout: this.timeouts.firstByteMs,
      // Between two body chunks: a stalled stream counts against the first-byte budget too.
      bodyTimeout: this.timeouts.firstByteMs,
      connections: 64,
    });
  }

  /**
   * Sends the request. `signal` is the caller's (client disconnect): aborting it ends the call
   * with RouterError('cancelled'); the total timeout ends it with a ProviderError('providerTimeout').
   */
  async send(spec: HttpRequestSpec, signal?: AbortSignal): Promise<ProviderResponse> {
    const ctl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctl.abort();
    }, this.timeouts.totalMs);
    timer.unref();
    const onAbort = (): void => ctl.abort();
    if (signal?.aborted) {
      clearTimeout(timer);
      throw new RouterError('cancelled', 'the request was cancelled by the client');
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const classify = (e: unknown): Error => classifyTransportError(e, { timedOut, cancelled: signal?.aborted === true, timeouts: this.timeouts, url: spec.url });
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(spec.url, { dispatcher: this.agent, method: spec.method, headers: spec.headers, body: spec.method === 'GET' ? undefined : spec.body, signal: ctl.signal });
    } catch (e) {
      done();
      throw classify(e);
    }
    const body = res.body;
    let consumed = false;
    async function* chunks(): AsyncIterable<string> {
      if (consumed) {
        throw new Error('the response body was already read');
      }
      consumed = true;
      const decoder = new TextDecoder('utf-8');
      let complete = false;
      try {
        for await (const chunk of body) {
          const text = decoder.decode(chunk as Buffer, { stream: true });
          if (text.length > 0) {
            yield text;
          }
        }
        complete = true;
        const rest = decoder.decode();
        if (rest.length > 0) {
          yield rest;
        }
      } catch (e) {
        throw classify(e);
      } finally {
        done();
        // Only an abandoned body is destroyed: a finished one leaves its connection to the pool.
        if (!complete && !body.destroyed) {
          body.destroy();
        }
      }
    }
    return {
      status: res.statusCode,
      headers: res.headers,
      chunks,
      async text() {
        // One decode of the collected body instead of a decoder, a generator and a concatenation per chunk.
        if (consumed) {
          throw new Error('the response body was already read');
        }
        consumed = true;
        try {
          return await body.text();
        } catch (e) {
          throw classify(e);
        } finally {
          done();
        }
      },
      async discard() {
        done();
        try {
          await body.dump();
        } catch {
          // The body is being dropped; a failure here changes nothing for the caller.
        }
      },
    };
  }

  close(): Promise<void> {
    return this.agent.close();
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
