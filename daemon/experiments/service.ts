// Experiments as the daemon runs them: lifecycle, assignment of chat requests before routing
// (through the chat pipeline's hooks), evaluation with the sequential test, opt-in auto-stop and
// promotion, and feedback. All state lives in the store; the service keeps only caches.
import { createHash, randomBytes } from 'node:crypto';
import type { ChatRequest } from '../protocol/chat';
import { RouterError } from '../protocol/errors';
import type {
  ArmSpec,
  ExperimentGetResult,
  ExperimentInfo,
  ExperimentListResult,
  ExperimentResults,
  ExperimentScope,
  FeedbackSubmitResult,
  Promotion,
} from '../protocol/experiments';
import { WEIGHT_SUM_TOLERANCE, type ExperimentCreateParams, type FeedbackSubmitParams } from '../protocol/experiments';
import type { ClientContext, RoutingOptions } from '../protocol/routing';
import type { LedgerRow } from '../protocol/ledger';
import type { ReadTx, Store, WriteTx } from '../store/database';
import type { ExperimentAssignment } from '../pipeline/turn';
import type { z } from 'zod';
import { analyze, type ArmObservations } from './analysis';
import { assign, unitKey } from './assignment';
import { ObservationBuilder, type RequestOutcome } from './observations';
import { seededRandom, seedFromString } from './random';
import * as repo from './repository';
import { DEFAULT_MIXTURE } from './sequential';

export type CreateParams = z.output<typeof ExperimentCreateParams>;
export type FeedbackParams = z.output<typeof FeedbackSubmitParams>;

/** What the service needs from the routing core, kept narrow so tests can supply it. */
export interface RoutingRegistry {
  /** Throws RouterError for an unknown strategy or one that cannot be used without configuration. */
  validateStrategy(name: string): void;
  hasPolicy(name: string): boolean;
  policyNames(): string[];
  hasModel(id: string): boolean;
}

/**
 * The routing core's online update from feedback; returns whether it took the outcome. Called inside
 * the transaction that records the feedback, so what it learned is stored with it (`tx`).
 */
export type OutcomeRecorder = (outcome: { requestId: string; model: string; value: number; request: ChatRequest | null; context: ClientContext | null }, tx: WriteTx) => boolean;

/** A request row moved to the cold ledger, by id (ColdLedger.findById); null when there is none. */
export type ColdRequestLookup = (tx: ReadTx, requestId: string) => LedgerRow | null;

export interface ExperimentServiceDeps {
  store: Store;
  /** Feedback on a request whose row moved to the cold ledger; none = only hot rows take feedback. */
  coldRequest?: ColdRequestLookup;
  routing: RoutingRegistry;
  now(): number;
  recordOutcome?: OutcomeRecorder;
  /** Evaluate a running experiment after this many new ledger rows (the test is valid at any schedule). */
  evaluateEvery?: number;
}

/** The part of a chat call the service looks at. */
export interface RouteCall {
  requestedModel: string;
  request: ChatRequest;
  routing?: RoutingOptions | undefined;
  context: ClientContext;
}

export interface RouteAssignment {
  routing: RoutingOptions;
  experiment: { id: string; arm: string } | null;
  /** The unit the request was assigned by; null under a promotion. Carried by the turn to its row. */
  assignment: ExperimentAssignment | null;
}

/** What the service reads from a recorded turn (see pipeline/turn.ts). */
export interface RecordedTurn {
  assignment: ExperimentAssignment | null;
  escalated: boolean;
  call: { request: ChatRequest; context: ClientContext };
}

const RECENT_REQUESTS = 500;
const MAX_REMEMBERED_CHARS = 50_000;

export function isAutoRouted(requestedModel: string): boolean {
  return requestedModel === 'auto' || requestedModel.startsWith('auto:');
}

export function scopeCovers(scope: ExperimentScope, context: ClientContext): boolean {
  switch (scope.kind) {
    case 'all':
      return true;
    case 'workspace':
      return context.workspace === scope.workspace;
    case 'client':
      return context.kind === scope.clientKind;
  }
}

/** Two scopes overlap unless they are of the same kind with different values. */
export function scopesOverlap(a: ExperimentScope, b: ExperimentScope): boolean {
  if (a.kind === 'all' || b.kind === 'all' || a.kind !== b.kind) {
    return true;
  }
  if (a.kind === 'workspace' && b.kind === 'workspace') {
    return a.workspace === b.workspace;
  }
  if (a.kind === 'client' && b.kind === 'client') {
    return a.clientKind === b.clientKind;
  }
  return true;
}

