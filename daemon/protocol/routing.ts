// What a caller may ask of the router, and what the router answers. The decision is always
// visible: these shapes appear in responses, the ledger, the editor and the dashboard.
import { z } from 'zod';
import type { EffortLevel } from './chat';

export const Tradeoff = z.enum(['quality', 'balanced', 'cost', 'latency']);
export type Tradeoff = z.infer<typeof Tradeoff>;

export const Capability = z.enum(['tools', 'vision', 'json']);
export type Capability = z.infer<typeof Capability>;

export const ClientKind = z.enum(['editor', 'script', 'cli']);
export type ClientKind = z.infer<typeof ClientKind>;

/** Who is asking, and from where. Editor fields are filled when the caller is the extension. */
export const ClientContext = z.object({
  kind: ClientKind.default('script'),
  name: z.string().max(200).optional(),
  workspace: z.string().max(1000).optional(),
  sessionId: z.string().max(200).optional(),
  command: z.string().max(200).optional(),
  languageId: z.string().max(100).optional(),
  selectionChars: z.number().int().nonnegative().optional(),
  diagnosticsCount: z.number().int().nonnegative().optional(),
});
export type ClientContext = z.infer<typeof ClientContext>;

/** Per-request routing constraints and preferences. */
export const RoutingOptions = z.object({
  tradeoff: Tradeoff.optional(),
  /** USD the caller would pay for one point of quality (0..1 scale); overrides `tradeoff`. */
  willingnessToPay: z.number().nonnegative().optional(),
  policy: z.string().max(100).optional(),
  strategy: z.string().max(100).optional(),
  maxCostUsd: z.number().nonnegative().optional(),
  maxLatencyMs: z.number().positive().optional(),
  minQuality: z.number().min(0).max(1).optional(),
  allowedProviders: z.array(z.string()).optional(),
  preferredProviders: z.array(z.string()).optional(),
  excludedProviders: z.array(z.string()).optional(),
  allowedModels: z.array(z.string()).optional(),
  preferredModels: z.array(z.string()).optional(),
  excludedModels: z.array(z.string()).optional(),
  requiredCapabilities: z.array(Capability).optional(),
  /** What a second of waiting is worth to the caller (USD per hour); overrides the configured value. */
  valueOfTimeUsdPerHour: z.number().nonnegative().max(100_000).optional(),
  /** The user confirmed going over a budget that allows it (the editor asks first). */
  confirmOverBudget: z.boolean().optional(),
  /** false: route this turn afresh, ignoring conversation affinity (on by default). */
  affinity: z.boolean().optional(),
});
export type RoutingOptions = z.infer<typeof RoutingOptions>;

export type TaskType = 'code' | 'math' | 'analysis' | 'creative' | 'extraction' | 'simple' | 'chat';

/** The router's estimate for one candidate model. `costUsd` null means the price is unknown. */
export interface CandidateEstimate {
  model: string;
  provider: string;
  quality: number;
  costUsd: number | null;
  latencyMs: number;
  score: number;
  /** Why this candidate was filtered out, if it was. */
  excluded?: string;
  /** The reasoning effort this estimate assumes (null: the model does not reason). */
  effort?: EffortLevel | null;
  /** Typical hidden reasoning tokens at that effort (priced as output, waited for before the answer). */
  thinkingTokens?: number;
}

export interface RoutingDecision {
  model: string;
  provider: string;
  /** Ordered models to try if the chosen one fails. */
  fallbacks: string[];
  /** One line a person understands. */
  reason: string;
  strategy: string;
  policy: string;
  rule: string | null;
  tradeoff: Tradeoff;
  taskType: TaskType;
  confidence: number;
  inputTokens: number;
  estimatedOutputTokens: number;
  estimatedCostUsd: number | null;
  baselineModel: string | null;
  /** Estimated saving against always using the baseline model; null when either price is unknown. */
  estimatedSavingsUsd: number | null;
  candidates: CandidateEstimate[];
  experiment?: { id: string; arm: string } | null;
  /** Whether the policy re-asks a stronger model on a low-confidence answer, and which one. */
  escalation?: { enabled: boolean; to: string | null };
  /** The reasoning effort chosen with the model (null: the model does not reason); sent to the provider. */
  effort?: EffortLevel | null;
  /** Expected wall time of the answer: first token + thinking + output (ms). */
  expectedWallMs?: number;
  /** The model the caller named, when a budget that opted in to `downgrade` replaced it. */
  substitutedFor?: string;
  /** Predicted difficulty of this prompt, 0..1 (the quality model's). */
  difficulty?: number;
  /** Conversation affinity's part in this decision (routing/affinity.ts); absent when off. */
  conversation?: ConversationRouting;
}

/** How a turn of a recognised conversation was routed. */
export interface ConversationRouting {
  /** The conversation key (explicit, or `prefix:<hash>` of its first messages). */
  key: string;
  keySource: 'header' | 'prompt_cache_key' | 'user' | 'metadata.user_id' | 'prefix';
  /** 1 for the first turn seen. */
  turn: number;
  /** new: first turn; kept: stayed on the earlier model; moved: re-routed (why says which). */
  outcome: 'new' | 'kept' | 'moved';
  /** The model of the earlier turns (null on the first). */
  previousModel: string | null;
  why: string;
}

/** The `routing` object carried by every response. */
export interface RoutingInfo {
  requestId: string;
  model: string;
  provider: string;
  reason: string;
  strategy: string;
  policy: string;
  tradeoff: Tradeoff;
  estimatedCostUsd: number | null;
  /** null when the model's price is unknown: never reported as $0. */
  actualCostUsd: number | null;
  costState: 'known' | 'unknown';
  fallbacksTried: string[];
  estimatedSavingsUsd: number | null;
  /** The model the caller named, when a budget that opted in to `downgrade` replaced it. */
  substitutedFor?: string;
  /** Present when the request belongs to a recognised conversation (affinity). */
  conversation?: ConversationRouting;
}
