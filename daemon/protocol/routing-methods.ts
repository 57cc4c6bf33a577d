// Routing configuration (policies, rules, strategies, catalog overrides) and the routing methods
// beyond `route/decide`: `route/test`, `catalog/update`, `policy/list`. The same schemas validate
// settings files and RPC params, so a policy means one thing everywhere.
import { z } from 'zod';
import { ChatMessage, GenerationParams } from './chat';
import { Capability, ClientContext, RoutingOptions, Tradeoff, type RoutingDecision, type TaskType } from './routing';

const result = <R>() => undefined as unknown as R;

export const TaskTypeName = z.enum(['code', 'math', 'analysis', 'creative', 'extraction', 'simple', 'chat']);
// Keeps the zod enum and the protocol's TaskType the same set.
export const taskTypes: readonly TaskType[] = TaskTypeName.options;

export const StrategyName = z.enum(['learned', 'cost-aggressive', 'quality-first', 'task-type', 'weighted', 'fixed']);
export type StrategyName = z.infer<typeof StrategyName>;

export const StrategyConfig = z.object({
  name: StrategyName,
  /** `weighted`: relative weights of normalised quality, cost and latency. */
  weights: z.object({ quality: z.number().nonnegative(), cost: z.number().nonnegative(), latency: z.number().nonnegative() }).strict().optional(),
  /** `fixed`: the one model it always picks. */
  model: z.string().min(1).optional(),
  /** `cost-aggressive`: the quality a cheaper model must reach to be chosen. */
  minQuality: z.number().min(0).max(1).optional(),
}).strict();
export type StrategyConfig = z.infer<typeof StrategyConfig>;

export const EscalationConfig = z.object({
  enabled: z.boolean().default(false),
  /** The model to re-ask; by default the best-quality candidate above the one that answered. */
  to: z.string().min(1).optional(),
}).strict();
export type EscalationConfig = z.infer<typeof EscalationConfig>;

export const PolicyName = z.string().min(1).max(100).regex(/^[a-z0-9][a-z0-9_-]*$/, 'policy names are lower-case letters, digits, - and _');

export const Policy = z.object({
  name: PolicyName,
  description: z.string().max(500).optional(),
  /** Ordered preference; empty means every catalog model. */
  models: z.array(z.string().min(1)).default([]),
  strategy: StrategyConfig.optional(),
  tradeoff: Tradeoff.optional(),
  /** Per-task cost ceiling. */
  maxCostUsd: z.number().nonnegative().optional(),
  maxTokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
  minQuality: z.number().min(0).max(1).optional(),
  escalation: EscalationConfig.optional(),
}).strict();
export type Policy = z.infer<typeof Policy>;

const OneOrMany = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

export const RuleCondition = z.object({
  client: OneOrMany.optional(),
  workspace: OneOrMany.optional(),
  command: OneOrMany.optional(),
  taskType: z.union([TaskTypeName, z.array(TaskTypeName).min(1)]).optional(),
  language: OneOrMany.optional(),
  minTokens: z.number().int().nonnegative().optional(),
  maxTokens: z.number().int().positive().optional(),
}).strict();
export type RuleCondition = z.infer<typeof RuleCondition>;

export const Rule = z.object({
  id: z.string().min(1).max(100),
  description: z.string().max(500).optional(),
  /** Higher first; ties keep the configured order. */
  priority: z.number().int().default(0),
  enabled: z.boolean().default(true),
  when: RuleCondition.default({}),
  /** One is chosen by weight, stably per request. */
  targets: z.array(z.object({ model: z.string().min(1), weight: z.number().positive().default(1) }).strict()).min(1),
  fallbacks: z.array(z.string().min(1)).default([]),
  /** Send this share of matching requests to `model` instead (a stable hash picks them). */
  canary: z.object({ model: z.string().min(1), share: z.number().min(0).max(1) }).strict().optional(),
}).strict();
export type Rule = z.infer<typeof Rule>;

/** A units check at the edge: no model costs over $1000 per million tokens; such a figure is per-token or per-1K. */
const PerMTok = z.number().nonnegative().max(1000, 'prices are USD per million tokens; above $1000/MTok looks like per-token or per-1K units');