function describeScope(s: ExperimentScope): string {
  return s.kind === 'all' ? 'all auto-routed traffic' : s.kind === 'workspace' ? `workspace ${s.workspace}` : `${s.clientKind} clients`;
}

function publicInfo(r: repo.ExperimentRecord): ExperimentInfo {
  const { salt: _salt, mixture: _mixture, analysisState: _state, ...info } = r;
  return info;
}

function armSetting(arm: ArmSpec): Promotion['setting'] {
  const s: Promotion['setting'] = {};
  if (arm.strategy !== undefined) {
    s.strategy = arm.strategy;
  }
  if (arm.policy !== undefined) {
    s.policy = arm.policy;
  }
  if (arm.model !== undefined) {
    s.model = arm.model;
  }
  return s;
}

/** The routing options an arm (or a promoted setting) imposes on top of the caller's. */
function applySetting(routing: RoutingOptions | undefined, s: Promotion['setting']): RoutingOptions {
  const out: RoutingOptions = { ...routing };
  if (s.strategy !== undefined) {
    out.strategy = s.strategy;
  }
  if (s.policy !== undefined) {
    out.policy = s.policy;
  }
  if (s.model !== undefined) {
    out.allowedModels = [s.model];
  }
  return out;
}

export class ExperimentService {
  /** Running experiments, refreshed on every lifecycle change (assignment must not hit the store). */
  private active: repo.ExperimentRecord[] = [];
  private promoted: Promotion | null = null;
  private readonly rowsSinceEvaluation = new Map<string, number>();
  private readonly evaluating = new Set<string>();
  /** Running per-arm summaries of each running experiment, fed by every recorded row. */
  private readonly live = new Map<string, LiveSummaries>();
  /**
   * Prompts of recently answered requests (bounded), so later feedback can update the quality
   * model with their features. A cache of finished turns, not state of one in flight.
   */
  private readonly recent = new Map<string, { request: ChatRequest; context: ClientContext }>();

  constructor(private readonly deps: ExperimentServiceDeps) {
    this.reload();
  }

  // ---- lifecycle ------------------------------------------------------------

  async create(p: CreateParams, by: string | null): Promise<ExperimentInfo> {
    this.validate(p);
    const now = this.deps.now();
    const record: repo.ExperimentRecord = {
      id: `exp_${now.toString(36)}${randomBytes(4).toString('hex')}`,
      name: p.name,
      description: p.description ?? null,
      status: p.start ? 'running' : 'paused',
      arms: p.arms,
      scope: p.scope,
      unit: p.unit,
      primaryMetric: p.primaryMetric,
      guardrails: p.guardrails,
      alpha: p.alpha,
      minSamplesPerArm: p.minSamplesPerArm,
      autoStop: p.autoStop,
      autoPromote: p.autoPromote,
      createdAt: now,
      startedAt: p.start ? now : null,
      stoppedAt: null,
      stopReason: null,
      promotion: null,
      salt: p.salt ?? randomBytes(16).toString('hex'),
      mixture: DEFAULT_MIXTURE,
      analysisState: { comparisons: {}, breaches: {}, verdict: null },
    };
    await this.deps.store.withWrite((tx) => {
      // Checked inside the transaction so two concurrent creates cannot both pass.
      const clash = repo.listExperiments(tx).find((e) => e.status !== 'stopped' && scopesOverlap(e.scope, record.scope));
      if (clash) {
        throw new RouterError('conflict', `experiment "${clash.name}" (${clash.id}, ${clash.status}) already covers ${describeScope(clash.scope)}; stop it first or choose a disjoint scope`, {
          experimentId: clash.id,
        });
      }
      repo.insertExperiment(tx, record);
      repo.addEvent(tx, record.id, now, 'created', by, { status: record.status });
    });
    this.reload();
    return publicInfo(record);
  }

  list(status?: ExperimentInfo['status']): ExperimentListResult {
    const records = this.deps.store.read((tx) => repo.listExperiments(tx, status).map((r) => ({ r, requests: repo.countExperimentRequests(tx, r.id) })));
    return { experiments: records.map(({ r, requests }) => ({ ...publicInfo(r), requests, verdict: r.analysisState.verdict })) };
  }

