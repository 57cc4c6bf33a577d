// The contract between a webview and the extension: JSON-RPC 2.0 over postMessage, typed in both
// directions. The webview may call only the read-only daemon methods listed here (the extension
// validates every message and forwards nothing else); the extension pushes view updates as
// notifications. Browser-safe: type-only imports from the protocol, so zod stays out of the bundle.
import type { BudgetChangedNotification, ChatCompleteResult, FeedbackSubmitResult, MethodName, ParamsIn, Result, SpendChangedNotification } from '../daemon/protocol';

/** Read-only daemon methods any webview may call. Keys, chat and other writes are never forwarded. */
export const BRIDGED_METHODS = [
  'daemon/status',
  'models/list',
  'spend/summary',
  'spend/requests',
  'spend/timeseries',
  'budget/list',
  'budget/status',
  'keys/list',
  'providers/health',
  'experiment/list',
  'experiment/get',
  'request/decision',
  'team/status',
  'spend/conversations',
  'routing/learnedState',
] as const satisfies readonly MethodName[];
export type BridgedMethod = (typeof BRIDGED_METHODS)[number];

export function isBridgedMethod(method: string): method is BridgedMethod {
  return (BRIDGED_METHODS as readonly string[]).includes(method);
}

/**
 * The writes a webview may ask for, each only from a panel that opts in: thumbs on an answer the
 * answer panel showed (a narrower shape than the daemon accepts), and budgets from the dashboard.
 */
export const BRIDGED_WRITE_METHODS = ['feedback/submit', 'budget/set', 'budget/delete'] as const satisfies readonly MethodName[];
export type BridgedWriteMethod = (typeof BRIDGED_WRITE_METHODS)[number];
export interface FeedbackFromView {
  requestId: string;
  thumbs: 'up' | 'down';
}

/** What a webview may ask of the extension: bridged daemon methods plus view-local ones. */
export type WebviewRequests = { [M in BridgedMethod]: (params: ParamsIn<M>) => Result<M> } & {
  'feedback/submit': (params: FeedbackFromView) => FeedbackSubmitResult;
  /** The dashboard edits budgets in place (the daemon validates; its message is shown). */
  'budget/set': (params: ParamsIn<'budget/set'>) => Result<'budget/set'>;
  'budget/delete': (params: ParamsIn<'budget/delete'>) => Result<'budget/delete'>;
  /** The answer panel's current state, so a freshly loaded (or re-shown) view catches up. */
  'answer/snapshot': (params: Record<string, never>) => AnswerSnapshot | null;
  /** A code block's buttons: the extension writes the clipboard / the active editor. */
  'answer/copy': (params: { text: string }) => boolean;
  'answer/insert': (params: { text: string }) => boolean;
  /** Continues the conversation with another question (the answer streams in as usual). */
  'answer/followUp': (params: { question: string }) => boolean;
  /** Re-asks the last question on a stronger model; the panel then shows both answers and costs. */
  'answer/askStronger': (params: Record<string, never>) => boolean;
  /** Runs "Ask with Policy…" (a quick pick in the editor). */
  'answer/askWithPolicy': (params: Record<string, never>) => boolean;
};

/** An earlier turn of the conversation the panel shows above the current one. */
export interface AnswerTurn {
  question: string;
  text: string;
  model: string | null;
  provider: string | null;
  /** null: price unknown, or the turn failed. */
  costUsd: number | null;
  /** e.g. "stronger model" for a re-ask. */
  label: string | null;
}

export interface AnswerStart {
  question: string;
  /** Earlier turns of this conversation (empty for a new one). */
  history: AnswerTurn[];
  label: string | null;
  /** Shown while the router decides, before any text arrives. */
  startedAt: number;
}
export interface AnswerDelta {
  text: string;
}
export interface AnswerDone {
  result: ChatCompleteResult;
  latencyMs: number;
}
export interface AnswerFailed {
  code: string;
  message: string;
}

export interface AnswerSnapshot extends AnswerStart {
  text: string;
  done: AnswerDone | null;
  failed: AnswerFailed | null;
}

/** What the extension pushes to a webview (notifications: no result). */
export type ExtensionNotifications = {
  'spend/changed': (params: SpendChangedNotification) => void;
  'budget/changed': (params: BudgetChangedNotification) => void;
  'answer/start': (params: AnswerStart) => void;
  'answer/delta': (params: AnswerDelta) => void;
  'answer/done': (params: AnswerDone) => void;
  'answer/failed': (params: AnswerFailed) => void;
};

/** Which view a panel's HTML asks `dist/webview.js` to render. */
export type ViewKind = 'dashboard' | 'answer';
