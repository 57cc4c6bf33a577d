// Escalation: when an answer signals low confidence, the chat pipeline re-asks a stronger model
// once. Both halves are pure so the pipeline decides when to call them and counts escalations.
import type { FinishReason } from '../protocol/chat';
import type { RoutingDecision } from '../protocol/routing';

export type EscalationSignal = 'length' | 'refusal' | 'empty' | 'hedging';

export interface AnswerForEscalation {
  text: string;
  finishReason: FinishReason;
  /** True when the answer is tool calls (an empty text is then expected). */
  hasToolCalls?: boolean;
  /**
   * The caller set max_tokens: a `length` finish is what they asked for, and the stronger model
   * would be cut at the same place. (No log-probability signal: no provider call requests them.)
   */
  callerMaxTokens?: boolean;
}

const REFUSAL = /^\s*(I['’]m sorry|I am sorry|I apologi[sz]e|I can(?:no|['’])t (?:help|assist|provide|do that)|I(?: am|['’]m) (?:not able|unable) to|As an AI(?: language model)?,? I)/i;
const HEDGING = /\b(I['’]m not (?:sure|certain)|I am not (?:sure|certain)|I don['’]t know|it['’]s unclear|I cannot be certain|I may be wrong|I think,? but I['’]m not sure)\b/i;

export function shouldEscalate(answer: AnswerForEscalation): { escalate: boolean; signal: EscalationSignal | null } {
  const yes = (signal: EscalationSignal) => ({ escalate: true, signal });
  if (answer.finishReason === 'length') {
    return answer.callerMaxTokens === true ? { escalate: false, signal: null } : yes('length');
  }
  const text = answer.text.trim();
  if (text.length === 0 && answer.hasToolCalls !== true) {
    return yes('empty');
  }
  // Refusals and hedges are judged on the opening, where models put them.
  const head = text.slice(0, 400);
  if (answer.finishReason === 'content_filter' || REFUSAL.test(head)) {
    return yes('refusal');
  }
  if (HEDGING.test(head)) {
    return yes('hedging');
  }
  return { escalate: false, signal: null };
}

/**
 * The model to re-ask: the policy's configured target, else the eligible candidate with the best
 * predicted quality above the chosen model's. Null when escalation is off for the decision's
 * policy or nothing stronger is eligible.
 */
export function escalationTarget(decision: RoutingDecision): string | null {
  const esc = decision.escalation;
  if (!esc?.enabled) {
    return null;
  }
  return esc.to;
}

/** Computed at decision time (the router calls this) so `escalationTarget` needs only the decision. */
export function strongerCandidate(decision: Pick<RoutingDecision, 'model' | 'candidates'>, configured: string | undefined): string | null {
  if (configured !== undefined && configured !== decision.model) {
    return configured;
  }
  const chosen = decision.candidates.find((c) => c.model === decision.model);
  const floor = chosen?.quality ?? 0;
  let best: { model: string; quality: number } | null = null;
  for (const c of decision.candidates) {
    if (c.excluded === undefined && c.model !== decision.model && c.quality > floor && (best === null || c.quality > best.quality)) {
      best = { model: c.model, quality: c.quality };
    }
  }
  return best?.model ?? null;
}
