// Builds per-arm summaries from request outcomes (ledger rows joined with feedback). One pass,
// constant memory per arm except the latencies kept for p50/p95.
import type { ArmObservations } from './analysis';
import type { MeanMetric, RateMetric } from './metricKinds';
import { ClusteredMoments, MeanAccumulator, RateAccumulator, type MeanSummary, type RateSummary } from './summary';

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
  /** The assignment unit (hashed) when several requests share it; null for request-level units. */
  unit: string | null;
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
  private readonly clusters: Record<MeanMetric | RateMetric, ClusteredMoments> = {
    costPerRequest: new ClusteredMoments(),
    latencyMs: new ClusteredMoments(),
    ttftMs: new ClusteredMoments(),
    feedbackScore: new ClusteredMoments(),
    successRate: new ClusteredMoments(),
    errorRate: new ClusteredMoments(),
    fallbackRate: new ClusteredMoments(),
    escalationRate: new ClusteredMoments(),
  };
  private clustered = false;

  private mean(m: MeanMetric, unit: string | null, x: number): void {
    this.means[m].add(x);
    this.clusters[m].add(unit, x);
  }

  private rate(m: RateMetric, unit: string | null, hit: boolean): void {
    this.rates[m].add(hit);
    this.clusters[m].add(unit, hit ? 1 : 0);
  }

  /** The larger of the independent and the cluster-robust variance (never less conservative). */
  private meanSummary(m: MeanMetric): MeanSummary {
    const s = this.means[m].summary();
    const v = this.clustered ? this.clusters[m].varianceOfMean() : null;
    return v === null ? s : { ...s, variance: Math.max(s.variance, v * s.n) };
  }

  private rateSummary(m: RateMetric): RateSummary {
    const s = this.rates[m].summary();
    const v = this.clustered ? this.clusters[m].varianceOfMean() : null;
    const p = s.n > 0 ? s.successes / s.n : 0;
    if (v === null || p <= 0 || p >= 1) {
      return s;
    }
    return { ...s, designEffect: Math.max(1, v / ((p * (1 - p)) / s.n)) };
  }

  constructor(
    readonly arm: string,
    readonly weight: number,
    private readonly keepLatencies: boolean,
  ) {}

  add(o: RequestOutcome): void {
    this.requests += 1;
    const u = o.unit;
    if (u !== null) {
      this.clustered = true;
    }
    if (o.unitFallback) {
      this.unitFallbacks += 1;
    }
    if (o.costUsd === null) {
      this.unknownCost += 1;
    } else {
      this.totalCost += o.costUsd;
      this.mean('costPerRequest', u, o.costUsd);
    }
    // Latency of failed calls measures the failure, not the model: only answered requests count.
    if (o.status === 'ok') {
      this.mean('latencyMs', u, o.latencyMs);
      if (this.keepLatencies) {
        this.latencies.push(o.latencyMs);
      }
      if (o.ttftMs !== null) {
        this.mean('ttftMs', u, o.ttftMs);
      }
    }
    if (o.feedback !== null) {
      this.feedbackCount += 1;
      this.mean('feedbackScore', u, o.feedback);
    }
    this.rate('successRate', u, o.status === 'ok');
    this.rate('errorRate', u, o.status === 'error');
    this.rate('fallbackRate', u, o.fallbackCount > 0);
    if (o.escalated !== null) {
      this.rate('escalationRate', u, o.escalated);
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
        costPerRequest: this.meanSummary('costPerRequest'),
        latencyMs: this.meanSummary('latencyMs'),
        ttftMs: this.meanSummary('ttftMs'),
        feedbackScore: this.meanSummary('feedbackScore'),
      },
      rates: {
        successRate: this.rateSummary('successRate'),
        errorRate: this.rateSummary('errorRate'),
        fallbackRate: this.rateSummary('fallbackRate'),
        escalationRate: this.rateSummary('escalationRate'),
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
