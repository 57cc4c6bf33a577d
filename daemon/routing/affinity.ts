// Conversation affinity: a later turn of a conversation keeps the model that answered the earlier
// ones, unless re-routing is worth it. Routing each turn afresh loses the provider's prompt-cache
// discount on the shared prefix and the conversation's coherence (a model that hops mid-chat).
//
// A conversation is recognised by an explicit key (x-llm-router-session, OpenAI prompt_cache_key or
// user, Anthropic metadata.user_id) or, failing that, by its prefix: the instructions and first user
// message. Keys are stored hashed (`conv_<hex>`): a user id or session id never reaches the store.
//
// The turn is first routed afresh (the router's free decision); `judgeTurn` then compares it with
// the conversation's model, in this order, and says which rule decided:
//   1. the earlier model is no longer usable here (not a candidate, excluded by a constraint, an
//      open circuit, a budget's paused models, or a budget in scope that can no longer afford its
//      estimate — planning's budget stage vets every candidate) → moved to the fresh choice, which
//      the budgets can afford;
//   2. the turn is clearly harder or easier than the one that chose the model (difficulty up or
//      down by 0.2, or up by 0.1 into a math/code/analysis task) → moved to the fresh choice;
//   3. the fresh choice is as good (predicted quality within 0.02) and cheaper even after giving up
//      the earlier model's cache discount on the shared prefix → moved;
//   4. otherwise → kept, with the discount that staying preserves.
// Only `auto` and policy requests are steered; a concrete model is recorded, never overridden.
import { hash as digest } from 'node:crypto';
import type { ChatMessage } from '../protocol/chat';
import type { ClientContext, ConversationRouting, RoutingDecision, TaskType } from '../protocol/routing';
import { priceOf, type ModelPrice } from '../ledger/pricing';
import type { CatalogModel } from './catalog';
import { messageText } from './features';

/** The conversation as the store remembers it. */
export interface ConversationState {
  id: string;
  model: string;
  provider: string;
  /** Difficulty and task type of the turn that chose `model` (the anchor for rule 3). */
  difficulty: number | null;
  taskType: string | null;
  /** Prompt tokens of the last turn: the prefix the next turn shares (and the provider may cache). */
  lastInputTokens: number;
  turns: number;
}

export interface ExplicitKey {
  key: string;
  source: Exclude<ConversationRouting['keySource'], 'prefix'>;
}

const HARD_TASKS: ReadonlySet<TaskType> = new Set(['math', 'code', 'analysis']);
const CLEAR_SHIFT = 0.2;
const SHIFT_INTO_HARD_TASK = 0.1;
const SAME_QUALITY = 0.02;

/** The one-shot digest: the same hex as createHash's, without a Hash object per turn (half the time). */
function hash(text: string): string {
  return digest('sha256', text, 'hex').slice(0, 24);
}

/**
 * The conversation id: the explicit key's hash, else the hash of the client and the conversation's
 * opening (instructions up to and including the first user message). Null when there is no user
 * message to anchor a prefix on.
 */
export function conversationIdOf(explicit: ExplicitKey | undefined, context: ClientContext, messages: readonly ChatMessage[]): { id: string; source: ConversationRouting['keySource'] } | null {
  if (explicit) {
    return { id: `conv_${hash(`${explicit.source}\u0000${explicit.key}`)}`, source: explicit.source };
  }
  const firstUser = messages.findIndex((m) => m.role === 'user');
  if (firstUser < 0) {
    return null;
  }
  const opening = messages.slice(0, firstUser + 1).map((m) => `${m.role}\u0000${messageText(m)}`);
  return { id: `conv_${hash(['prefix', context.kind, context.name ?? '', ...opening].join('\u0001'))}`, source: 'prefix' };
}

/** USD the provider's cache saves on `tokens` cached input tokens of this model; null when unpriced. */
export function cacheDiscountUsd(price: ModelPrice | null, tokens: number): number | null {
  if (price === null) {
    return null;
  }
  return (tokens * Math.max(0, price.inputPerMTok - price.cachedInputPerMTok)) / 1e6;
}