  async get(id: string): Promise<ExperimentGetResult> {
    const results = await this.evaluate(id);
    return { experiment: publicInfo(this.mustGet(id)), results };
  }

  async pause(id: string, by: string | null): Promise<ExperimentInfo> {
    return this.transition(id, by, 'paused', ['running'], {});
  }

  async resume(id: string, by: string | null): Promise<ExperimentInfo> {
    const e = this.mustGet(id);
    return this.transition(id, by, 'running', ['paused'], e.startedAt === null ? { startedAt: this.deps.now() } : {});
  }

  async stop(id: string, by: string | null, reason?: string): Promise<ExperimentInfo> {
    return this.transition(id, by, 'stopped', ['running', 'paused'], { stoppedAt: this.deps.now(), stopReason: reason ?? `stopped by ${by ?? 'a client'}` });
  }

  /**
   * Makes an arm's strategy, policy or model the default for auto-routed traffic outside
   * experiments (the `routing.promoted` setting), records who did it, and stops the experiment.
   */
  async promote(id: string, armName: string | undefined, by: string): Promise<ExperimentInfo> {
    const results = await this.evaluate(id);
    const name = armName ?? (results.verdict.kind === 'winner' ? results.verdict.arm : null);
    if (name === null) {
      throw new RouterError('conflict', `experiment ${id} has no winner yet (${results.verdict.reason}); name the arm to promote explicitly`, { experimentId: id });
    }
    await this.applyPromotion(id, name, by, null);
    return publicInfo(this.mustGet(id));
  }

  /** Promotes and, if it still runs, stops the experiment, in one transaction. */
  private async applyPromotion(id: string, armName: string, by: string, stopReason: string | null): Promise<void> {
    const e = this.mustGet(id);
    const arm = e.arms.find((a) => a.name === armName);
    if (!arm) {
      throw new RouterError('invalidParams', `experiment ${id} has no arm "${armName}": its arms are ${e.arms.map((a) => a.name).join(', ')}`);
    }
    const now = this.deps.now();
    const promotion: Promotion = { arm: arm.name, setting: armSetting(arm), by, at: now };
    const reason = stopReason ?? `promoted ${arm.name}`;
    await this.deps.store.withWrite((tx) => {
      const current = repo.getExperiment(tx, id);
      if (current && current.status !== 'stopped') {
        repo.updateStatus(tx, id, 'stopped', { stoppedAt: now, stopReason: reason });
        repo.addEvent(tx, id, now, 'stopped', by, { reason });
      }
      repo.savePromotion(tx, id, promotion);
      repo.writeSetting(tx, repo.PROMOTED_SETTING, { ...promotion, experimentId: id });
      repo.addEvent(tx, id, now, 'promoted', by, { arm: arm.name, setting: promotion.setting });
    });
    this.reload();
  }

  // ---- assignment (the chat pipeline's beforeRoute) --------------------------

  /**
   * The routing options for this call: an experiment arm's when a running experiment covers it,
   * else the promoted default, else the caller's own. Only auto-routed calls that name no strategy
   * and no policy are touched: a caller who asks for something specific gets it.
   */
  route(requestId: string, call: RouteCall): RouteAssignment | null {
    if (!isAutoRouted(call.requestedModel) || call.routing?.strategy !== undefined || call.routing?.policy !== undefined) {
      return null;
    }
    const e = this.active.find((x) => scopeCovers(x.scope, call.context));
    if (e) {
      const a = assign(e.salt, e.unit, e.arms, call.context, requestId);
      const key = a.unitFallback ? requestId : (unitKey(e.unit, call.context, requestId) ?? requestId);
      const unitHash = createHash('sha256').update(`${e.salt}\u0000${key}`).digest('hex').slice(0, 16);
      return {
        routing: applySetting(call.routing, armSetting(a.arm)),
        experiment: { id: e.id, arm: a.arm.name },
        assignment: { experimentId: e.id, arm: a.arm.name, unitHash, unitFallback: a.unitFallback },
      };
    }
    if (this.promoted) {
      return { routing: applySetting(call.routing, this.promoted.setting), experiment: null, assignment: null };
    }
    return null;
  }

