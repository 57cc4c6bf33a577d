// The experiments, experiment_events, experiment_units and feedback tables. Writes take the
// caller's transaction; JSON columns are parsed with the protocol's schemas on the way out, so
// a damaged row is an error that names the experiment, never a silently wrong result.
import { z } from 'zod';
import { RouterError } from '../protocol/errors';
import { ArmSpec, AssignmentUnit, ExperimentScope, ExperimentStatus, Guardrail, TestedMetric, type ExperimentInfo, type Promotion } from '../protocol/experiments';
import type { LedgerRow } from '../protocol/ledger';
import type { ReadTx, Row, SqlValue, WriteTx } from '../store/database';
import { emptyAnalysisState, type AnalysisState } from './analysis';
import type { RequestOutcome } from './observations';

export interface ExperimentRecord extends ExperimentInfo {
  salt: string;
  mixture: number;
  analysisState: AnalysisState;
}

const PromotionSchema = z.object({
  arm: z.string(),
  setting: z.object({ strategy: z.string().optional(), policy: z.string().optional(), model: z.string().optional() }),
  by: z.string(),
  at: z.number(),
});

// The analysis state is our own structure; a loose check keeps a damaged column from crashing reads.
const AnalysisStateSchema = z.object({
  comparisons: z.record(z.string(), z.object({ minP: z.number(), significantAt: z.number().nullable(), armBetter: z.boolean().nullable() })),
  breaches: z.record(z.string(), z.number()),
  verdict: z
    .object({
      kind: z.enum(['collecting', 'noDifferenceYet', 'winner', 'guardrailBreached']),
      arm: z.string().nullable(),
      metric: TestedMetric.nullable(),
      reason: z.string(),
      reachedAt: z.number().nullable(),
    })
    .nullable(),
});

const str = (v: SqlValue | undefined): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: SqlValue | undefined): number | null => (v === null || v === undefined ? null : Number(v));

function parseJson<T>(schema: z.ZodType<T>, text: string | null, id: string, column: string): T {
  try {
    return schema.parse(JSON.parse(text ?? 'null'));
  } catch (e) {
    throw new RouterError('internal', `experiment ${id}: the stored ${column} is unreadable (${(e as Error).message.slice(0, 200)})`);
  }
}

function toRecord(r: Row): ExperimentRecord {
  const id = String(r.id);
  const promotionText = str(r.promotion);
  const stateText = str(r.analysis_state);
  return {
    id,
    name: String(r.name),
    description: str(r.description),
    status: ExperimentStatus.parse(r.status),
    arms: parseJson(z.array(ArmSpec), str(r.arms), id, 'arms'),
    scope: parseJson(ExperimentScope, str(r.scope), id, 'scope'),
    unit: AssignmentUnit.parse(r.unit),
    primaryMetric: TestedMetric.parse(r.primary_metric),
    guardrails: parseJson(z.array(Guardrail), str(r.guardrails), id, 'guardrails'),
    alpha: Number(r.alpha),
    minSamplesPerArm: Number(r.min_samples),
    autoStop: Number(r.auto_stop) === 1,
    autoPromote: Number(r.auto_promote) === 1,
    createdAt: Number(r.created_at),
    startedAt: num(r.started_at),
    stoppedAt: num(r.stopped_at),
    stopReason: str(r.stop_reason),
    promotion: promotionText === null ? null : (parseJson(PromotionSchema, promotionText, id, 'promotion') as Promotion),
    salt: String(r.salt),
    mixture: Number(r.mixture),
    analysisState: stateText === null || stateText === '{}' ? emptyAnalysisState() : (parseJson(AnalysisStateSchema, stateText, id, 'analysis state') as AnalysisState),
  };
}

