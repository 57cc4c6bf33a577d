// Several endpoints (base URLs or API keys) serving one model: pick one per call, either by
// weight (smooth weighted round-robin, as nginx does: deterministic and evenly interleaved) or by
// least latency (moving average, scaled by calls in flight). Endpoints whose own circuit is open
// are skipped until they may be probed again.
import { CircuitBreaker, DEFAULT_BREAKER, type BreakerOptions } from './circuitBreaker';
import { Ewma } from './ewma';

export interface Endpoint {
  id: string;
  /** Relative share of calls under the weighted strategy (> 0). */
  weight: number;
  baseUrl?: string | undefined;
  /** Which stored key to use (a keychain entry name); never the key itself. */
  keyName?: string | undefined;
}

export type BalanceStrategy = 'weighted' | 'least_latency';

interface EndpointState {
  endpoint: Endpoint;
  current: number;
  inFlight: number;
  latency: Ewma;
  errors: Ewma;
  samples: number;
  breaker: CircuitBreaker;
}

export class Balancer {
  private readonly states: EndpointState[];

  constructor(
    endpoints: Endpoint[],
    private readonly strategy: BalanceStrategy,
    private readonly now: () => number = Date.now,
    breaker: BreakerOptions = DEFAULT_BREAKER,
  ) {
    if (endpoints.length === 0) {
      throw new Error('a balancer needs at least one endpoint');
    }
    this.states = endpoints.map((endpoint) => ({ endpoint, current: 0, inFlight: 0, latency: new Ewma(0.3), errors: new Ewma(0.3), samples: 0, breaker: new CircuitBreaker(breaker) }));
  }

  /** The endpoint for the next call (counted as in flight until `release`), or null when all are open or excluded. */
  pick(exclude: ReadonlySet<string> = new Set()): Endpoint | null {
    const now = this.now();
    const open = this.states.filter((s) => !exclude.has(s.endpoint.id) && s.breaker.allows(now));
    if (open.length === 0) {
      return null;
    }
    const chosen = this.strategy === 'weighted' ? this.weighted(open) : this.fastest(open);
    chosen.breaker.tryAcquire(now);
    chosen.inFlight++;
    return chosen.endpoint;
  }

  release(id: string, outcome: { ok: boolean; latencyMs: number }): void {
    const s = this.states.find((x) => x.endpoint.id === id);
    if (!s) {
      return;
    }
    s.inFlight = Math.max(0, s.inFlight - 1);
    s.samples++;
    s.errors.add(outcome.ok ? 0 : 1);
    if (outcome.ok) {
      s.latency.add(outcome.latencyMs);
      s.breaker.onSuccess();
    } else {
      s.breaker.onFailure(this.now(), s.errors.value ?? 1, s.samples);
    }
  }

  private weighted(candidates: EndpointState[]): EndpointState {
    let total = 0;
    let best: EndpointState | undefined;
    for (const s of candidates) {
      s.current += s.endpoint.weight;
      total += s.endpoint.weight;
      if (!best || s.current > best.current) {
        best = s;
      }
    }
    const chosen = best ?? (candidates[0] as EndpointState);
    chosen.current -= total;
    return chosen;
  }

  private fastest(candidates: EndpointState[]): EndpointState {
    // An endpoint never measured is tried first (once at a time), so every endpoint gets a figure.
    const cost = (s: EndpointState): number => {
      if (s.latency.value === null) {
        return s.inFlight === 0 ? -1 : Number.MAX_SAFE_INTEGER - s.inFlight;
      }
      return s.latency.value * (1 + s.inFlight);
    };
    return candidates.reduce((a, b) => (cost(b) < cost(a) ? b : a));
  }
}