export interface TurnInput {
  state: ConversationState;
  /** The router's free decision for this turn. */
  fresh: RoutingDecision;
  model(id: string): CatalogModel | undefined;
}

export interface TurnJudgement {
  outcome: 'kept' | 'moved';
  /** The model this turn goes to. */
  model: string;
  why: string;
}

function money(x: number): string {
  return x === 0 ? '$0' : `$${x.toPrecision(2)}`;
}

/** Rules 1–4 above. Pure: the conversation's state is passed in. */
export function judgeTurn(t: TurnInput): TurnJudgement {
  const { state, fresh } = t;
  const prev = state.model;
  const cand = fresh.candidates.find((c) => c.model === prev);
  if (!cand) {
    return { outcome: 'moved', model: fresh.model, why: `${prev} is no longer a candidate (no key, or not in this policy)` };
  }
  if (cand.excluded !== undefined) {
    return { outcome: 'moved', model: fresh.model, why: `${prev} no longer fits: ${cand.excluded}` };
  }
  if (fresh.model === prev) {
    return { outcome: 'kept', model: prev, why: `${prev} is still the best choice` };
  }
  if (state.difficulty !== null && fresh.difficulty !== undefined) {
    const delta = fresh.difficulty - state.difficulty;
    const intoHard = HARD_TASKS.has(fresh.taskType) && fresh.taskType !== state.taskType && delta >= SHIFT_INTO_HARD_TASK;
    if (delta >= CLEAR_SHIFT || intoHard) {
      return { outcome: 'moved', model: fresh.model, why: `this turn is clearly harder (${fresh.taskType}, difficulty ${state.difficulty.toFixed(2)} → ${fresh.difficulty.toFixed(2)}): ${fresh.model} suits it better` };
    }
    if (delta <= -CLEAR_SHIFT) {
      return { outcome: 'moved', model: fresh.model, why: `this turn is clearly easier (difficulty ${state.difficulty.toFixed(2)} → ${fresh.difficulty.toFixed(2)}): ${fresh.model} is enough` };
    }
  }
  const freshCand = fresh.candidates.find((c) => c.model === fresh.model);
  const prevModel = t.model(prev);
  const discount = prevModel ? cacheDiscountUsd(priceOf(prevModel), Math.min(state.lastInputTokens, fresh.inputTokens)) : null;
  if (freshCand && freshCand.costUsd !== null && cand.costUsd !== null && discount !== null && freshCand.quality >= cand.quality - SAME_QUALITY) {
    const stayCost = cand.costUsd - discount;
    if (freshCand.costUsd < stayCost) {
      return { outcome: 'moved', model: fresh.model, why: `${fresh.model} is as good and saves ${money(stayCost - freshCand.costUsd)} more than the ${money(discount)} prompt-cache discount it loses` };
    }
  }
  const kept = discount === null ? 'the cache discount is unknown (price unknown)' : discount === 0 ? `${prev} has no prompt-cache discount, the conversation stays coherent` : `staying keeps a ~${money(discount)} prompt-cache discount`;
  return { outcome: 'kept', model: prev, why: `${fresh.model} would gain too little to switch mid-conversation; ${kept}` };
}

/** The free decision turned towards `model` (kept or budget move): the fresh choice becomes a fallback. */
export function steer(fresh: RoutingDecision, model: string): RoutingDecision {
  if (model === fresh.model) {
    return fresh;
  }
  const cand = fresh.candidates.find((c) => c.model === model);
  if (!cand) {
    return fresh;
  }
  const savings = fresh.estimatedSavingsUsd !== null && fresh.estimatedCostUsd !== null && cand.costUsd !== null ? fresh.estimatedSavingsUsd + fresh.estimatedCostUsd - cand.costUsd : null;
  return {
    ...fresh,
    model,
    provider: cand.provider,
    fallbacks: [fresh.model, ...fresh.fallbacks].filter((m) => m !== model).slice(0, 4),
    estimatedCostUsd: cand.costUsd,
    estimatedSavingsUsd: savings,
  };
}
