// Budgets, spend reports and the pre-send estimate: `budget/*`, `spend/timeseries`, `report/export`,
// `route/estimate`. Leaf module: zod and sibling protocol files only.
import { z } from 'zod';
import { ChatMessage, GenerationParams } from './chat';
import { ClientContext, RoutingOptions, type RoutingDecision } from './routing';
import { ReportScope } from './team';

const result = <R>() => undefined as unknown as R;

// ---- budgets ----------------------------------------------------------------------------------
export const BudgetScope = z.enum(['global', 'workspace', 'client', 'provider', 'model', 'policy']);
export type BudgetScope = z.infer<typeof BudgetScope>;
export const BudgetPeriod = z.enum(['request', 'hour', 'day', 'week', 'month']);
export type BudgetPeriod = z.infer<typeof BudgetPeriod>;
/** What happens once spend crosses the alert threshold (the limit itself always refuses). */
export const BudgetAction = z.enum(['notify', 'downgrade', 'pauseAbovePrice']);
export type BudgetAction = z.infer<typeof BudgetAction>;

const UsdLimit = z
  .number({ error: 'limitUsd must be a number of US dollars' })
  .finite('limitUsd must be finite')
  .positive('limitUsd must be greater than 0');

export const BudgetSetParams = z
  .object({
    /** Omit to create; give an existing id to update it. */
    id: z.string().min(1).max(100).optional(),
    name: z.string().min(1).max(200).optional(),
    scope: BudgetScope,
    /** The workspace path, client kind (editor|script|cli), provider, model or policy; omitted for global. */
    scopeValue: z.string().min(1).max(1000).optional(),
    period: BudgetPeriod,
    limitUsd: UsdLimit,
    /** Fraction of the limit at which the actions run (default 0.8). */
    alertThreshold: z.number().gt(0).max(1).default(0.8),
    actions: z.array(BudgetAction).max(3).default(['notify']),
    /** With `pauseAbovePrice`: models whose output price is above this (USD per million tokens) are skipped. */
    pauseAbovePerMTok: z.number().finite().nonnegative().optional(),
    /** At the limit, an editor may ask the user and resend with `routing.confirmOverBudget`. */
    confirmOverBudget: z.boolean().default(false),
    /**
     * At the limit, refuse (402) even when a cheaper model would still fit. Without it the plan
     * steers to the best model the budget can still afford and says so.
     */
    hardStop: z.boolean().default(false),
    /** With `downgrade`: a request that names a model may be answered by a cheaper one (headers say so). */
    downgradeNamedModels: z.boolean().default(false),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.scope === 'global' && v.scopeValue !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['scopeValue'], message: 'a global budget takes no scopeValue' });
    }
    if (v.scope !== 'global' && v.scopeValue === undefined) {
      ctx.addIssue({ code: 'custom', path: ['scopeValue'], message: `a ${v.scope} budget needs a scopeValue naming the ${v.scope}` });
    }
    if (v.scope === 'client' && v.scopeValue !== undefined && !['editor', 'script', 'cli'].includes(v.scopeValue)) {
      ctx.addIssue({ code: 'custom', path: ['scopeValue'], message: 'a client budget applies to editor, script or cli' });
    }
    if (v.actions.includes('pauseAbovePrice') && v.pauseAbovePerMTok === undefined) {
      ctx.addIssue({ code: 'custom', path: ['pauseAbovePerMTok'], message: 'pauseAbovePrice needs pauseAbovePerMTok' });
    }
  });

export interface Budget {
  id: string;
  name: string;
  scope: BudgetScope;
  scopeValue: string | null;
  period: BudgetPeriod;
  limitUsd: number;
  alertThreshold: number;
  actions: BudgetAction[];
  pauseAbovePerMTok: number | null;
  confirmOverBudget: boolean;
  hardStop: boolean;
  downgradeNamedModels: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface BudgetStatus {
  budget: Budget;
  /** Current period; for per-request budgets the limit applies to each request and these are null. */
  periodStart: number | null;
  resetsAt: number | null;
  spentUsd: number;
  reservedUsd: number;
  requests: number;
  /** Requests in the period whose price is unknown: not in spentUsd, never counted as $0. */
  unknownPriceRequests: number;
  /** What the current period (or each request) still allows: limit − spent − reserved, never below 0. */
  leftUsd: number;
  /** (spent + reserved) / limit. */
  fraction: number;
  state: 'ok' | 'alert' | 'exceeded';
}

export type BudgetSetResult = BudgetStatus;
export const BudgetListParams = z.object({}).strict();
export interface BudgetListResult {
  budgets: Budget[];
  timeZone: string;
}
export const BudgetDeleteParams = z.object({ id: z.string().min(1).max(100) }).strict();
export interface BudgetDeleteResult {
  id: string;
  deleted: boolean;
}
export const BudgetStatusParams = z.object({ id: z.string().min(1).max(100).optional() }).strict();
export interface BudgetStatusResult {
  statuses: BudgetStatus[];
  timeZone: string;
  now: number;
}

// ---- reports ----------------------------------------------------------------------------------
/** A moment: epoch milliseconds or an ISO 8601 date/time string. */
export const Instant = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .max(40)
    .refine((s) => /^\d{4}-\d{2}-\d{2}/.test(s) && !Number.isNaN(Date.parse(s)), 'expected epoch milliseconds or an ISO 8601 date such as 2026-01-31 or 2026-01-31T12:00:00Z'),
]);
export type Instant = z.infer<typeof Instant>;