  /** Inside the ledger transaction: which unit the request was assigned by. */
  recordUnit(tx: Parameters<typeof repo.insertUnit>[0], requestId: string, assignment: ExperimentAssignment | null): void {
    if (assignment !== null) {
      repo.insertUnit(tx, requestId, assignment.experimentId, assignment.unitHash, assignment.unitFallback);
    }
  }

  /**
   * After a row is durable: add it to the experiment's running summaries and look every few rows
   * (the sequential test is valid at any schedule), auto-stopping when the verdict is reached.
   */
  async afterRow(row: LedgerRow, turn: RecordedTurn | null = null): Promise<void> {
    if (turn !== null) {
      this.remember(row.id, turn.call);
    }
    const a = turn?.assignment ?? null;
    const unit = a !== null && a.experimentId === row.experimentId ? { unitHash: a.unitHash, fallback: a.unitFallback } : null;
    const escalated = turn?.escalated === true;
    const id = row.experimentId;
    if (id === null || row.arm === null) {
      return;
    }
    const live = this.live.get(id);
    if (live && !live.seen.has(row.id)) {
      live.seen.add(row.id);
      const clustered = this.active.find((x) => x.id === id)?.unit !== 'request';
      live.builder.add(outcomeOfRow(row, row.arm, unit ?? null, clustered, escalated));
    }
    const n = (this.rowsSinceEvaluation.get(id) ?? 0) + 1;
    this.rowsSinceEvaluation.set(id, n);
    if (n < (this.deps.evaluateEvery ?? 10) || this.evaluating.has(id)) {
      return;
    }
    this.rowsSinceEvaluation.set(id, 0);
    await this.evaluate(id, { quantiles: false });
  }

  // ---- evaluation -----------------------------------------------------------

  /**
   * Computes results, records this look in the sticky state, auto-stops if asked. Background looks
   * (no quantiles) use the running summaries; a full read of the ledger rebuilds them when they are
   * missing (first look, restart) or stale (feedback changed a request's score).
   */
  async evaluate(id: string, options: { quantiles: boolean } = { quantiles: true }): Promise<ExperimentResults> {
    this.evaluating.add(id);
    try {
      const e = this.mustGet(id);
      let observations: ArmObservations[];
      let size: number;
      const live = this.live.get(id);
      if (!options.quantiles && live && !live.stale) {
        observations = live.builder.build();
        size = live.seen.size;
      } else {
        const outcomes = this.deps.store.read((tx) => repo.experimentOutcomes(tx, id, e.unit !== 'request'));
        size = outcomes.length;
        const rebuilt: LiveSummaries = { builder: new ObservationBuilder(e.arms, { keepLatencies: false }), seen: new Set(), stale: false };
        // p50/p95 and their bootstrap are for people reading results, not for the background looks.
        const full = options.quantiles ? new ObservationBuilder(e.arms, { keepLatencies: true }) : rebuilt.builder;
        for (const o of outcomes) {
          rebuilt.seen.add(o.requestId);
          if (full !== rebuilt.builder) {
            full.add(o);
          }
          rebuilt.builder.add(o);
        }
        if (e.status === 'running') {
          this.live.set(id, rebuilt);
        }
        observations = full.build();
      }
      const now = this.deps.now();
      const { results, state } = analyze(
        { arms: e.arms, primaryMetric: e.primaryMetric, guardrails: e.guardrails, alpha: e.alpha, minSamplesPerArm: e.minSamplesPerArm, mixture: e.mixture },
        observations,
        e.analysisState,
        // Seeded by the experiment and its size: the same data gives the same bootstrap interval.
        options.quantiles ? { now, rng: seededRandom(seedFromString(`${e.salt}:${size}`)), bootstrapResamples: 200 } : { now },
      );
      const reached = results.verdict.kind === 'winner' || results.verdict.kind === 'guardrailBreached';
      const newlyReached = reached && e.analysisState.verdict?.reachedAt !== results.verdict.reachedAt;
      // A dashboard refreshing an unchanged experiment should not grow the journal.
      const changed = JSON.stringify(state) !== JSON.stringify(e.analysisState);
      await this.deps.store.withWrite((tx) => {
        if (changed) {
          repo.saveAnalysisState(tx, id, state);
        }
        if (newlyReached) {
          repo.addEvent(tx, id, now, 'verdict', 'auto', { kind: results.verdict.kind, arm: results.verdict.arm, metric: results.verdict.metric, reason: results.verdict.reason });
        }
      });
      this.reload();
      // Re-read: another evaluation may have stopped it meanwhile. From here to the stop's write
      // nothing awaits, so the check and the transition cannot interleave with another one.
      const current = this.mustGet(id);
      if (reached && current.autoStop && current.status === 'running') {
        const reason = `auto-stop: ${results.verdict.reason}`;
        if (current.autoPromote && results.verdict.kind === 'winner' && results.verdict.arm !== null) {
          await this.applyPromotion(id, results.verdict.arm, 'auto-stop', reason);
        } else {
          await this.stop(id, 'auto-stop', reason);
        }
      }
      return results;
    } finally {
      this.evaluating.delete(id);
    }
  }

