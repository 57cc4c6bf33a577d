// The decision's `reason`: one line a person reads in the dashboard, the CLI and the ledger, naming
// what was asked, how the prompt looked, and what the chosen model is expected to cost and take.
import type { Tradeoff } from '../protocol/routing';
import type { Policy } from '../protocol/routing-methods';
import type { Estimate } from './candidateEstimate';
import type { RequestFeatures } from './features';
import type { RuleChoice } from './ruleChoice';

const atEffort = (e: Estimate) => (e.effort ? ` at effort ${e.effort}` : '');

/** A strategy's choice among `n` eligible models. */
export function strategyReason(strategy: string, tradeoff: Tradeoff, policy: Policy, best: Estimate, n: number, f: RequestFeatures, hardness: number, wtp: number | undefined): string {
  const cost = best.costUsd === null ? 'an unknown price' : `~$${best.costUsd.toPrecision(2)}`;
  const hard = hardness >= 0.6 ? 'hard' : hardness <= 0.25 ? 'easy' : 'typical';
  const how = wtp !== undefined ? `paying up to $${wtp}/quality point` : tradeoff;
  return `${f.taskType} prompt (${f.inputTokens} tokens, looks ${hard}); ${policy.name}/${strategy}, ${how}: ${best.model}${atEffort(best)} predicted quality ${best.quality.toFixed(2)} for ${cost} in ~${(best.latencyMs / 1000).toFixed(1)} s, best of ${n}`;
}

/** A rule's choice, with the models of its chain it had to skip. */
export function ruleReason(choice: Extract<RuleChoice, { best: Estimate }>): string {
  const { match, best } = choice;
  return `rule "${match.rule.id}" (${match.reasons.join('; ')}) → ${best.model}${atEffort(best)}${match.via === 'canary' ? ' (canary)' : ''}${choice.note}`;
}

/** A matching rule none of whose models could take the request, appended to the strategy's reason. */
export function ruleNotAppliedReason(choice: Extract<RuleChoice, { why: string }>): string {
  return `; rule "${choice.match.rule.id}" matched but was not applied: ${choice.why}`;
}

/** A model requested by name: only its effort was chosen. */
export function namedModelReason(model: string, best: Estimate): string {
  return `${model} was requested by name${best.effort ? `, effort ${best.effort}` : ''}`;
}
