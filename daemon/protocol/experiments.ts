// A/B experiments over routing strategies, policies or models, and per-request feedback.
// The same names are used by the store's `experiments` and `feedback` tables, the RPC methods,
// the CLI and the dashboard. Leaf module: imports only zod and sibling protocol files.
import { z } from 'zod';
import { ClientKind } from './routing';

const result = <R>() => undefined as unknown as R;

/** Arm weights are fractions that sum to 1 (not percentages). */
export const WEIGHT_SUM_TOLERANCE = 1e-6;

export const ExperimentId = z.string().min(1).max(100);
export const ArmName = z.string().min(1).max(50).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'arm names are letters, digits, ., - and _');

/** What an arm changes in the routing input. At least one of strategy, policy or model. */
export const ArmSpec = z
  .object({
    name: ArmName,
    weight: z.number().gt(0, 'an arm weight is above 0').lte(1, 'arm weights are fractions that sum to 1, not percentages'),
    strategy: z.string().min(1).max(100).optional(),
    policy: z.string().min(1).max(100).optional(),
    model: z.string().min(1).max(200).optional(),
  })
  .strict()
  .refine((a) => a.strategy !== undefined || a.policy !== undefined || a.model !== undefined, {
    message: 'an arm needs a strategy, a policy or a model',
  });
export type ArmSpec = z.infer<typeof ArmSpec>;

/** Which requests an experiment covers. Experiments only ever cover auto-routed requests. */
export const ExperimentScope = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('all') }).strict(),
  z.object({ kind: z.literal('workspace'), workspace: z.string().min(1).max(1000) }).strict(),
  z.object({ kind: z.literal('client'), clientKind: ClientKind }).strict(),
]);
export type ExperimentScope = z.infer<typeof ExperimentScope>;

/**
 * What is hashed to pick an arm. `user` is the client's name (`context.name`), `session` the
 * client session id, `workspace` the workspace path. A request without that key is assigned by
 * its request id, and counted as such in the results (`unitFallbacks`).
 */
export const AssignmentUnit = z.enum(['user', 'session', 'workspace', 'request']);
export type AssignmentUnit = z.infer<typeof AssignmentUnit>;

/** Metrics that have a mean or a rate per request, so a sequential test applies to them. */
export const TestedMetric = z.enum(['costPerRequest', 'latencyMs', 'ttftMs', 'successRate', 'errorRate', 'fallbackRate', 'escalationRate', 'feedbackScore']);
export type TestedMetric = z.infer<typeof TestedMetric>;

export const Guardrail = z
  .object({
    metric: TestedMetric,
    /** Harm tolerated before the guardrail counts as breached, relative to the control (0.05 = 5% worse). */
    tolerance: z.number().min(0).max(10).default(0),
  })
  .strict();
export type Guardrail = z.infer<typeof Guardrail>;

export const ExperimentStatus = z.enum(['running', 'paused', 'stopped']);
export type ExperimentStatus = z.infer<typeof ExperimentStatus>;

export const ExperimentCreateParams = z
  .object({
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    /** The first arm is the control that every other arm is compared against. */
    arms: z.array(ArmSpec).min(2).max(10),
    scope: ExperimentScope.default({ kind: 'all' }),
    unit: AssignmentUnit.default('session'),
    primaryMetric: TestedMetric.default('costPerRequest'),
    guardrails: z.array(Guardrail).max(8).default([]),
    /** Significance level of the sequential test (family-wise over the arms, for the primary metric). */
    alpha: z.number().gt(0).lte(0.2).default(0.05),
    /** No verdict on a metric before every arm has this many observations of it. */
    minSamplesPerArm: z.number().int().min(10).max(1_000_000).default(100),
    /** Stop by itself once the verdict is a winner or a guardrail breach. */
    autoStop: z.boolean().default(false),
    /** With autoStop: make the winning arm's strategy the default. */
    autoPromote: z.boolean().default(false),
    /** false creates it paused; `experiment/resume` starts it. */
    start: z.boolean().default(true),
    /** For reproducible assignment (tests, re-runs); random when absent. */
    salt: z.string().min(8).max(200).optional(),
  })
  .strict();

export interface ArmMetricValue {
  /** Observations behind the value (requests, or requests with feedback for feedbackScore). */
  n: number;
  /** Mean or rate; null when there are no observations. */
  value: number | null;
  /** Standard deviation of one observation (means only). */
  sd: number | null;
}

export interface ArmResult {
  arm: string;
  weight: number;
  requests: number;
  /** Requests assigned by request id because their unit key was missing. */
  unitFallbacks: number;
  /** Requests whose price is unknown: excluded from cost, never counted as $0. */
  unknownCostRequests: number;
  totalCostUsd: number;
  feedbackCount: number;
  metrics: Record<TestedMetric, ArmMetricValue>;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
}

export interface Interval {
  low: number;
  high: number;
}

