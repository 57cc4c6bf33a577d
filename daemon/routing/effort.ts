// Reasoning effort as a routing choice. A reasoning model is several candidates, one per effort
// level: deeper levels think longer (time and output tokens, both paid) and answer hard prompts
// better; on an easy prompt the extra thinking buys nothing. Also: how hard a prompt looks, and
// which of the catalog's per-category quality figures a task type reads.
import type { ChatRequest, EffortLevel } from '../protocol/chat';
import type { TaskType } from '../protocol/routing';
import type { CatalogModel } from './catalog';
import type { ReasoningSpec } from './catalogData';
import type { RequestFeatures } from './features';
import type { TaskCategory } from './taskCategories';
import type { ReasoningSetting } from '../providers/adapter';

/** 0 = no thinking, 1 = the deepest setting; the catalog's quality figure is the model at depth 1. */
export const EFFORT_DEPTH: Record<EffortLevel, number> = { none: 0, minimal: 0.15, low: 0.4, medium: 0.7, high: 1, xhigh: 1 };

/**
 * Quality a prompt of hardness 1 loses when answered without thinking instead of at the deepest
 * setting. An estimate (the catalog data file's methods.effort says so): no public per-effort
 * quality figures exist for these models; arena ratings of thinking and non-thinking variants
 * differ little because arena prompts are mostly easy, while hard math and code differ a lot.
 */
export const THINKING_GAP = 0.25;

export interface EffortOption {
  /** null: the model does not reason (nothing to send). */
  effort: EffortLevel | null;
  /** Typical hidden reasoning tokens at this level for this prompt. */
  thinkingTokens: number;
  depth: number;
}

/**
 * 0..1 from the request's structure (complexity) and the quality model's difficulty. Everyday
 * prompts ("thanks!", a conversion, a short summary) land near 0, a proof or a concurrency bug
 * above 0.6. Structure carries most weight: the learned difficulty barely separates them today.
 */
export function hardnessOf(f: RequestFeatures, difficulty: number): number {
  const raw = 0.6 * f.complexity + 0.4 * difficulty;
  return Math.min(1, Math.max(0, (raw - 0.2) / 0.4));
}

/** How much quality differences count for this prompt outside `quality` (see ScoringContext.stakes). */
export function stakesOf(hardness: number): number {
  return 0.45 + 0.55 * hardness;
}

/**
 * The effort settings routing may choose for a model: every level it supports, or only the one
 * the request pinned (see effortAt). A model that does not reason has one option, `effort: null`.
 */
export function effortOptions(m: CatalogModel, hardness: number, pinned: EffortLevel | undefined): EffortOption[] | { unsupported: string } {
  const unsupported = unsupportedEffort(m, pinned);
  if (unsupported !== null) {
    return { unsupported };
  }
  if (!m.reasoning) {
    return [{ ...NO_EFFORT }];
  }
  const spec = m.reasoning;
  const levels = pinned === undefined ? spec.levels : spec.levels.filter((l) => l.effort === pinned);
  return levels.map((l) => effortAt(spec, l, hardness, { effort: null, thinkingTokens: 0, depth: 0 }));
}

/**
 * Why `m` must run without thinking on this request, or null. Anthropic's budgeted thinking is
 * refused with a forced tool choice, and inside a tool loop (the last assistant turn called tools)
 * it requires that turn to start with its own signed thinking block, which the router does not
 * carry (canonical messages hold no thinking, and the block may come from another model): either
 * way Anthropic answers 400. So such a model is offered, sent and recorded at effort `none` there,
 * whatever effort routing or the client would have chosen.
 */
export function thinkingBlocked(m: CatalogModel, request: Pick<ChatRequest, 'messages' | 'tool_choice'>): string | null {
  if (m.reasoning?.control !== 'budget' || m.provider !== 'anthropic' || !m.reasoning.levels.some((l) => l.effort === 'none')) {
    return null;
  }
  const choice = request.tool_choice;
  if (choice === 'required' || (typeof choice === 'object' && choice.type === 'function')) {
    return 'thinking off: Anthropic refuses thinking with a forced tool choice';
  }
  for (let i = request.messages.length - 1; i >= 0; i--) {
    const msg = request.messages[i];
    if (msg?.role === 'assistant') {
      return (msg.tool_calls?.length ?? 0) > 0 ? 'thinking off: inside a tool loop Anthropic needs the turn\'s own thinking blocks, which are not carried' : null;
    }
  }
  return null;
}

/**
 * Why `m` cannot answer this conversation, or null. DeepSeek's thinking mode requires every earlier
 * assistant turn that called tools to come back with its reasoning_content, or it answers 400;
 * canonical messages do not keep it. DeepSeek's always-thinking model is therefore out of routing
 * once the conversation has called tools (a request naming it is sent as asked).
 */
export function reasoningNotCarried(m: CatalogModel, request: Pick<ChatRequest, 'messages'>): string | null {
  if (m.provider !== 'deepseek' || m.reasoning?.control !== 'fixed') {
    return null;
  }
  return request.messages.some((msg) => msg.role === 'assistant' && (msg.tool_calls?.length ?? 0) > 0)
    ? 'thinks, and DeepSeek needs its earlier tool-calling turns\' reasoning back, which is not carried'
    : null;
}

