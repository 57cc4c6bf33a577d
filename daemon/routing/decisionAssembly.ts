// The RoutingDecision a caller sees, assembled from the chosen estimate: each candidate's figures
// and score, the savings against the baseline model, the chosen effort and expected wall time, and
// where escalation would go.
import type { CandidateEstimate, RoutingDecision, Tradeoff } from '../protocol/routing';
import type { Policy } from '../protocol/routing-methods';
import { estimateCallCost } from '../ledger/estimates';
import type { Catalog } from './catalog';
import { round3, type Estimate } from './candidateEstimate';
import { strongerCandidate } from './escalation';
import type { RequestFeatures } from './features';

export interface DecisionParts {
  best: Estimate;
  fallbacks: string[];
  /** One per model; each shows its ranking score (`score` when `ranked`, else 0). */
  estimates: Estimate[];
  tradeoff: Tradeoff;
  features: RequestFeatures;
  strategy: string;
  policy: string;
  rule: string | null;
  confidence: number;
  reason: string;
  escalation: Policy['escalation'];
  difficulty: number;
}

export function assembleDecision(catalog: Catalog, baselineModel: string | null, a: DecisionParts): RoutingDecision {
  const baseline = baselineModel ? catalog.get(baselineModel) : undefined;
  // Savings compare like with like: the baseline answering at the chosen model's length.
  const baselineCost = baseline ? estimateCallCost(baseline, a.features.inputTokens, a.best.outputTokens) : null;
  const candidates: CandidateEstimate[] = a.estimates.map((e) => {
    const c: CandidateEstimate = { model: e.model, provider: e.provider, quality: e.quality, costUsd: e.costUsd, latencyMs: e.latencyMs, score: round3(e.ranked ? e.score : 0), effort: e.effort, thinkingTokens: e.thinkingTokens };
    if (e.excluded !== null) {
      c.excluded = e.excluded;
    }
    return c;
  });
  const decision: RoutingDecision = {
    model: a.best.model,
    provider: a.best.provider,
    fallbacks: a.fallbacks,
    reason: a.reason,
    strategy: a.strategy,
    policy: a.policy,
    rule: a.rule,
    tradeoff: a.tradeoff,
    taskType: a.features.taskType,
    confidence: a.confidence,
    inputTokens: a.features.inputTokens,
    estimatedOutputTokens: a.best.outputTokens,
    estimatedCostUsd: a.best.costUsd,
    baselineModel: baseline?.id ?? null,
    estimatedSavingsUsd: baselineCost !== null && a.best.costUsd !== null ? baselineCost - a.best.costUsd : null,
    candidates,
    experiment: null,
    effort: a.best.effort,
    expectedWallMs: a.best.latencyMs,
    difficulty: round3(a.difficulty),
  };
  const enabled = a.escalation?.enabled === true;
  decision.escalation = { enabled, to: enabled ? strongerCandidate(decision, a.escalation?.to) : null };
  return decision;
}
