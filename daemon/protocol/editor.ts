// Methods the editor needs beyond chat: the daemon's token count (VS Code's provideTokenCount) and
// the spending kill switch every client obeys. Leaf module: zod only.
import { z } from 'zod';
import { ChatMessage } from './chat';
import type { RoutingDecision } from './routing';
import type { LedgerRow } from './ledger';

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

/**
 * A recorded request's decision: the ledger row and, when the store kept it, the full decision
 * (candidates and estimates, the rule or policy that decided). `ts`, the row's time, lets the daemon
 * find a row already moved to the cold ledger. notFound only when no row has the id.
 */
export const RequestDecisionParams = z
  .object({
    requestId: z.string().min(1).max(200),
    ts: z.number().int().nonnegative().optional(),
  })
  .strict();
export interface RequestDecisionResult {
  requestId: string;
  /** null: not kept for this request (recorded before decisions were stored, or moved to the cold ledger). */
  decision: RoutingDecision | null;
  /** The ledger row (null only if the row is gone while its decision is still stored). */
  row: LedgerRow | null;
  /** Candidates left out of the stored decision to keep it small (the least likely ones). */
  candidatesOmitted: number;
  /** Why `decision` is null, in words for the dashboard. */
  note: string | null;
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
