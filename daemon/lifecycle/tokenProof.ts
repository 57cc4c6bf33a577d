// Before a client sends the token from daemon.json to the port recorded there, the process on
// that port proves it knows the token: the client sends a fresh random challenge with GET /health
// and checks the answer's HMAC. A discovery file outliving its daemon, whose pid and port another
// user's process now holds, would otherwise be trusted with the token (and then with API keys).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The query parameter of GET /health that carries the challenge. */
export const HEALTH_CHALLENGE_PARAM = 'challenge';
const CHALLENGE = /^[0-9a-f]{32,128}$/;

export function newChallenge(): string {
  return randomBytes(32).toString('hex');
}

export function isChallenge(value: unknown): value is string {
  return typeof value === 'string' && CHALLENGE.test(value);
}

/**
 * HMAC-SHA256 keyed by the token over the challenge and the port it was asked on: the answer
 * reveals nothing about the token, and one relayed from a daemon on another port does not verify.
 */
export function tokenProof(token: string, challenge: string, port: number): string {
  return createHmac('sha256', token).update(`llm-router/health/v1 ${port} ${challenge}`).digest('hex');
}

export function verifyTokenProof(token: string, challenge: string, port: number, proof: unknown): boolean {
  if (typeof proof !== 'string' || !/^[0-9a-f]{64}$/.test(proof)) {
    return false;
  }
  return timingSafeEqual(Buffer.from(tokenProof(token, challenge, port), 'hex'), Buffer.from(proof, 'hex'));
}

/** The challenge in a request target's query (`/health?challenge=…`), or null. */
export function challengeOf(target: string | undefined): string | null {
  const query = target?.split('?', 2)[1];
  if (query === undefined) {
    return null;
  }
  const value = new URLSearchParams(query).get(HEALTH_CHALLENGE_PARAM);
  return isChallenge(value) ? value : null;
}
