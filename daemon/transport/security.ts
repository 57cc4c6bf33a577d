// Local-only HTTP: loopback Host names (against DNS rebinding), no browser origins, a bearer token.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { RouterError } from '../protocol/errors';

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** The Host header must name this machine's loopback (with or without a port). */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) {
    return false;
  }
  const h = host.trim().toLowerCase();
  const name = h.startsWith('[') ? h.slice(0, h.indexOf(']') + 1) : h.split(':')[0];
  return name !== undefined && (LOOPBACK_NAMES.has(name) || /^127(\.\d{1,3}){3}$/.test(name));
}

/** The expected token's bytes, kept between requests (a daemon has one token for its life). */
let expectedCache: { token: string; bytes: Buffer } | null = null;

/**
 * Compares in constant time for a token of the expected length; any other length is refused at
 * once (that says only the length, which is no secret: every token the daemon makes is 64 hex
 * characters). No hashing per request: this runs on every HTTP call.
 */
export function tokenMatches(given: string, expected: string): boolean {
  if (expectedCache?.token !== expected) {
    expectedCache = { token: expected, bytes: Buffer.from(expected, 'utf8') };
  }
  const a = Buffer.from(given, 'utf8');
  return a.length === expectedCache.bytes.length && timingSafeEqual(a, expectedCache.bytes);
}

function bearerOf(headers: IncomingHttpHeaders): string | null {
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m?.[1]) {
      return m[1].trim();
    }
  }
  // Anthropic's clients send the key as x-api-key.
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.length > 0 ? apiKey : null;
}

/** Throws the RouterError a request must be refused with, or returns when it may proceed. */
export function checkRequest(headers: IncomingHttpHeaders, token: string, needsToken: boolean): void {
  if (!isLoopbackHost(headers.host)) {
    throw new RouterError('forbiddenOrigin', `Host "${headers.host ?? ''}" is not a loopback address: connect to 127.0.0.1 or localhost`);
  }
  if (headers.origin !== undefined) {
    throw new RouterError('forbiddenOrigin', 'requests from web pages are refused (an Origin header was sent); call the daemon from a script or the editor');
  }
  if (!needsToken) {
    return;
  }
  const given = bearerOf(headers);
  if (given === null) {
    throw new RouterError('unauthorized', 'missing token: send "Authorization: Bearer <token>" with the token from daemon.json in the LLM Router home folder (`llm-router status` prints it)');
  }
  if (!tokenMatches(given, token)) {
    throw new RouterError('unauthorized', 'wrong token: the daemon may have restarted with a new one; read it again from daemon.json (`llm-router status`)');
  }
}
