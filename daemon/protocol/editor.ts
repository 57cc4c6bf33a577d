// Methods the editor needs beyond chat: the daemon's token count (VS Code's provideTokenCount) and
// the spending kill switch every client obeys. Leaf module: zod only.
import { z } from 'zod';
import { ChatMessage } from './chat';
import type { RoutingDecision } from './routing';

const result = <R>() => undefined as unknown as R;

/** Counts with the daemon's tokenizer: a text, or a conversation as the router counts it. */
export const TokensCountParams = z
  .object({
    text: z.string().max(4_000_000).optional(),
    messages: z.array(ChatMessage).max(10_000).optional(),
  })
  .strict()
  .refine((p) => (p.text === undefined) !== (p.messages === undefined), { message: 'give exactly one of text or messages' });
export interface TokensCountResult {
  tokens: number;
  /** false when a very long text was counted on a sample and scaled. */
  exact: boolean;
}

export const SpendingPauseParams = z.object({ reason: z.string().max(200).optional() }).strict();
export const SpendingResumeParams = z.object({}).strict();
export const SpendingStatusParams = z.object({}).strict();
/** The kill switch: while paused, every chat request from every client is refused before routing. */
export interface SpendingState {
  paused: boolean;
  /** When it was paused (ms since epoch), null when running. */
  since: number | null;
  reason: string | null;
}

/** A recent request's full decision (candidates and estimates); notFound for older ones. */
export const RequestDecisionParams = z.object({ requestId: z.string().min(1).max(200) }).strict();
export interface RequestDecisionResult {
  requestId: string;
  decision: RoutingDecision;
}

export const editorMethods = {
  'request/decision': { params: RequestDecisionParams, result: result<RequestDecisionResult>() },
  'tokens/count': { params: TokensCountParams, result: result<TokensCountResult>() },
  'spending/pause': { params: SpendingPauseParams, result: result<SpendingState>() },
  'spending/resume': { params: SpendingResumeParams, result: result<SpendingState>() },
  'spending/status': { params: SpendingStatusParams, result: result<SpendingState>() },
} as const;

export const editorNotifications = {
  /** The kill switch was turned on or off (broadcast to every attached client). */
  spendingChanged: 'spending/changed',
} as const;
export type SpendingChangedNotification = SpendingState;
