// The daemon's whole control surface: one table of JSON-RPC methods named `area/verb`.
// Params are zod schemas (validated at the transport edge); results are phantom types.
// This module is a leaf: it imports nothing from the rest of the daemon.
import { z } from 'zod';
import { ChatMessage, GenerationParams, type ChatResult, type Usage } from './chat';
import { ClientContext, RoutingOptions, type RoutingDecision, type RoutingInfo, type Capability } from './routing';
import type { LedgerRow } from './ledger';
import { budgetMethods } from './budget';
import { experimentMethods } from './experiments';
import { providerMethods } from './providers';
import { conversationMethods } from './conversations';
import { routingMethods } from './routing-methods';
import { editorMethods } from './editor';
import { ReportScope, teamMethods } from './team';
import { learningMethods } from './learning';

const result = <R>() => undefined as unknown as R;

// ---- daemon ---------------------------------------------------------------
export const DaemonStatusParams = z.object({}).strict();
export interface DaemonStatusResult {
  version: string;
  pid: number;
  uptimeMs: number;
  clients: number;
  simulate: boolean;
  home: string;
  port: number;
  socketPath: string;
}

/** Asks the daemon to exit gracefully (in-flight requests finish, the store is flushed). */
export const DaemonShutdownParams = z.object({ reason: z.string().max(200).optional() }).strict();
export interface DaemonShutdownResult {
  pid: number;
  shuttingDown: true;
}

export const ClientHelloParams = z
  .object({
    client: ClientContext,
    version: z.string().max(50).optional(),
    /** The discovery file's token: required as the first request on an LSP connection; HTTP authenticates by header. */
    token: z.string().max(200).optional(),
  })
  .strict();
export interface ClientHelloResult {
  daemonVersion: string;
  sessionId: string;
}

// ---- chat -----------------------------------------------------------------
export const ChatCompleteParams = GenerationParams.extend({
  messages: z.array(ChatMessage).min(1),
  /** `auto`, `auto:<tradeoff>`, a policy name, or a concrete model id. */
  model: z.string().min(1).max(200).default('auto'),
  routing: RoutingOptions.optional(),
  context: ClientContext.optional(),
  /** When set, answer text is also pushed as `chat/delta` notifications with this id. */
  streamId: z.string().min(1).max(100).optional(),
  /** The `requestId` route/estimate returned, so the plan that was shown is the plan that runs. */
  requestId: z.string().regex(/^req_[0-9a-z]{21}$/, 'requestId must be one route/estimate returned').optional(),
}).strict();
export interface ChatCompleteResult {
  requestId: string;
  text: string;
  /** The tool calls the model asked for (finishReason `tool_calls`); empty otherwise. */
  toolCalls: ChatResult['toolCalls'];
  finishReason: ChatResult['finishReason'];
  usage: Usage;
  routing: RoutingInfo;
}

// ---- routing --------------------------------------------------------------
export const RouteDecideParams = GenerationParams.extend({
  messages: z.array(ChatMessage).min(1),
  model: z.string().min(1).max(200).default('auto'),
  routing: RoutingOptions.optional(),
  context: ClientContext.optional(),
  /** A dry run decides without keys or calls; `candidates` restricts the choice. */
  dryRun: z.boolean().optional(),
  candidates: z.array(z.string()).min(1).optional(),
}).strict();
export type RouteDecideResult = RoutingDecision;

export const ModelsListParams = z.object({}).strict();
export interface ModelInfo {
  id: string;
  provider: string;
  inputPerMTok: number | null;
  outputPerMTok: number | null;
  contextWindow: number;
  /** Optional for older daemons; the editor's model picker shows it. */
  maxOutputTokens?: number;
  capabilities: Capability[];
  qualityPrior: number;
  hasKey: boolean;
}
export interface ModelsListResult {
  models: ModelInfo[];
}

// ---- spend ----------------------------------------------------------------
export const Period = z.enum(['hour', 'day', 'week', 'month', 'all']);
export const SpendSummaryParams = z.object({
  /** Current calendar period in the daemon's time zone; ignored when from/to are given. */
  period: Period.default('day'),
  from: z.number().int().nonnegative().optional(),
  to: z.number().int().nonnegative().optional(),
  groupBy: z.enum(['model', 'provider', 'policy', 'workspace', 'client', 'member']).optional(),
  /** `team`: the team ledger in PostgreSQL (team mode), where `member` grouping applies. */
  scope: ReportScope.optional(),
}).strict();
export interface SpendGroup {
  key: string;
  costUsd: number;
  requests: number;
}
export interface SpendSummaryResult {
  from: number;
  to: number;
  costUsd: number;
  requests: number;
  errors: number;
  /** Requests whose model has no known price: counted, never summed as $0. */
  unknownPriceRequests: number;
  groups: SpendGroup[];
  /** Calendar periods are computed in this IANA zone. */
  timeZone?: string;
  /** Savings against always using the configured baseline model, over the priced requests. */
  baselineModel?: string | null;
  baselineCostUsd?: number | null;
  savingsUsd?: number | null;
}

