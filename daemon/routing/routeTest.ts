// `route/test`: what routing would do with this request and why: the decision (or the error a
// real request would get), the features it saw, and every rule with the conditions it checked.
import { RouterError } from '../protocol/errors';
import type { Policy, Rule, RouteTestResult } from '../protocol/routing-methods';
import { extractFeatures } from './features';
import type { RouteInput, Router } from './router';
import { evaluateRules, ruleFacts } from './rules';

export function routeTest(router: Router, input: RouteInput, override: { rules?: Rule[]; policies?: Policy[] }, configuredRules: readonly Rule[]): RouteTestResult {
  try {
    const t = router.trace(input, override);
    return { decision: t.decision, error: null, features: summary(t.features), rules: t.rules, matchedRule: t.matchedRule };
  } catch (e) {
    if (!(e instanceof RouterError)) {
      throw e;
    }
    const f = extractFeatures(input.request, input.context);
    const ev = evaluateRules(override.rules ?? configuredRules, ruleFacts(f, input.context));
    return { decision: null, error: { code: e.code, message: e.message }, features: summary(f), rules: ev.traces, matchedRule: ev.match?.rule.id ?? null };
  }
}

function summary(f: ReturnType<typeof extractFeatures>): RouteTestResult['features'] {
  return {
    inputTokens: f.inputTokens,
    tokenCountExact: f.tokenCountExact,
    taskType: f.taskType,
    complexity: Math.round(f.complexity * 1000) / 1000,
    codeBlocks: f.codeBlocks,
    languages: f.languages,
    turns: f.turns,
  };
}
