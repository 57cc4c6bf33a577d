// Stable assignment of a unit (user, session, workspace or request) to an arm: SHA-256 of the
// experiment's salt and the unit, read as a number uniform in [0, 1), mapped to an arm by the
// cumulative weights. No state: the same unit lands in the same arm after any restart, and a
// new salt reshuffles everyone (so two experiments do not assign the same units together).
import { createHash } from 'node:crypto';
import type { AssignmentUnit } from '../protocol/experiments';
import type { ClientContext } from '../protocol/routing';

/** Uniform in [0, 1) from the first 52 bits of SHA-256(salt, unit kind, unit key). */
export function unitHash(salt: string, unit: AssignmentUnit, key: string): number {
  const digest = createHash('sha256').update(`${salt}\u0000${unit}\u0000${key}`).digest();
  // 52 bits fit exactly in a double's mantissa: the first 32, then the next 20.
  return (digest.readUInt32BE(0) * 2 ** 20 + (digest.readUInt32BE(4) >>> 12)) / 2 ** 52;
}

/** The arm whose cumulative-weight slot contains u. Weights are assumed to sum to 1. */
export function armAt<T extends { weight: number }>(arms: readonly T[], u: number): T {
  let cumulative = 0;
  for (const arm of arms) {
    cumulative += arm.weight;
    if (u < cumulative) {
      return arm;
    }
  }
  // Rounding can leave the last slot a hair short of 1.
  const last = arms[arms.length - 1];
  if (last === undefined) {
    throw new Error('an experiment has at least two arms');
  }
  return last;
}

/** The key that identifies the unit of this request, or null when the request lacks it. */
export function unitKey(unit: AssignmentUnit, context: ClientContext | undefined, requestId: string): string | null {
  switch (unit) {
    case 'user':
      return context?.name ?? null;
    case 'session':
      return context?.sessionId ?? null;
    case 'workspace':
      return context?.workspace ?? null;
    case 'request':
      return requestId;
  }
}

export interface Assignment<T> {
  arm: T;
  /** The unit key was missing and the request id was hashed instead. */
  unitFallback: boolean;
}

export function assign<T extends { weight: number }>(
  salt: string,
  unit: AssignmentUnit,
  arms: readonly T[],
  context: ClientContext | undefined,
  requestId: string,
): Assignment<T> {
  const key = unitKey(unit, context, requestId);
  if (key === null) {
    return { arm: armAt(arms, unitHash(salt, 'request', requestId)), unitFallback: true };
  }
  return { arm: armAt(arms, unitHash(salt, unit, key)), unitFallback: false };
}