export interface MetricComparison {
  metric: TestedMetric;
  /** The arm compared against the control. */
  arm: string;
  control: string;
  direction: 'lower' | 'higher';
  controlValue: number | null;
  armValue: number | null;
  /** arm − control. */
  difference: number | null;
  /** (arm − control) / control; null when the control's value is 0 or missing. */
  relativeDifference: number | null;
  /** Fixed-horizon interval (Welch t for means, unpooled two-proportion z for rates): valid for one look only. */
  fixed: (Interval & { pValue: number; method: 'welch' | 'twoProportion' }) | null;
  /** mSPRT confidence sequence and always-valid p-value: valid however often anyone looks. */
  sequential: (Interval & { pValue: number; method: 'msprt' }) | null;
  /** Both arms have at least minSamplesPerArm observations. */
  enoughData: boolean;
  /** The always-valid p-value is below the (Bonferroni-adjusted) alpha. */
  significant: boolean;
  /** When significant: whether the arm is better than the control on this metric. */
  armBetter: boolean | null;
}

export interface QuantileComparison {
  quantile: 'p50' | 'p95';
  arm: string;
  control: string;
  difference: number | null;
  /** Percentile bootstrap: descriptive, fixed-horizon, not used for the verdict. */
  bootstrap: Interval | null;
}

export type VerdictKind = 'collecting' | 'noDifferenceYet' | 'winner' | 'guardrailBreached';

export interface Verdict {
  kind: VerdictKind;
  /** winner: the winning arm; guardrailBreached: the arm that breached. */
  arm: string | null;
  metric: TestedMetric | null;
  reason: string;
  /** When the verdict was first reached (winner and guardrailBreached are sticky). */
  reachedAt: number | null;
}

export interface ExperimentResults {
  evaluatedAt: number;
  alpha: number;
  arms: ArmResult[];
  comparisons: MetricComparison[];
  quantiles: QuantileComparison[];
  verdict: Verdict;
}

export interface Promotion {
  arm: string;
  /** What became the default: the arm's strategy, policy or model. */
  setting: { strategy?: string; policy?: string; model?: string };
  /** `auto-stop` or the name of who asked (`cli`, `editor`, a script's name). */
  by: string;
  at: number;
}

export interface ExperimentInfo {
  id: string;
  name: string;
  description: string | null;
  status: ExperimentStatus;
  arms: ArmSpec[];
  scope: ExperimentScope;
  unit: AssignmentUnit;
  primaryMetric: TestedMetric;
  guardrails: Guardrail[];
  alpha: number;
  minSamplesPerArm: number;
  autoStop: boolean;
  autoPromote: boolean;
  createdAt: number;
  startedAt: number | null;
  stoppedAt: number | null;
  stopReason: string | null;
  promotion: Promotion | null;
}

export type ExperimentCreateResult = ExperimentInfo;

export const ExperimentListParams = z.object({ status: ExperimentStatus.optional() }).strict();
export interface ExperimentListResult {
  experiments: (ExperimentInfo & { requests: number; verdict: Verdict | null })[];
}

export const ExperimentGetParams = z.object({ id: ExperimentId }).strict();
export interface ExperimentGetResult {
  experiment: ExperimentInfo;
  results: ExperimentResults;
}

export const ExperimentPauseParams = z.object({ id: ExperimentId }).strict();
export const ExperimentResumeParams = z.object({ id: ExperimentId }).strict();
export const ExperimentStopParams = z.object({ id: ExperimentId, reason: z.string().max(500).optional() }).strict();
export type ExperimentLifecycleResult = ExperimentInfo;

export const ExperimentPromoteParams = z
  .object({
    id: ExperimentId,
    /** Defaults to the verdict's winner; required when there is none. */
    arm: ArmName.optional(),
    /** Who promotes (recorded); defaults to the caller's client name. */
    by: z.string().min(1).max(200).optional(),
  })
  .strict();
export type ExperimentPromoteResult = ExperimentInfo;

// ---- feedback ---------------------------------------------------------------
export const FeedbackSubmitParams = z
  .object({
    /** The `x-llm-router-request-id` of the answer (also `routing.requestId`). */
    requestId: z.string().min(1).max(200),
    thumbs: z.enum(['up', 'down']).optional(),
    /** 1 (bad) … 5 (excellent). */
    score: z.number().int().min(1).max(5).optional(),
    comment: z.string().max(4000).optional(),
  })
  .strict()
  .refine((f) => (f.thumbs === undefined) !== (f.score === undefined), { message: 'give exactly one of thumbs (up|down) or score (1-5)' });

export interface FeedbackSubmitResult {
  feedbackId: string;
  requestId: string;
  /** On a 0..1 scale: up = 1, down = 0, score s = (s − 1) / 4. */
  value: number;
  experimentId: string | null;
  arm: string | null;
  /** Whether the routing core's online update took the outcome. */
  routerUpdated: boolean;
}

export const experimentMethods = {
  'experiment/create': { params: ExperimentCreateParams, result: result<ExperimentCreateResult>() },
  'experiment/list': { params: ExperimentListParams, result: result<ExperimentListResult>() },
  'experiment/get': { params: ExperimentGetParams, result: result<ExperimentGetResult>() },
  'experiment/pause': { params: ExperimentPauseParams, result: result<ExperimentLifecycleResult>() },
  'experiment/resume': { params: ExperimentResumeParams, result: result<ExperimentLifecycleResult>() },
  'experiment/stop': { params: ExperimentStopParams, result: result<ExperimentLifecycleResult>() },
  'experiment/promote': { params: ExperimentPromoteParams, result: result<ExperimentPromoteResult>() },
  'feedback/submit': { params: FeedbackSubmitParams, result: result<FeedbackSubmitResult>() },
} as const;