  // ---- feedback -------------------------------------------------------------

  async submitFeedback(p: FeedbackParams, client: ClientContext): Promise<FeedbackSubmitResult> {
    const value = p.thumbs !== undefined ? (p.thumbs === 'up' ? 1 : 0) : ((p.score as number) - 1) / 4;
    const now = this.deps.now();
    const feedbackId = `fb_${now.toString(36)}${randomBytes(4).toString('hex')}`;
    // A cold row is looked up before the write (reading segments must not hold the write lock);
    // rows are never changed. A row hot then that moved before the write is looked up again.
    const coldRequest = this.deps.coldRequest;
    const before = coldRequest === undefined ? null : this.deps.store.read((tx) => (repo.requestForFeedback(tx, p.requestId) ? 'hot' : coldRequest(tx, p.requestId)));
    const target = await this.deps.store.withWrite((tx) => {
      let t = repo.requestForFeedback(tx, p.requestId);
      if (t === null && before !== null) {
        const cold = before === 'hot' ? (coldRequest?.(tx, p.requestId) ?? null) : before;
        t = cold === null ? null : repo.feedbackTargetOf(cold);
      }
      if (!t) {
        throw new RouterError('notFound', `no request "${p.requestId}" in the ledger: use the x-llm-router-request-id of an answer`, { requestId: p.requestId });
      }
      repo.insertFeedback(tx, {
        id: feedbackId,
        requestId: p.requestId,
        ts: now,
        thumbs: p.thumbs ?? null,
        score: p.score ?? null,
        value,
        comment: p.comment ?? null,
        clientKind: client.kind,
        clientName: client.name ?? null,
      });
      const seen = this.recent.get(p.requestId);
      const updated = this.deps.recordOutcome?.({ requestId: p.requestId, model: t.model, value, request: seen?.request ?? null, context: seen?.context ?? null }, tx) ?? false;
      return { ...t, routerUpdated: updated };
    });
    const routerUpdated = target.routerUpdated;
    const live = target.experimentId === null ? undefined : this.live.get(target.experimentId);
    if (live) {
      // A request's score is its latest feedback: a full read replaces the old value correctly.
      live.stale = true;
    }
    if (target.experimentId !== null && this.active.some((e) => e.id === target.experimentId)) {
      await this.evaluate(target.experimentId);
    }
    return { feedbackId, requestId: p.requestId, value, experimentId: target.experimentId, arm: target.arm, routerUpdated };
  }

  // ---- internals ------------------------------------------------------------

  private validate(p: CreateParams): void {
    const sum = p.arms.reduce((s, a) => s + a.weight, 0);
    if (Math.abs(sum - 1) > WEIGHT_SUM_TOLERANCE) {
      throw new RouterError('invalidParams', `arm weights must sum to 1 (they are fractions, e.g. 0.5 and 0.5, not percentages): they sum to ${Number(sum.toFixed(9))}`, { weightSum: sum });
    }
    const names = new Set<string>();
    for (const a of p.arms) {
      if (names.has(a.name)) {
        throw new RouterError('invalidParams', `arm name "${a.name}" is used twice`);
      }
      names.add(a.name);
      if (a.strategy !== undefined) {
        this.deps.routing.validateStrategy(a.strategy);
      }
      if (a.policy !== undefined && !this.deps.routing.hasPolicy(a.policy)) {
        throw new RouterError('unknownPolicy', `arm "${a.name}": unknown policy "${a.policy}"; known policies are ${this.deps.routing.policyNames().join(', ')}`, { policy: a.policy });
      }
      if (a.model !== undefined && !this.deps.routing.hasModel(a.model)) {
        throw new RouterError('unknownModel', `arm "${a.name}": unknown model "${a.model}" (see models/list)`, { model: a.model });
      }
    }
    const guarded = new Set<string>();
    for (const g of p.guardrails) {
      if (g.metric === p.primaryMetric) {
        throw new RouterError('invalidParams', `${g.metric} is the primary metric; a guardrail watches a different one`);
      }
      if (guarded.has(g.metric)) {
        throw new RouterError('invalidParams', `guardrail ${g.metric} is listed twice`);
      }
      guarded.add(g.metric);
    }
    if (p.autoPromote && !p.autoStop) {
      throw new RouterError('invalidParams', 'autoPromote needs autoStop: a winner is promoted when the experiment stops itself');
    }
  }

