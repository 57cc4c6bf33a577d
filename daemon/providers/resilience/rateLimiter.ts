// Per-provider rate limits (requests and tokens per minute) as token buckets, so the daemon
// spaces its own calls instead of collecting 429s. A bucket refills continuously; a call that
// does not fit is told how long to wait, and the caller decides to wait or fall back.
export interface RateLimit {
  rpm?: number | undefined;
  tpm?: number | undefined;
}

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(private readonly capacity: number, private readonly refillPerMs: number, now: number) {
    this.tokens = capacity;
    this.last = now;
  }

  /** Milliseconds until `n` tokens are available (0 = now). A request larger than the bucket waits for a full bucket. */
  waitMs(n: number, now: number): number {
    this.refill(now);
    const need = Math.min(n, this.capacity);
    return this.tokens >= need ? 0 : Math.ceil((need - this.tokens) / this.refillPerMs);
  }

  take(n: number, now: number): void {
    this.refill(now);
    this.tokens -= Math.min(n, this.capacity);
  }

  /** Returns tokens reserved for a call that used fewer (estimate vs. actual). */
  refund(n: number, now: number): void {
    this.refill(now);
    this.tokens = Math.min(this.capacity, this.tokens + n);
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.refillPerMs);
  }
}

export type Admission = { ok: true } | { ok: false; waitMs: number; limit: 'rpm' | 'tpm' };

export class ProviderRateLimiter {
  private readonly buckets = new Map<string, { rpm: TokenBucket | null; tpm: TokenBucket | null }>();

  constructor(private readonly limits: Record<string, RateLimit>, private readonly now: () => number = Date.now) {}

  /** Admits a call of about `tokens` tokens now (and counts it), or says how long until it would fit. */
  tryAcquire(provider: string, tokens: number): Admission {
    const b = this.bucketsFor(provider);
    if (!b) {
      return { ok: true };
    }
    const now = this.now();
    const rpmWait = b.rpm?.waitMs(1, now) ?? 0;
    const tpmWait = b.tpm?.waitMs(tokens, now) ?? 0;
    if (rpmWait > 0 || tpmWait > 0) {
      return rpmWait >= tpmWait ? { ok: false, waitMs: rpmWait, limit: 'rpm' } : { ok: false, waitMs: tpmWait, limit: 'tpm' };
    }
    b.rpm?.take(1, now);
    b.tpm?.take(tokens, now);
    return { ok: true };
  }

  /** How long a call of about `tokens` tokens would wait now, without counting it (planning). */
  peek(provider: string, tokens: number): Admission {
    const b = this.bucketsFor(provider);
    if (!b) {
      return { ok: true };
    }
    const now = this.now();
    const rpmWait = b.rpm?.waitMs(1, now) ?? 0;
    const tpmWait = b.tpm?.waitMs(tokens, now) ?? 0;
    if (rpmWait > 0 || tpmWait > 0) {
      return rpmWait >= tpmWait ? { ok: false, waitMs: rpmWait, limit: 'rpm' } : { ok: false, waitMs: tpmWait, limit: 'tpm' };
    }
    return { ok: true };
  }

  /** Settles a call: tokens reserved beyond what it used go back to the bucket. */
  settle(provider: string, reservedTokens: number, usedTokens: number): void {
    const b = this.bucketsFor(provider);
    if (b?.tpm && usedTokens < reservedTokens) {
      b.tpm.refund(reservedTokens - usedTokens, this.now());
    } else if (b?.tpm && usedTokens > reservedTokens) {
      b.tpm.take(usedTokens - reservedTokens, this.now());
    }
  }

  private bucketsFor(provider: string): { rpm: TokenBucket | null; tpm: TokenBucket | null } | null {
    const limit = this.limits[provider];
    if (!limit || (limit.rpm === undefined && limit.tpm === undefined)) {
      return null;
    }
    let b = this.buckets.get(provider);
    if (!b) {
      const now = this.now();
      b = {
        rpm: limit.rpm !== undefined ? new TokenBucket(limit.rpm, limit.rpm / 60_000, now) : null,
        tpm: limit.tpm !== undefined ? new TokenBucket(limit.tpm, limit.tpm / 60_000, now) : null,
      };
      this.buckets.set(provider, b);
    }
    return b;
  }
}
