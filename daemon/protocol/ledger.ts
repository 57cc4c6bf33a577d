// One row of the ledger: one routed request. The same names are used by the store's
// `requests` table, the `spend/*` methods and the dashboard.
import type { EffortLevel } from './chat';

export type RequestStatus = 'ok' | 'error' | 'cancelled';
export type Endpoint = 'chat.completions' | 'messages' | 'responses' | 'rpc' | 'ask';

export interface LedgerRow {
  id: string;
  ts: number;
  clientKind: string;
  clientName: string | null;
  workspace: string | null;
  endpoint: Endpoint;
  requestedModel: string;
  model: string;
  provider: string;
  policy: string | null;
  strategy: string | null;
  taskType: string | null;
  reason: string | null;
  stream: boolean;
  tokensIn: number;
  tokensOut: number;
  tokensCached: number;
  tokensReasoning: number;
  estimatedCostUsd: number | null;
  /** null = price unknown (see costState), never a silent $0. */
  costUsd: number | null;
  costState: 'known' | 'unknown';
  latencyMs: number;
  ttftMs: number | null;
  status: RequestStatus;
  errorCode: string | null;
  fallbacks: string[];
  experimentId: string | null;
  arm: string | null;
  /**
   * The reasoning effort the answering model ran at (null: it does not reason). Always set on rows
   * read from the ledger; optional so rows built elsewhere (team reports, tests) need not name it.
   */
  effort?: EffortLevel | null;
  /** The wall time (first token + thinking + answer) the routing decision expected, ms. */
  expectedWallMs?: number | null;
  /** Team-scope rows only (spend/requests with scope "team"): the member whose daemon sent it. */
  memberId?: string;
}
