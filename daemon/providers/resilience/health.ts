// Live health of every model and provider: success rate, latency and error-rate moving averages,
// and a circuit breaker for each, fed by every attempt's outcome. The router reads it through
// `isAvailable` (circuit closed, or half-open with no probe in flight) and `penalty` (0 healthy
// … 1 unusable) to demote failing models and promote them again as they recover.
import type { ErrorCode } from '../../protocol/errors';
import type { HealthEntry } from '../../protocol/providers';
import { CircuitBreaker, DEFAULT_BREAKER, type BreakerOptions } from './circuitBreaker';
import { Ewma } from './ewma';

/** Failures that say something about the provider's health (not about the request or the caller). */
const HEALTH_FAILURES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['providerError', 'providerTimeout', 'providerRateLimited', 'providerUnavailable', 'providerAuth']);

export function countsAgainstHealth(code: ErrorCode): boolean {
  return HEALTH_FAILURES.has(code);
}

export interface AttemptOutcome {
  ok: boolean;
  code?: ErrorCode | undefined;
  latencyMs: number;
  ttftMs?: number | null | undefined;
  /** Output tokens of a successful streamed answer: with ttft, gives the output speed. */
  outputTokens?: number | undefined;
}

/** The router's view (routing/catalog.ts `ModelStats`): live latency and whether a model is usable now. */
export interface LiveLatency {
  ttftMs: number;
  tokensPerSecond: number;
  samples: number;
}

/** What `providers/health` reports per model and provider. */
export type HealthSnapshot = HealthEntry;

export interface HealthOptions {
  /** Weight of the newest sample in the moving averages. */
  alpha: number;
  breaker: BreakerOptions;
  /** How long a provider stays open after an authentication failure (its key is wrong). */
  authOpenMs: number;
  now: () => number;
}

class Stats {
  samples = 0;
  readonly success: Ewma;
  readonly errors: Ewma;
  readonly latency: Ewma;
  readonly ttft: Ewma;
  readonly speed: Ewma;
  speedSamples = 0;
  readonly breaker: CircuitBreaker;
  constructor(alpha: number, breaker: BreakerOptions) {
    this.success = new Ewma(alpha);
    this.errors = new Ewma(alpha);
    this.latency = new Ewma(alpha);
    this.ttft = new Ewma(alpha);
    this.speed = new Ewma(alpha);
    this.breaker = new CircuitBreaker(breaker);
  }
}

export class HealthMonitor {
  private readonly models = new Map<string, Stats>();
  private readonly providers = new Map<string, Stats>();
  private readonly providerOf = new Map<string, string>();
  private readonly options: HealthOptions;

  constructor(options: Partial<HealthOptions> = {}) {
    this.options = { alpha: 0.2, breaker: DEFAULT_BREAKER, authOpenMs: 300_000, now: Date.now, ...options };
  }

  /** Both circuits (model and provider) would let a call through now. */
  isAvailable(model: string, provider: string): boolean {
    const now = this.options.now();
    return this.stats(this.models, model).breaker.allows(now) && this.stats(this.providers, provider).breaker.allows(now);
  }

  /** Reserves a call (a half-open circuit admits one probe at a time); false means skip this model. */
  tryAcquire(model: string, provider: string): boolean {
    const now = this.options.now();
    const m = this.stats(this.models, model).breaker;
    const p = this.stats(this.providers, provider).breaker;
    if (!m.allows(now) || !p.allows(now)) {
      return false;
    }
    return m.tryAcquire(now) && p.tryAcquire(now);
  }

  record(model: string, provider: string, outcome: AttemptOutcome): void {
    const now = this.options.now();
    this.providerOf.set(model, provider);
    if (!outcome.ok && outcome.code !== undefined && !countsAgainstHealth(outcome.code)) {
      // The request's fault, not the provider's: release a half-open probe without judging.
      this.release(model, provider);
      return;
    }
    for (const s of [this.stats(this.models, model), this.stats(this.providers, provider)]) {
      s.samples++;
      s.success.add(outcome.ok ? 1 : 0);
      s.errors.add(outcome.ok ? 0 : 1);
      if (outcome.ok) {
        s.latency.add(outcome.latencyMs);
        if (outcome.ttftMs !== undefined && outcome.ttftMs !== null) {
          s.ttft.add(outcome.ttftMs);
          const generating = outcome.latencyMs - outcome.ttftMs;
          if (outcome.outputTokens !== undefined && outcome.outputTokens > 1 && generating > 0) {
            s.speed.add((outcome.outputTokens * 1000) / generating);
            s.speedSamples++;
          }
        }
        s.breaker.onSuccess();
      } else {
        s.breaker.onFailure(now, s.errors.value ?? 1, s.samples);
      }
    }
    if (!outcome.ok && outcome.code === 'providerAuth') {
      this.stats(this.providers, provider).breaker.forceOpen(now, this.options.authOpenMs);
    }
  }

  /** 0 for a healthy model, rising with its error rate, 1 when either circuit is open. */
  penalty(model: string, provider: string): number {
    if (!this.isAvailable(model, provider)) {
      return 1;
    }
    const m = this.models.get(model);
    return m && m.samples > 0 ? Math.min(1, m.errors.value ?? 0) : 0;
  }

  /** ModelStats for the router: measured time to first token and output speed, once streams were seen. */
  latency(model: string): LiveLatency | null {
    const s = this.models.get(model);
    const ttft = s?.ttft.value ?? null;
    const speed = s?.speed.value ?? null;
    return s && ttft !== null && speed !== null ? { ttftMs: ttft, tokensPerSecond: speed, samples: s.speedSamples } : null;
  }

  /** ModelStats for the router: false while the model's (or its provider's) circuit refuses calls. */
  isHealthy(model: string): boolean {
    const provider = this.providerOf.get(model);
    return provider === undefined ? true : this.isAvailable(model, provider);
  }

  /** The observed latency average for a model, or null before any success. */
  latencyMs(model: string): number | null {
    return this.models.get(model)?.latency.value ?? null;
  }

  snapshot(): HealthSnapshot[] {
    const now = this.options.now();
    const rows: HealthSnapshot[] = [];
    for (const [kind, map] of [['model', this.models], ['provider', this.providers]] as const) {
      for (const [key, s] of map) {
        rows.push({
          key,
          kind,
          state: s.breaker.state(now),
          samples: s.samples,
          successRate: s.success.value,
          errorRate: s.errors.value,
          latencyMs: s.latency.value,
          ttftMs: s.ttft.value,
          retryInMs: s.breaker.retryInMs(now),
        });
      }
    }
    return rows;
  }

  /** A reserved call that never went out (or could not judge health): the next caller may probe. */
  release(model: string, provider: string): void {
    this.models.get(model)?.breaker.release();
    this.providers.get(provider)?.breaker.release();
  }

  private stats(map: Map<string, Stats>, key: string): Stats {
    let s = map.get(key);
    if (!s) {
      s = new Stats(this.options.alpha, this.options.breaker);
      map.set(key, s);
    }
    return s;
  }
}