export function insertExperiment(tx: WriteTx, e: ExperimentRecord): void {
  tx.run(
    `INSERT INTO experiments (id, name, description, status, salt, unit, scope, arms, primary_metric, guardrails, alpha, min_samples, mixture,
       auto_stop, auto_promote, created_at, started_at, stopped_at, stop_reason, analysis_state, promotion)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      e.id, e.name, e.description, e.status, e.salt, e.unit, JSON.stringify(e.scope), JSON.stringify(e.arms), e.primaryMetric,
      JSON.stringify(e.guardrails), e.alpha, e.minSamplesPerArm, e.mixture, e.autoStop ? 1 : 0, e.autoPromote ? 1 : 0, e.createdAt,
      e.startedAt, e.stoppedAt, e.stopReason, JSON.stringify(e.analysisState), e.promotion ? JSON.stringify(e.promotion) : null,
    ],
  );
}

export function getExperiment(tx: ReadTx, id: string): ExperimentRecord | null {
  const r = tx.get('SELECT * FROM experiments WHERE id = ?', [id]);
  return r ? toRecord(r) : null;
}

export function listExperiments(tx: ReadTx, status?: string): ExperimentRecord[] {
  const rows = status ? tx.all('SELECT * FROM experiments WHERE status = ? ORDER BY created_at, id', [status]) : tx.all('SELECT * FROM experiments ORDER BY created_at, id');
  return rows.map(toRecord);
}

export function updateStatus(tx: WriteTx, id: string, status: ExperimentInfo['status'], fields: { startedAt?: number; stoppedAt?: number; stopReason?: string | null }): void {
  tx.run('UPDATE experiments SET status = ?, started_at = COALESCE(?, started_at), stopped_at = COALESCE(?, stopped_at), stop_reason = COALESCE(?, stop_reason) WHERE id = ?', [
    status,
    fields.startedAt ?? null,
    fields.stoppedAt ?? null,
    fields.stopReason ?? null,
    id,
  ]);
}

export function saveAnalysisState(tx: WriteTx, id: string, state: AnalysisState): void {
  tx.run('UPDATE experiments SET analysis_state = ? WHERE id = ?', [JSON.stringify(state), id]);
}

export function savePromotion(tx: WriteTx, id: string, promotion: Promotion): void {
  tx.run('UPDATE experiments SET promotion = ? WHERE id = ?', [JSON.stringify(promotion), id]);
}

export function addEvent(tx: WriteTx, experimentId: string, ts: number, kind: string, by: string | null, detail: Record<string, unknown> = {}): void {
  tx.run('INSERT INTO experiment_events (experiment_id, ts, kind, by, detail) VALUES (?, ?, ?, ?, ?)', [experimentId, ts, kind, by, JSON.stringify(detail)]);
}

export interface ExperimentEvent {
  ts: number;
  kind: string;
  by: string | null;
  detail: string;
}

export function listEvents(tx: ReadTx, experimentId: string): ExperimentEvent[] {
  return tx
    .all('SELECT ts, kind, by, detail FROM experiment_events WHERE experiment_id = ? ORDER BY ts, rowid', [experimentId])
    .map((r) => ({ ts: Number(r.ts), kind: String(r.kind), by: str(r.by), detail: String(r.detail) }));
}

export function insertUnit(tx: WriteTx, requestId: string, experimentId: string, unitHash: string, unitFallback: boolean): void {
  tx.run('INSERT OR REPLACE INTO experiment_units (request_id, experiment_id, unit_hash, unit_fallback) VALUES (?, ?, ?, ?)', [requestId, experimentId, unitHash, unitFallback ? 1 : 0]);
}

/**
 * Every ledger row of the experiment with its latest feedback, as outcomes. Escalation is not on
 * the ledger row: it is read from the attempts (request_attempts), where the chat pipeline marks the attempt it
 * escalated from with error code `escalated`.
 */
/** `clustered`: requests share units (user, session, workspace), so each carries its unit hash. */
export function experimentOutcomes(tx: ReadTx, experimentId: string, clustered: boolean): (RequestOutcome & { requestId: string })[] {
  // Latest feedback per request: ordered oldest first, so later rows overwrite earlier ones.
  const feedback = new Map<string, number>();
  for (const f of tx.all(
    'SELECT f.request_id, f.value FROM feedback f JOIN requests r ON r.id = f.request_id WHERE r.experiment_id = ? ORDER BY f.ts, f.rowid',
    [experimentId],
  )) {
    feedback.set(String(f.request_id), Number(f.value));
  }
  const rows = tx.all(
    `SELECT r.id, r.arm, r.cost_usd, r.cost_state, r.latency_ms, r.ttft_ms, r.status, r.fallbacks, u.unit_fallback, u.unit_hash,
            EXISTS (SELECT 1 FROM request_attempts a WHERE a.request_id = r.id AND a.error_code = 'escalated') AS escalated
       FROM requests r LEFT JOIN experiment_units u ON u.request_id = r.id
      WHERE r.experiment_id = ?`,
    [experimentId],
  );
  return rows.map((r) => {
    const status = String(r.status);
    return {
      requestId: String(r.id),
      arm: String(r.arm),
      costUsd: str(r.cost_state) === 'known' && r.cost_usd !== null ? Number(r.cost_usd) : null,
      latencyMs: Number(r.latency_ms),
      ttftMs: num(r.ttft_ms),
      status: status === 'ok' || status === 'error' ? status : 'cancelled',
      fallbackCount: countFallbacks(str(r.fallbacks)),
      escalated: Number(r.escalated ?? 0) === 1,
      feedback: feedback.get(String(r.id)) ?? null,
      unitFallback: Number(r.unit_fallback ?? 0) === 1,
      // A request assigned by its own id is a cluster of one: no need to track it as a unit.
      unit: clustered && Number(r.unit_fallback ?? 0) !== 1 ? str(r.unit_hash) : null,
    };
  });
}

function countFallbacks(json: string | null): number {
  try {
    const f: unknown = JSON.parse(json ?? '[]');
    return Array.isArray(f) ? f.length : 0;
  } catch {
    return 0;
  }
}

export function countExperimentRequests(tx: ReadTx, experimentId: string): number {
  return Number(tx.get('SELECT count(*) AS n FROM requests WHERE experiment_id = ?', [experimentId])?.n ?? 0);
}

export interface FeedbackRow {
  id: string;
  requestId: string;
  ts: number;
  thumbs: 'up' | 'down' | null;
  score: number | null;
  value: number;
  comment: string | null;
  clientKind: string | null;
  clientName: string | null;
}

export function insertFeedback(tx: WriteTx, f: FeedbackRow): void {
  tx.run('INSERT INTO feedback (id, request_id, ts, thumbs, score, value, comment, client_kind, client_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [
    f.id, f.requestId, f.ts, f.thumbs, f.score, f.value, f.comment, f.clientKind, f.clientName,
  ]);
}

export interface FeedbackTarget {
  id: string;
  experimentId: string | null;
  arm: string | null;
  model: string;
  provider: string;
  taskType: string | null;
  strategy: string | null;
}

export function requestForFeedback(tx: ReadTx, requestId: string): FeedbackTarget | null {
  const r = tx.get('SELECT id, experiment_id, arm, model, provider, task_type, strategy FROM requests WHERE id = ?', [requestId]);
  if (!r) {
    return null;
  }
  return { id: String(r.id), experimentId: str(r.experiment_id), arm: str(r.arm), model: String(r.model), provider: String(r.provider), taskType: str(r.task_type), strategy: str(r.strategy) };
}

/** A cold ledger row as a feedback target (cold rows never belong to an experiment: those stay hot). */
export function feedbackTargetOf(row: LedgerRow): FeedbackTarget {
  return { id: row.id, experimentId: row.experimentId, arm: row.arm, model: row.model, provider: row.provider, taskType: row.taskType, strategy: row.strategy };
}

export const PROMOTED_SETTING = 'routing.promoted';

export function writeSetting(tx: WriteTx, key: string, value: unknown): void {
  tx.run('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', [key, JSON.stringify(value)]);
}

export function readSetting(tx: ReadTx, key: string): unknown {
  const r = tx.get('SELECT value FROM settings WHERE key = ?', [key]);
  if (!r) {
    return undefined;
  }
  try {
    return JSON.parse(String(r.value)) as unknown;
  } catch {
    return undefined;
  }
}