export const SpendRequestsParams = z.object({
  limit: z.number().int().min(1).max(500).default(50),
  /** Opaque cursor from a previous page. */
  cursor: z.string().max(200).optional(),
  model: z.string().optional(),
  provider: z.string().optional(),
  status: z.enum(['ok', 'error', 'cancelled']).optional(),
  from: z.number().int().nonnegative().optional(),
  to: z.number().int().nonnegative().optional(),
  /** `team`: every member's rows from the team ledger (team mode); `member` filters them. */
  scope: ReportScope.optional(),
  member: z.string().min(1).max(100).optional(),
  /**
   * Exactly these rows (newest first; unknown ids are skipped), for readers that follow
   * `spend/changed` notifications: they fetch the rows named there instead of re-reading a page.
   */
  ids: z.array(z.string().min(1).max(200)).min(1).max(200).optional(),
}).strict();
export interface SpendRequestsResult {
  rows: LedgerRow[];
  nextCursor: string | null;
}

// ---- keys -----------------------------------------------------------------
export const ProviderId = z.string().min(1).max(50).regex(/^[a-z0-9][a-z0-9_-]*$/, 'provider ids are lower-case letters, digits, - and _');
export const KeysSetParams = z.object({ provider: ProviderId, apiKey: z.string().min(1).max(4096) }).strict();
export interface KeysSetResult {
  provider: string;
  storedIn: 'keychain';
}
export const KeysDeleteParams = z.object({ provider: ProviderId }).strict();
export interface KeysDeleteResult {
  provider: string;
  deleted: boolean;
}
export const KeysListParams = z.object({}).strict();
export interface KeysListResult {
  providers: { provider: string; source: 'keychain' | 'env' | 'none' }[];
  keychain: { available: boolean; problem: string | null };
}

// ---- the table ------------------------------------------------------------
export const methods = {
  'daemon/status': { params: DaemonStatusParams, result: result<DaemonStatusResult>() },
  'daemon/shutdown': { params: DaemonShutdownParams, result: result<DaemonShutdownResult>() },
  'client/hello': { params: ClientHelloParams, result: result<ClientHelloResult>() },
  'chat/complete': { params: ChatCompleteParams, result: result<ChatCompleteResult>() },
  'route/decide': { params: RouteDecideParams, result: result<RouteDecideResult>() },
  'models/list': { params: ModelsListParams, result: result<ModelsListResult>() },
  'spend/summary': { params: SpendSummaryParams, result: result<SpendSummaryResult>() },
  'spend/requests': { params: SpendRequestsParams, result: result<SpendRequestsResult>() },
  'keys/set': { params: KeysSetParams, result: result<KeysSetResult>() },
  'keys/delete': { params: KeysDeleteParams, result: result<KeysDeleteResult>() },
  'keys/list': { params: KeysListParams, result: result<KeysListResult>() },
  ...budgetMethods,
  ...routingMethods,
  ...experimentMethods,
  ...providerMethods,
  ...editorMethods,
  ...teamMethods,
  ...learningMethods,
  ...conversationMethods,
} as const;

export type Methods = typeof methods;
export type MethodName = keyof Methods;
/** Params as the caller may send them (defaults not yet applied). */
export type ParamsIn<M extends MethodName> = z.input<Methods[M]['params']>;
/** Params as the handler receives them (validated, defaults applied). */
export type Params<M extends MethodName> = z.output<Methods[M]['params']>;
export type Result<M extends MethodName> = Methods[M]['result'];

// ---- notifications (daemon → clients) ---------------------------------------
export const notifications = {
  /** A piece of a streamed `chat/complete` answer. */
  chatDelta: 'chat/delta',
  /** Something was recorded in the ledger; clients refresh spend. */
  spendChanged: 'spend/changed',
} as const;
export interface ChatDeltaNotification {
  streamId: string;
  text: string;
}
export interface SpendChangedNotification {
  requestId: string;
  costUsd: number | null;
}
