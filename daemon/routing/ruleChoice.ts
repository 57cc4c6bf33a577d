// A matching rule applied to the vetted candidates: its first usable model (and the rest of its
// chain as fallbacks), or, when every model it names is out, exactly why, so a rule the user wrote
// is never dropped in silence.
import type { Estimate } from './candidateEstimate';
import type { RuleMatch } from './rules';

export type RuleChoice =
  | { match: RuleMatch; best: Estimate; fallbacks: string[]; note: string }
  | { match: RuleMatch; why: string };

export function applyRule(match: RuleMatch | null, byModel: Map<string, Estimate>): RuleChoice | null {
  if (!match) {
    return null;
  }
  const chain = [match.model, ...match.rule.fallbacks];
  const usable = chain.filter((id) => byModel.get(id)?.excluded === null);
  const first = usable[0];
  const whyNot = (ids: string[]) => ids.map((s) => `${s}: ${byModel.get(s)?.excluded ?? 'not a candidate (no key, or outside the request\'s candidates)'}`).join('; ');
  const best = first === undefined ? undefined : byModel.get(first);
  if (first === undefined || !best) {
    // The rule's models are all out (constraints, keys, context): the strategy decides, and says why.
    return { match, why: whyNot(chain) };
  }
  const skipped = chain.slice(0, chain.indexOf(first));
  const note = skipped.length ? ` (skipped ${whyNot(skipped)})` : '';
  return { match, best, fallbacks: usable.slice(1), note };
}
