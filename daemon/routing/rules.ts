// Rules: explicit "this kind of request goes there" overrides, checked before any strategy.
// Evaluation is pure and explains itself, so `route/test` can show why a rule did or did not match.
import type { Rule, RuleTrace } from '../protocol/routing-methods';
import type { ClientContext, TaskType } from '../protocol/routing';
import type { RequestFeatures } from './features';

export interface RuleFacts {
  client: string | undefined;
  workspace: string | undefined;
  command: string | undefined;
  taskType: TaskType;
  languages: string[];
  inputTokens: number;
  /** Stable per request (same prompt → same key): picks weighted targets and canaries. */
  key: string;
}

/** The facts rules see for a request: the same for a decision and for route/test's explanation. */
export function ruleFacts(f: RequestFeatures, context: ClientContext | undefined): RuleFacts {
  return {
    client: context?.name ?? context?.kind,
    workspace: context?.workspace,
    command: context?.command,
    taskType: f.taskType,
    languages: f.languages,
    inputTokens: f.inputTokens,
    key: `${context?.sessionId ?? ''}|${f.promptText.slice(0, 2000)}`,
  };
}

export interface RuleMatch {
  rule: Rule;
  model: string;
  /** Why this model: a weighted target or the canary. */
  via: 'target' | 'canary';
  reasons: string[];
}

export interface RuleEvaluation {
  traces: RuleTrace[];
  match: RuleMatch | null;
}

function list(v: string | string[] | undefined): string[] | undefined {
  return v === undefined ? undefined : Array.isArray(v) ? v : [v];
}

/** `*` matches any run of characters; everything else literally, case-insensitive. */
function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) {
    return pattern.toLowerCase() === value.toLowerCase();
  }
  const re = new RegExp(`^${pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
  return re.test(value);
}

function checkOne(name: string, patterns: string[] | undefined, value: string | undefined, reasons: string[]): boolean {
  if (patterns === undefined) {
    return true;
  }
  const ok = value !== undefined && patterns.some((p) => globMatch(p, value));
  reasons.push(`${name} ${value === undefined ? '(none)' : JSON.stringify(value)} ${ok ? '∈' : '∉'} [${patterns.join(', ')}]`);
  return ok;
}

/** FNV-1a of the key mapped to [0, 1): stable across runs and machines. */
export function stableUnit(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) / 0x1_0000_0000;
}

export function evaluateRules(rules: readonly Rule[], facts: RuleFacts): RuleEvaluation {
  const ordered = rules.map((r, i) => ({ r, i })).sort((a, b) => b.r.priority - a.r.priority || a.i - b.i);
  const traces: RuleTrace[] = [];
  let match: RuleMatch | null = null;
  for (const { r } of ordered) {
    const reasons: string[] = [];
    if (!r.enabled) {
      traces.push({ id: r.id, matched: false, reasons: ['disabled'] });
      continue;
    }
    if (match) {
      traces.push({ id: r.id, matched: false, reasons: [`not checked: rule "${match.rule.id}" (priority ${match.rule.priority}) matched first`] });
      continue;
    }
    const w = r.when;
    let ok = true;
    ok = checkOne('client', list(w.client), facts.client, reasons) && ok;
    ok = checkOne('workspace', list(w.workspace), facts.workspace, reasons) && ok;
    ok = checkOne('command', list(w.command), facts.command, reasons) && ok;
    ok = checkOne('taskType', list(w.taskType), facts.taskType, reasons) && ok;
    const langs = list(w.language);
    if (langs !== undefined) {
      const hit = facts.languages.some((l) => langs.some((p) => globMatch(p, l)));
      reasons.push(`language [${facts.languages.join(', ')}] ${hit ? 'overlaps' : 'misses'} [${langs.join(', ')}]`);
      ok = hit && ok;
    }
    if (w.minTokens !== undefined) {
      const hit = facts.inputTokens >= w.minTokens;
      reasons.push(`tokens ${facts.inputTokens} ${hit ? '≥' : '<'} ${w.minTokens}`);
      ok = hit && ok;
    }
    if (w.maxTokens !== undefined) {
      const hit = facts.inputTokens <= w.maxTokens;
      reasons.push(`tokens ${facts.inputTokens} ${hit ? '≤' : '>'} ${w.maxTokens}`);
      ok = hit && ok;
    }
    if (reasons.length === 0) {
      reasons.push('no conditions: matches every request');
    }
    traces.push({ id: r.id, matched: ok, reasons });
    if (ok) {
      match = { rule: r, ...pickTarget(r, facts.key), reasons };
    }
  }
  return { traces, match };
}

function pickTarget(r: Rule, key: string): { model: string; via: 'target' | 'canary' } {
  if (r.canary && stableUnit(`canary:${r.id}:${key}`) < r.canary.share) {
    return { model: r.canary.model, via: 'canary' };
  }
  const total = r.targets.reduce((s, t) => s + t.weight, 0);
  let u = stableUnit(`target:${r.id}:${key}`) * total;
  for (const t of r.targets) {
    u -= t.weight;
    if (u < 0) {
      return { model: t.model, via: 'target' };
    }
  }
  // Rounding can leave u at exactly 0 after the last target.
  return { model: r.targets[r.targets.length - 1]?.model ?? '', via: 'target' };
}