/** The one option of a model that does not reason (never changed by its readers). */
export const NO_EFFORT: Readonly<EffortOption> = Object.freeze({ effort: null, thinkingTokens: 0, depth: 0 });

/** Why `m` cannot take the pinned effort (null: it can, or nothing is pinned). */
export function unsupportedEffort(m: CatalogModel, pinned: EffortLevel | undefined): string | null {
  if (!m.reasoning) {
    return pinned !== undefined && pinned !== 'none' ? `does not reason (effort "${pinned}" asked; it takes none)` : null;
  }
  if (pinned === undefined ? m.reasoning.levels.length === 0 : !m.reasoning.levels.some((l) => l.effort === pinned)) {
    return `does not support effort "${pinned ?? ''}" (supports ${supportedEfforts(m).join(', ')})`;
  }
  return null;
}

/**
 * One of effortOptions' options, written into `into` (the router's loop reuses one object for every
 * level of every model). Thinking scales with the prompt: half the typical count on an easy prompt,
 * 1.5× on the hardest; a model that always thinks at its one setting is as deep as the catalog says.
 */
export function effortAt(spec: ReasoningSpec, level: ReasoningSpec['levels'][number], hardness: number, into: EffortOption): EffortOption {
  into.effort = level.effort;
  into.thinkingTokens = Math.round(level.thinkingTokens * (0.5 + hardness));
  into.depth = spec.control === 'fixed' ? 1 : EFFORT_DEPTH[level.effort];
  return into;
}

export function supportedEfforts(m: CatalogModel): EffortLevel[] {
  return m.reasoning ? m.reasoning.levels.map((l) => l.effort) : ['none'];
}

/** The model's quality at this depth for a prompt this hard. */
export function qualityAtDepth(quality: number, depth: number, hardness: number): number {
  return Math.max(0, quality - THINKING_GAP * hardness * (1 - depth));
}

/** Which per-category figures a task type reads (weights sum to 1). */
const TASK_CATEGORY_WEIGHTS: Record<TaskType, Partial<Record<TaskCategory, number>>> = {
  code: { code: 1 },
  math: { math: 0.7, reasoning: 0.3 },
  analysis: { reasoning: 0.7, writing: 0.3 },
  creative: { writing: 1 },
  extraction: { extraction: 1 },
  simple: { chat: 1 },
  chat: { chat: 1 },
};

/** Above this many prompt tokens the long-context figure weighs half. */
export const LONG_PROMPT_TOKENS = 8_000;

/**
 * The model's quality for this task from its per-category figures (unknown categories fall back
 * to the overall prior). The router hands quality models this view as `qualityPrior`, so a
 * prompt-only model still ranks a strong coder above a strong writer on code.
 */
export function taskQuality(m: CatalogModel, task: TaskType, inputTokens: number, usesTools: boolean): number {
  const q = m.qualityByCategory;
  if (!q) {
    return m.qualityPrior;
  }
  let sum = 0;
  for (const [cat, w] of Object.entries(TASK_CATEGORY_WEIGHTS[task]) as [TaskCategory, number][]) {
    sum += w * (q[cat] ?? m.qualityPrior);
  }
  if (usesTools && q.tools !== undefined) {
    sum = 0.5 * sum + 0.5 * q.tools;
  }
  if (inputTokens > LONG_PROMPT_TOKENS) {
    sum = 0.5 * sum + 0.5 * (q.longContext ?? m.qualityPrior);
  }
  return Math.round(sum * 1000) / 1000;
}

/**
 * What to send a model for the chosen effort: the level if it has it, else its default level (a
 * fallback model that lacks the chosen one); nothing for a model that does not reason or when no
 * effort was chosen.
 */
export function reasoningFor(m: CatalogModel, effort: EffortLevel | null | undefined, request?: Pick<ChatRequest, 'messages' | 'tool_choice'>): ReasoningSetting | undefined {
  if (!m.reasoning || effort === undefined || effort === null || (request !== undefined && thinkingBlocked(m, request) !== null)) {
    return undefined;
  }
  const spec = m.reasoning;
  const level = spec.levels.find((l) => l.effort === effort) ?? spec.levels.find((l) => l.effort === spec.default);
  if (!level) {
    return undefined;
  }
  return { control: spec.control, effort: level.effort, budgetTokens: level.budgetTokens };
}

/**
 * The effort `m` actually ran at when `sent` travelled with the request (what `reasoningFor` gives
 * the adapter), or the model's own default when nothing was sent; null for a model that does not
 * reason. The ledger records this, so a fallback or escalation model's row names its own setting.
 */
export function effortRanAt(m: CatalogModel, sent: EffortLevel | null | undefined, request?: Pick<ChatRequest, 'messages' | 'tool_choice'>): EffortLevel | null {
  if (!m.reasoning) {
    return null;
  }
  if (request !== undefined && thinkingBlocked(m, request) !== null) {
    return 'none';
  }
  return reasoningFor(m, sent)?.effort ?? m.reasoning.default;
}
