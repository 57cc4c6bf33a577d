// Routing configuration (policies, rules, strategies, catalog overrides) and the routing methods
// beyond `route/decide`: `route/test`, `catalog/update`, `policy/list`. The same schemas validate
// settings files and RPC params, so a policy means one thing everywhere.
import { z } from 'zod';
import { ChatMessage, EffortLevel, GenerationParams } from './chat';
import { Capability, ClientContext, RoutingOptions, Tradeoff, type RoutingDecision, type TaskType } from './routing';
import type { LearnedModelState } from './learning';

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

const Quality01 = z.number().min(0, 'quality is 0..1').max(1, 'quality is 0..1');

/** Quality 0..1 per task category (the categories of routing/taskCategories.ts); a missing one is unknown. */
export const CategoryQualitySchema = z.object({
  code: Quality01.optional(),
  math: Quality01.optional(),
  reasoning: Quality01.optional(),
  writing: Quality01.optional(),
  extraction: Quality01.optional(),
  chat: Quality01.optional(),
  tools: Quality01.optional(),
  longContext: Quality01.optional(),
}).strict();

/**
 * How a model's thinking is controlled: `effort` (OpenAI-style reasoning_effort), `budget` (a token
 * budget: Anthropic, Gemini 2.5), `level` (Gemini 3 thinking levels), `fixed` (always thinks, no
 * setting). Each level carries its typical hidden reasoning tokens.
 */
export const ReasoningLevelSchema = z.object({
  effort: EffortLevel,
  thinkingTokens: z.number().int().nonnegative().max(200_000),
  budgetTokens: z.number().int().nonnegative().max(200_000).optional(),
}).strict();
export const ReasoningSpecSchema = z.object({
  control: z.enum(['effort', 'budget', 'level', 'fixed']),
  default: EffortLevel,
  levels: z.array(ReasoningLevelSchema).min(1).max(6),
}).strict()
  .refine((r) => new Set(r.levels.map((l) => l.effort)).size === r.levels.length, { message: 'each effort level once', path: ['levels'] })
  .refine((r) => r.levels.some((l) => l.effort === r.default), { message: 'default must be one of the levels', path: ['default'] });
export type ReasoningSpecInput = z.infer<typeof ReasoningSpecSchema>;

export const ModelOverride = z.object({
  id: z.string().min(1).max(200),
  provider: z.string().min(1).max(50).optional(),
  apiModel: z.string().min(1).optional(),
  priceId: z.string().min(1).optional(),
  contextWindow: z.number().int().positive().optional(),
  maxOutputTokens: z.number().int().positive().optional(),
  capabilities: z.array(Capability).optional(),
  qualityPrior: z.number().min(0).max(1).optional(),
  /** Quality per task category; `qualityPrior` is derived from it unless given. */
  qualityByCategory: CategoryQualitySchema.optional(),
  /** Take the quality figures of this catalog model (e.g. a local fine-tune "like" gpt-4o-mini). */
  like: z.string().min(1).max(200).optional(),
  reasoning: ReasoningSpecSchema.optional(),
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
}).strict().refine((o) => o.like === undefined || o.qualityByCategory === undefined, { message: 'give either "like" or "qualityByCategory", not both', path: ['like'] });
export type ModelOverride = z.infer<typeof ModelOverride>;

/** The routing section of the user's settings. */
export const RoutingConfig = z.object({
  policies: z.array(Policy).default([]),
  /** Task type → policy name; unlisted types use `normal`. */
  taskPolicies: z.partialRecord(TaskTypeName, PolicyName).default({}),
  rules: z.array(Rule).default([]),
  models: z.array(ModelOverride).default([]),
  defaultStrategy: StrategyConfig.optional(),
  /** What a second of waiting is worth (USD per hour): `balanced` adds it to the price of slow answers. */
  valueOfTimeUsdPerHour: z.number().nonnegative().max(100_000).optional(),
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

/**
 * Either patches (`models`: prices, windows, new models, as in config.json) or a whole catalog data
 * file (`data`, the schema of daemon/routing/data/models.json) whose figures replace the current
 * ones; `source` names the file in errors. A bad file changes nothing.
 */
export const CatalogUpdateParams = z.object({
  models: z.array(ModelOverride).min(1).optional(),
  data: z.unknown().optional(),
  source: z.string().min(1).max(1000).optional(),
}).strict().refine((p) => (p.models === undefined) !== (p.data === undefined), { message: 'give exactly one of "models" or "data"' });
export interface CatalogUpdateResult {
  added: string[];
  updated: string[];
  models: number;
  /** The data file's date, when `data` replaced it. */
  catalogUpdated?: string;
}

export const CatalogListParams = z.object({}).strict();
/** One figure and where it comes from: a source id (see `sources`) or why it is an estimate. */
export interface SourcedFigure {
  value: number;
  source?: string;
  estimate?: string;
}
export interface CatalogListEntry {
  id: string;
  provider: string;
  apiModel: string;
  contextWindow: number;
  maxOutputTokens: number;
  capabilities: string[];
  qualityPrior: number;
  qualityByCategory: Partial<Record<string, number>>;
  /** Where the quality comes from: a source id with the arena row, a "like", or the user's config. */
  qualitySource: string;
  latency: { ttftMs: SourcedFigure; tokensPerSecond: SourcedFigure };
  reasoning: { control: string; default: string; levels: { effort: string; thinkingTokens: number; budgetTokens?: number }[]; thinkingTokens: string } | null;
  inputPerMTok: number | null;
  outputPerMTok: number | null;
  /** Defined in config.json or by catalog/update rather than the data file. */
  userDefined: boolean;
  /** What feedback taught the router about this model (null: no feedback yet), as `routing/learnedState`. */
  learned: LearnedModelState | null;
}
export interface CatalogListResult {
  /** The data file's date and where it was read from. */
  updated: string;
  file: string;
  methods: Record<string, string>;
  sources: Record<string, { title: string; url?: string; repository?: string; commit?: string; file?: string; date: string }>;
  models: CatalogListEntry[];
  /** How online learning is bounded: outcomes an adjustment is shrunk by, and its limit either way. */
  learning: { priorStrength: number; maxAdjustment: number };
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
  'catalog/list': { params: CatalogListParams, result: result<CatalogListResult>() },
  'policy/list': { params: PolicyListParams, result: result<PolicyListResult>() },
} as const;
