// Builds per-arm summaries from request outcomes (ledger rows joined with feedback). One pass,
// constant memory per arm except the latencies kept for p50/p95.
import type { ArmObservations } from './analysis';
import type { MeanMetric, RateMetric } from './metricKinds';
import { MeanAccumulator, RateAccumulator } from './summary';

export interface RequestOutcome {
  arm: string;
  /** null when the model's price is unknown: excluded from cost, never $0. */
  costUsd: number | null;
  latencyMs: number;
  ttftMs: number | null;
  status: 'ok' | 'error' | 'cancelled';
  /** Models tried before the one that answered. */
  fallbackCount: number;
  /** null when the ledger does not record escalation for this request. */
  escalated: boolean | null;
  /** The latest feedback on a 0..1 scale, or null. */
  feedback: number | null;
  unitFallback: boolean;
}

class ArmBuilder {
  requests = 0;
  unitFallbacks = 0;
  unknownCost = 0;
  totalCost = 0;
  feedbackCount = 0;
  readonly means: Record<MeanMetric, MeanAccumulator> = {
    costPerRequest: new MeanAccumulator(),
    latencyMs: new MeanAccumulator(),
    ttftMs: new MeanAccumulator(),
    feedbackScore: new MeanAccumulator(),
  };
  readonly rates: Record<RateMetric, RateAccumulator> = {
    successRate: new RateAccumulator(),
    errorRate: new RateAccumulator(),
    fallbackRate: new RateAccumulator(),
    escalationRate: new RateAccumulator(),
  };
  readonly latencies: number[] = [];

  constructor(
    readonly arm: string,
    readonly weight: number,
    private readonly keepLatencies: boolean,
  ) {}

  add(o: RequestOutcome): void {
    this.requests += 1;
    if (o.unitFallback) {
      this.unitFallbacks += 1;
    }
    if (o.costUsd === null) {
      this.unknownCost += 1;
    } else {
      this.totalCost += o.costUsd;
      this.means.costPerRequest.add(o.costUsd);
    }
    // Latency of failed calls measures the failure, not the model: only answered requests count.
    if (o.status === 'ok') {
      this.means.latencyMs.add(o.latencyMs);
      if (this.keepLatencies) {
        this.latencies.push(o.latencyMs);
      }
      if (o.ttftMs !== null) {
        this.means.ttftMs.add(o.ttftMs);
      }
    }
    if (o.feedback !== null) {
      this.feedbackCount += 1;
      this.means.feedbackScore.add(o.feedback);
    }
    this.rates.successRate.add(o.status === 'ok');
    this.rates.errorRate.add(o.status === 'error');
    this.rates.fallbackRate.add(o.fallbackCount > 0);
    if (o.escalated !== null) {
      this.rates.escalationRate.add(o.escalated);
    }
  }

  build(): ArmObservations {
    const obs: ArmObservations = {
      arm: this.arm,
      weight: this.weight,
      requests: this.requests,
      unitFallbacks: this.unitFallbacks,
      unknownCostRequests: this.unknownCost,
      totalCostUsd: this.totalCost,
      feedbackCount: this.feedbackCount,
      means: {
        costPerRequest: this.means.costPerRequest.summary(),
        latencyMs: this.means.latencyMs.summary(),
        ttftMs: this.means.ttftMs.summary(),
        feedbackScore: this.means.feedbackScore.summary(),
      },
      rates: {
        successRate: this.rates.successRate.summary(),
        errorRate: this.rates.errorRate.summary(),
        fallbackRate: this.rates.fallbackRate.summary(),
        escalationRate: this.rates.escalationRate.summary(),
      },
    };
    if (this.keepLatencies) {
      obs.latencies = this.latencies;
    }
    return obs;
  }
}

/** Accumulates outcomes per arm, in the experiment's arm order (control first). */
export class ObservationBuilder {
  private readonly arms: Map<string, ArmBuilder>;

  constructor(arms: readonly { name: string; weight: number }[], options: { keepLatencies: boolean }) {
    this.arms = new Map(arms.map((a) => [a.name, new ArmBuilder(a.name, a.weight, options.keepLatencies)]));
  }

  /** Outcomes of an arm that is no longer in the experiment are ignored (arms are fixed at creation). */
  add(o: RequestOutcome): void {
    this.arms.get(o.arm)?.add(o);
  }

  build(): ArmObservations[] {
    return [...this.arms.values()].map((a) => a.build());
  }
}
