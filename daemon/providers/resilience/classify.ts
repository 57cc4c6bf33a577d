// One place decides what a failure means: retry the same model, fall back to the next one, or
// stop. Adapters supply the provider's own hints (its error type and message); the status code
// and headers decide the rest. The resulting code is what the ledger records per attempt.
import type { ProviderFailure } from '../adapter';
import type { ErrorCode } from '../../protocol/errors';

export type HeaderBag = Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  const v = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** `retry-after-ms` (OpenAI), then `retry-after` as seconds or an HTTP date; capped at one hour. */
export function retryAfterMs(headers: HeaderBag, now: number = Date.now()): number | undefined {
  const ms = header(headers, 'retry-after-ms');
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) {
    return Math.min(3_600_000, Math.round(Number(ms)));
  }
  const ra = header(headers, 'retry-after');
  if (ra === undefined) {
    return undefined;
  }
  if (/^\d+(\.\d+)?$/.test(ra.trim())) {
    return Math.min(3_600_000, Math.round(Number(ra) * 1000));
  }
  const date = Date.parse(ra);
  return Number.isNaN(date) ? undefined : Math.min(3_600_000, Math.max(0, date - now));
}

const CONTEXT_HINTS = /context length|context window|prompt is too long|too many tokens|maximum context|exceeds the maximum number of tokens|input is too long|reduce the length/i;
const POLICY_HINTS = /content policy|content management policy|content_filter|safety|harmful|violat|blocked|filtered/i;

export interface FailureHints {
  /** The provider's machine error type (`rate_limit_error`, `RESOURCE_EXHAUSTED`, …). */
  type?: string | undefined;
  message: string;
}

/** Classifies an HTTP error answer. `message` must already be free of secrets. */
export function classifyHttpFailure(provider: string, status: number, headers: HeaderBag, hints: FailureHints): ProviderFailure {
  const type = hints.type ?? '';
  const text = `${type} ${hints.message}`;
  const message = `${provider} answered ${status}: ${truncate(hints.message || type || 'no error message')}`;
  const make = (code: ErrorCode, retryable: boolean): ProviderFailure => {
    const f: ProviderFailure = { code, retryable, message, status };
    const after = retryAfterMs(headers);
    if (after !== undefined) {
      f.retryAfterMs = after;
    }
    return f;
  };
  if (status === 401 || status === 403 || /authentication|permission_denied|invalid.?api.?key|unauthenticated/i.test(type)) {
    return make('providerAuth', false);
  }
  if (status === 429 || /rate_limit|resource_exhausted/i.test(type)) {
    return make('providerRateLimited', true);
  }
  if (status === 413 || CONTEXT_HINTS.test(text)) {
    return make('providerContextLength', false);
  }
  if (status === 408 || status === 504 || /deadline_exceeded|timeout/i.test(type)) {
    return make('providerTimeout', true);
  }
  if (status === 503 || status === 529 || /overloaded|unavailable/i.test(type)) {
    return make('providerUnavailable', true);
  }
  if (status >= 500) {
    return make('providerError', true);
  }
  if (POLICY_HINTS.test(text)) {
    return make('providerContentPolicy', false);
  }
  if (status === 404) {
    return make('unknownModel', false);
  }
  return make('providerError', false);
}

/** A failure without an HTTP answer: refused, reset, DNS, TLS, or one of our timeouts. */
export function classifyNetworkFailure(provider: string, error: unknown): ProviderFailure {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (/TIMEOUT|ETIMEDOUT/i.test(code) || /timeout|timed out/i.test(message)) {
    return { code: 'providerTimeout', retryable: true, message: `${provider}: ${truncate(message)}` };
  }
  return { code: 'providerUnavailable', retryable: true, message: `${provider} unreachable (${code || 'network error'}): ${truncate(message)}` };
}

/** A 2xx answer whose body or stream could not be understood, or stopped early. */
export function malformedAnswer(provider: string, what: string): ProviderFailure {
  return { code: 'providerError', retryable: true, message: `${provider} sent ${what}` };
}

function errorCode(error: unknown): string {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && typeof e === 'object' && e !== null; depth++) {
    const c = (e as { code?: unknown }).code;
    if (typeof c === 'string') {
      return c;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return '';
}

function truncate(s: string): string {
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}