export const SpendDimension = z.enum(['model', 'provider', 'policy', 'workspace', 'client', 'endpoint']);
export type SpendDimension = z.infer<typeof SpendDimension>;
/** The team ledger also groups by member (scope `team` only). */
export const ReportDimension = z.enum([...SpendDimension.options, 'member']);
export type ReportDimension = z.infer<typeof ReportDimension>;

export const SpendTimeseriesParams = z
  .object({
    from: Instant,
    to: Instant.optional(),
    bucket: z.enum(['hour', 'day', 'week', 'month']).default('day'),
    groupBy: ReportDimension.optional(),
    /** `team`: the team ledger in PostgreSQL (team mode), where `member` grouping applies. */
    scope: ReportScope.optional(),
  })
  .strict();
export interface SpendPoint {
  start: number;
  key: string | null;
  costUsd: number;
  requests: number;
  errors: number;
  unknownPriceRequests: number;
}
export interface SpendTimeseriesResult {
  from: number;
  to: number;
  bucket: 'hour' | 'day' | 'week' | 'month';
  timeZone: string;
  points: SpendPoint[];
}

export const ReportExportParams = z
  .object({
    format: z.enum(['csv', 'json']).default('csv'),
    from: Instant.optional(),
    to: Instant.optional(),
    /** Absolute path to write; omitted returns the report inline (at most `inlineLimit` rows). */
    path: z.string().min(1).max(4096).optional(),
    /** `team`: every member's rows from the team ledger (team mode). */
    scope: ReportScope.optional(),
  })
  .strict();
export interface ReportExportResult {
  format: 'csv' | 'json';
  from: number;
  to: number;
  rows: number;
  path: string | null;
  /** The report itself when no path was given. */
  content: string | null;
}

// ---- cost before sending ----------------------------------------------------------------------
export const RouteEstimateParams = GenerationParams.extend({
  messages: z.array(ChatMessage).min(1),
  model: z.string().min(1).max(200).default('auto'),
  routing: RoutingOptions.optional(),
  context: ClientContext.optional(),
}).strict();
export interface RouteEstimateResult {
  decision: RoutingDecision;
  /**
   * The id this plan was made for: send it as chat/complete's `requestId` and the same plan runs
   * (an A/B test whose unit is the request assigns its arm by this id).
   */
  requestId: string;
  /** null when the chosen model's price is unknown. */
  estimatedCostUsd: number | null;
  /** The user's `ask confirm above` amount; null when confirmation is off. */
  confirmAboveUsd: number | null;
  /** True when the editor should ask before sending (estimate above the amount, price unknown, or over a confirmable budget). */
  needsConfirmation: boolean;
  /** The budget this request would exceed, if any. */
  exceeds: { budgetId: string; name: string; limitUsd: number; spentUsd: number; resetsAt: number | null; confirmable: boolean } | null;
}

export const budgetMethods = {
  'budget/list': { params: BudgetListParams, result: result<BudgetListResult>() },
  'budget/set': { params: BudgetSetParams, result: result<BudgetSetResult>() },
  'budget/delete': { params: BudgetDeleteParams, result: result<BudgetDeleteResult>() },
  'budget/status': { params: BudgetStatusParams, result: result<BudgetStatusResult>() },
  'spend/timeseries': { params: SpendTimeseriesParams, result: result<SpendTimeseriesResult>() },
  'report/export': { params: ReportExportParams, result: result<ReportExportResult>() },
  'route/estimate': { params: RouteEstimateParams, result: result<RouteEstimateResult>() },
} as const;

export const budgetNotifications = {
  /** A budget crossed its alert threshold or its limit. */
  budgetAlert: 'budget/alert',
  /** A budget was created, changed or deleted. */
  budgetChanged: 'budget/changed',
} as const;
export interface BudgetAlertNotification {
  budgetId: string;
  name: string;
  state: 'alert' | 'exceeded';
  fraction: number;
  spentUsd: number;
  limitUsd: number;
  resetsAt: number | null;
  /** What the daemon does now (notify, downgrade to the cost tradeoff, pause models above a price). */
  actions: BudgetAction[];
}
export interface BudgetChangedNotification {
  budgetId: string;
  change: 'created' | 'updated' | 'deleted';
}
