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
  'team/status',
] as const satisfies readonly MethodName[];
export type BridgedMethod = (typeof BRIDGED_METHODS)[number];

export function isBridgedMethod(method: string): method is BridgedMethod {
  return (BRIDGED_METHODS as readonly string[]).includes(method);
}

/**
 * The one write a webview may ask for, only from a panel that opts in (the answer panel), with a
 * narrower shape than the daemon accepts: thumbs on an answer that panel showed, nothing else.
 */
export const BRIDGED_WRITE_METHODS = ['feedback/submit'] as const satisfies readonly MethodName[];
export type BridgedWriteMethod = (typeof BRIDGED_WRITE_METHODS)[number];
export interface FeedbackFromView {
  requestId: string;
  thumbs: 'up' | 'down';
}

/** What a webview may ask of the extension: bridged daemon methods plus view-local ones. */
export type WebviewRequests = { [M in BridgedMethod]: (params: ParamsIn<M>) => Result<M> } & {
  'feedback/submit': (params: FeedbackFromView) => FeedbackSubmitResult;
  /** The answer panel's current state, so a freshly loaded (or re-shown) view catches up. */
  'answer/snapshot': (params: Record<string, never>) => AnswerSnapshot | null;
};

export interface AnswerStart {
  question: string;
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