  private async transition(id: string, by: string | null, to: ExperimentInfo['status'], from: ExperimentInfo['status'][], fields: { startedAt?: number; stoppedAt?: number; stopReason?: string }): Promise<ExperimentInfo> {
    const now = this.deps.now();
    await this.deps.store.withWrite((tx) => {
      const e = repo.getExperiment(tx, id);
      if (!e) {
        throw new RouterError('notFound', `no experiment "${id}" (see experiment/list)`, { experimentId: id });
      }
      if (!from.includes(e.status)) {
        throw new RouterError('conflict', `experiment ${id} is ${e.status}; it can be made ${to} only when ${from.join(' or ')}`, { experimentId: id, status: e.status });
      }
      repo.updateStatus(tx, id, to, fields);
      repo.addEvent(tx, id, now, to === 'running' ? 'resumed' : to, by, fields.stopReason ? { reason: fields.stopReason } : {});
    });
    this.reload();
    return publicInfo(this.mustGet(id));
  }

  private mustGet(id: string): repo.ExperimentRecord {
    const e = this.deps.store.read((tx) => repo.getExperiment(tx, id));
    if (!e) {
      throw new RouterError('notFound', `no experiment "${id}" (see experiment/list)`, { experimentId: id });
    }
    return e;
  }

  private reload(): void {
    const { active, promoted } = this.deps.store.read((tx) => ({
      active: repo.listExperiments(tx, 'running'),
      promoted: repo.readSetting(tx, repo.PROMOTED_SETTING),
    }));
    this.active = active;
    this.promoted = isPromotion(promoted) ? promoted : null;
    for (const id of this.live.keys()) {
      if (!active.some((e) => e.id === id)) {
        this.live.delete(id);
      }
    }
  }

  private remember(requestId: string, call: RecordedTurn['call']): void {
    let chars = 0;
    for (const m of call.request.messages) {
      chars += typeof m.content === 'string' ? m.content.length : JSON.stringify(m.content ?? '').length;
    }
    // Long prompts are not kept: feedback on them still counts, it only skips the quality update.
    if (chars > MAX_REMEMBERED_CHARS) {
      return;
    }
    this.recent.set(requestId, { request: call.request, context: call.context });
    if (this.recent.size > RECENT_REQUESTS) {
      const oldest = this.recent.keys().next().value;
      if (oldest !== undefined) {
        this.recent.delete(oldest);
      }
    }
  }
}

interface LiveSummaries {
  builder: ObservationBuilder;
  /** Request ids already counted: a row read by a full rebuild is not added again by its hook. */
  seen: Set<string>;
  stale: boolean;
}

/** A ledger row as an outcome, rounded as the store rounds it so both paths agree. */
function outcomeOfRow(row: LedgerRow, arm: string, unit: { unitHash: string; fallback: boolean } | null, clustered: boolean, escalated: boolean): RequestOutcome {
  return {
    arm,
    costUsd: row.costState === 'known' ? row.costUsd : null,
    latencyMs: Math.round(row.latencyMs),
    ttftMs: row.ttftMs === null ? null : Math.round(row.ttftMs),
    status: row.status,
    fallbackCount: row.fallbacks.length,
    escalated,
    feedback: null,
    unitFallback: unit?.fallback ?? false,
    unit: clustered && unit !== null && !unit.fallback ? unit.unitHash : null,
  };
}

function isPromotion(v: unknown): v is Promotion {
  if (typeof v !== 'object' || v === null) {
    return false;
  }
  const p = v as Record<string, unknown>;
  return typeof p.arm === 'string' && typeof p.by === 'string' && typeof p.at === 'number' && typeof p.setting === 'object' && p.setting !== null;
}
