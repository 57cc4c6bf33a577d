// A circuit breaker for one model or one provider: closed (calls pass), open (calls are refused
// until a cool-down passes), half-open (one probe at a time decides). Repeated trips lengthen the
// cool-down, bounded, so a provider that stays down is not hammered.
import type { CircuitState } from '../../protocol/providers';

export type { CircuitState };

export interface BreakerOptions {
  /** Consecutive failures that open the circuit. */
  consecutiveFailures: number;
  /** Or: the error-rate moving average at or above this, once `minSamples` calls were seen. */
  errorRate: number;
  minSamples: number;
  openMs: number;
  maxOpenMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = { consecutiveFailures: 5, errorRate: 0.5, minSamples: 10, openMs: 15_000, maxOpenMs: 300_000 };

export class CircuitBreaker {
  private stateValue: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private cooldownMs: number;
  private probing = false;

  constructor(private readonly options: BreakerOptions = DEFAULT_BREAKER) {
    this.cooldownMs = options.openMs;
  }

  state(now: number): CircuitState {
    if (this.stateValue === 'open' && now - this.openedAt >= this.cooldownMs) {
      this.stateValue = 'half_open';
      this.probing = false;
    }
    return this.stateValue;
  }

  /** Whether a call may go out now, without reserving anything. */
  allows(now: number): boolean {
    const s = this.state(now);
    return s === 'closed' || (s === 'half_open' && !this.probing);
  }

  /** Reserves the call: in half-open, only one probe at a time. */
  tryAcquire(now: number): boolean {
    if (!this.allows(now)) {
      return false;
    }
    if (this.stateValue === 'half_open') {
      this.probing = true;
    }
    return true;
  }

  /** Milliseconds until an open circuit lets a probe through (0 when not open). */
  retryInMs(now: number): number {
    return this.state(now) === 'open' ? this.cooldownMs - (now - this.openedAt) : 0;
  }

  /** A probe ended without telling anything about health: the next caller may probe. */
  release(): void {
    this.probing = false;
  }

  onSuccess(): void {
    this.failures = 0;
    this.probing = false;
    this.stateValue = 'closed';
    this.cooldownMs = this.options.openMs;
  }

  /** `errorRate` and `samples` come from the health statistics the breaker is fed by. */
  onFailure(now: number, errorRate: number, samples: number): void {
    this.failures++;
    const s = this.state(now);
    if (s === 'half_open') {
      this.cooldownMs = Math.min(this.options.maxOpenMs, this.cooldownMs * 2);
      this.open(now);
      return;
    }
    if (s === 'closed' && (this.failures >= this.options.consecutiveFailures || (samples >= this.options.minSamples && errorRate >= this.options.errorRate))) {
      this.open(now);
    }
  }

  /** Opens now for at least `ms` (an auth failure, or a provider asking us to back off). */
  forceOpen(now: number, ms: number): void {
    this.cooldownMs = Math.min(this.options.maxOpenMs, Math.max(this.cooldownMs, ms));
    this.open(now);
  }

  private open(now: number): void {
    this.stateValue = 'open';
    this.openedAt = now;
    this.probing = false;
  }
}
