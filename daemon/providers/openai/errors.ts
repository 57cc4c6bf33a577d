// Classifies an OpenAI-format error answer. This decides retry, fallback and the ledger's error code.
import type { ProviderFailure } from '../adapter';

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** `retry-after-ms`, or `retry-after` as seconds or an HTTP date. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const ms = Number(header(headers, 'retry-after-ms'));
  if (Number.isFinite(ms) && ms >= 0 && header(headers, 'retry-after-ms') !== undefined) {
    return ms;
  }
  const raw = header(headers, 'retry-after');
  if (raw === undefined) {
    return undefined;
  }
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) {
    return seconds * 1000;
  }
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** Provider messages sometimes echo part of the key; never pass that on. */
export function redactSecrets(message: string): string {
  return message.replace(/\b(sk|gsk|xai|key)-[A-Za-z0-9_*-]{4,}/g, '$1-…').slice(0, 500);
}

interface WireError {
  message: string;
  type: string | null;
  code: string | null;
}

function readError(body: string): WireError {
  try {
    const json = JSON.parse(body) as unknown;
    const e = typeof json === 'object' && json !== null ? (json as { error?: unknown }).error : undefined;
    if (typeof e === 'object' && e !== null) {
      const o = e as Record<string, unknown>;
      return {
        message: typeof o.message === 'string' ? o.message : '',
        type: typeof o.type === 'string' ? o.type : null,
        code: typeof o.code === 'string' ? o.code : typeof o.code === 'number' ? String(o.code) : null,
      };
    }
    if (typeof e === 'string') {
      return { message: e, type: null, code: null };
    }
  } catch {
    // Not JSON: a proxy's HTML page or plain text.
  }
  return { message: body.slice(0, 200), type: null, code: null };
}

export function classifyErrorBody(status: number, headers: Headers, body: string): ProviderFailure {
  const e = readError(body);
  const what = redactSecrets(e.message || `HTTP ${status}`);
  const tag = e.code ?? e.type;
  const base = { status, message: `provider answered ${status}${tag ? ` ${tag}` : ''}: ${what}` };
  const text = `${e.code ?? ''} ${e.type ?? ''} ${e.message}`.toLowerCase();
  if (e.code === 'context_length_exceeded' || text.includes('maximum context length')) {
    return { ...base, code: 'providerContextLength', retryable: false };
  }
  if (e.code === 'content_filter' || e.code === 'content_policy_violation' || text.includes('content management policy')) {
    return { ...base, code: 'providerContentPolicy', retryable: false };
  }
  if (status === 401 || status === 403) {
    return { ...base, code: 'providerAuth', retryable: false };
  }
  if (status === 429) {
    // An exhausted quota does not come back by waiting.
    const quota = e.code === 'insufficient_quota';
    const after = retryAfterMs(headers);
    return after !== undefined ? { ...base, code: 'providerRateLimited', retryable: !quota, retryAfterMs: after } : { ...base, code: 'providerRateLimited', retryable: !quota };
  }
  if (status === 408) {
    return { ...base, code: 'providerTimeout', retryable: true };
  }
  if (status === 503 || status === 529) {
    return { ...base, code: 'providerUnavailable', retryable: true };
  }
  if (status >= 500) {
    return { ...base, code: 'providerError', retryable: true };
  }
  return { ...base, code: 'providerError', retryable: false };
}