export const ModelOverride = z.object({
  id: z.string().min(1).max(200),
  provider: z.string().min(1).max(50).optional(),
  apiModel: z.string().min(1).optional(),
  priceId: z.string().min(1).optional(),
  contextWindow: z.number().int().positive().optional(),
  maxOutputTokens: z.number().int().positive().optional(),
  capabilities: z.array(Capability).optional(),
  qualityPrior: z.number().min(0).max(1).optional(),
  latencyPrior: z.object({ ttftMs: z.number().nonnegative(), tokensPerSecond: z.number().positive() }).strict().optional(),
  /** USD per million tokens; null marks the price as unknown (never $0). */
  price: z
    .object({
      inputPerMTok: PerMTok,
      outputPerMTok: PerMTok,
      cachedInputPerMTok: PerMTok.optional(),
      cacheWritePerMTok: PerMTok.optional(),
    })
    .strict()
    .nullable()
    .optional(),
}).strict();
export type ModelOverride = z.infer<typeof ModelOverride>;

/** The routing section of the user's settings. */
export const RoutingConfig = z.object({
  policies: z.array(Policy).default([]),
  /** Task type → policy name; unlisted types use `normal`. */
  taskPolicies: z.partialRecord(TaskTypeName, PolicyName).default({}),
  rules: z.array(Rule).default([]),
  models: z.array(ModelOverride).default([]),
  defaultStrategy: StrategyConfig.optional(),
  /** Per-workspace defaults (key: the workspace path clients send); a request's own choice wins. */
  workspaces: z.record(z.string(), z.object({ tradeoff: Tradeoff.optional(), policy: PolicyName.optional() }).strict()).default({}),
  /**
   * Per-client routing of requests that name a model (off by default: a named model is answered
   * by that model). E.g. `{ client: "claude-code", match: "claude-*", allowedModels: [...] }` routes
   * those requests like `auto` within the allowed models; the decision's reason says so.
   */
  namedModels: z
    .array(
      z
        .object({
          /** Client kind (editor, script, cli) or the client's name. */
          client: z.string().min(1).max(200),
          /** Glob on the requested model id (`*` matches anything). */
          match: z.string().min(1).max(200),
          allowedModels: z.array(z.string().min(1).max(200)).max(100).default([]),
        })
        .strict(),
    )
    .max(50)
    .optional(),
}).strict();
export type RoutingConfig = z.infer<typeof RoutingConfig>;

// ---- methods ----------------------------------------------------------------
// The same fields as `route/decide` (kept here, not imported, so methods.ts can spread this table).
export const RouteTestParams = GenerationParams.extend({
  messages: z.array(ChatMessage).min(1),
  model: z.string().min(1).max(200).default('auto'),
  routing: RoutingOptions.optional(),
  context: ClientContext.optional(),
  dryRun: z.boolean().optional(),
  candidates: z.array(z.string()).min(1).optional(),
  /** Try proposed rules/policies without saving them; omitted = the configured ones. */
  rules: z.array(Rule).optional(),
  policies: z.array(Policy).optional(),
}).strict();
export interface RuleTrace {
  id: string;
  matched: boolean;
  /** Each condition checked, e.g. `taskType code ∈ [code]`, or why the rule was skipped. */
  reasons: string[];
}
export interface RouteTestResult {
  decision: RoutingDecision | null;
  /** Set when no decision could be made (the error a real request would get). */
  error: { code: string; message: string } | null;
  features: {
    inputTokens: number;
    tokenCountExact: boolean;
    taskType: TaskType;
    complexity: number;
    codeBlocks: number;
    languages: string[];
    turns: number;
  };
  rules: RuleTrace[];
  matchedRule: string | null;
}

export const CatalogUpdateParams = z.object({ models: z.array(ModelOverride).min(1) }).strict();
export interface CatalogUpdateResult {
  added: string[];
  updated: string[];
  models: number;
}

export const PolicyListParams = z.object({}).strict();
export interface PolicyListResult {
  policies: Policy[];
  taskPolicies: Partial<Record<TaskType, string>>;
  strategies: StrategyName[];
}

export const routingMethods = {
  'route/test': { params: RouteTestParams, result: result<RouteTestResult>() },
  'catalog/update': { params: CatalogUpdateParams, result: result<CatalogUpdateResult>() },
  'policy/list': { params: PolicyListParams, result: result<PolicyListResult>() },
} as const;
