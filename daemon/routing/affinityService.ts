// Conversation affinity wired into the chat pipeline: `route` turns the router's free decision for
// a turn into the conversation's decision (rules in affinity.ts), and the `onRecord` hook updates
// the conversation's row in the same transaction as the ledger row, so the totals (turns, cached
// tokens, what the cache saved) never disagree with the ledger. `listConversations` serves
// `spend/conversations`.
import type { ConversationSummary } from '../protocol/conversations';
import type { LedgerRow } from '../protocol/ledger';
import type { ConversationRouting, RoutingDecision } from '../protocol/routing';
import { priceOf } from '../ledger/pricing';
import type { ConversationPlanner } from '../pipeline/planTurn';
import type { Turn } from '../pipeline/turn';
import type { TurnHooks } from '../service/hooks';
import type { ReadTx, Store, WriteTx } from '../store/database';
import { cacheDiscountUsd, conversationIdOf, judgeTurn, steer, type ConversationState } from './affinity';
import type { Catalog } from './catalog';

export interface AffinityOptions {
  store: Store;
  catalog: Catalog;
  /** Config `affinity.enabled` (default true); a request turns it off with `routing.affinity: false`. */
  enabled: boolean;
  now(): number;
}

/** Conversations idle this long are forgotten (the next turn starts afresh). */
const FORGET_AFTER_MS = 30 * 24 * 3600_000;

type StateRow = { id: string; model: string; provider: string; difficulty: number | null; task_type: string | null; last_input_tokens: number; turns: number; last_ts: number };

export class ConversationAffinity implements ConversationPlanner {
  readonly hooks: TurnHooks;
  private records = 0;

  constructor(private readonly options: AffinityOptions) {
    this.hooks = { onRecord: (tx, row, _attempts, turn) => this.onRecord(tx, row, turn) };
  }

  /** This turn's decision; the fresh one unchanged when affinity is off or no conversation is recognised. */
  route(turn: Turn, fresh: RoutingDecision): RoutingDecision {
    const call = turn.call;
    if (!this.options.enabled || call.routing?.affinity === false) {
      return fresh;
    }
    const conv = conversationIdOf(call.conversation, call.context, call.request.messages);
    if (conv === null) {
      return fresh;
    }
    // A prefix-recognised request without history is a conversation (re)starting, not a later turn:
    // the same one-shot prompt sent again must not be steered by its earlier answer.
    const restart = conv.source === 'prefix' && !call.request.messages.some((m) => m.role === 'assistant');
    const state = restart ? null : this.load(conv.id);
    let decision = fresh;
    let outcome: ConversationRouting['outcome'];
    let why: string;
    if (state === null) {
      outcome = 'new';
      why = 'first turn seen';
    } else if (fresh.strategy === 'fixed') {
      outcome = fresh.model === state.model ? 'kept' : 'moved';
      why = `${fresh.model} was requested by name`;
    } else if (fresh.experiment) {
      outcome = fresh.model === state.model ? 'kept' : 'moved';
      why = `experiment ${fresh.experiment.id} (arm ${fresh.experiment.arm}) routes this turn`;
    } else {
      const j = judgeTurn({ state, fresh, model: (id) => this.options.catalog.get(id) });
      outcome = j.outcome;
      why = j.why;
      decision = steer(fresh, j.model);
    }
    const n = (state?.turns ?? 0) + 1;
    const conversation: ConversationRouting = { key: conv.id, keySource: conv.source, turn: n, outcome, previousModel: state?.model ?? null, why };
    const reason =
      outcome === 'kept' && decision.model !== fresh.model
        ? `conversation turn ${n}: kept ${decision.model} (${why}); routed afresh it would be ${fresh.model}: ${fresh.reason}`
        : outcome === 'new'
          ? fresh.reason
          : `${decision.reason}; conversation turn ${n}: ${outcome === 'kept' ? 'kept' : `moved from ${state?.model ?? '?'}`} (${why})`;
    return { ...decision, reason, conversation };
  }

  private load(id: string): ConversationState | null {
    const r = this.options.store.read((tx) => tx.get<StateRow>('SELECT id, model, provider, difficulty, task_type, last_input_tokens, turns, last_ts FROM conversations WHERE id = ?', [id]));
    if (!r || r.last_ts < this.options.now() - FORGET_AFTER_MS) {
      return null;
    }
    return { id: r.id, model: r.model, provider: r.provider, difficulty: r.difficulty, taskType: r.task_type, lastInputTokens: r.last_input_tokens, turns: r.turns };
  }

  /** Inside the ledger row's transaction: only answered turns count. */
  private onRecord(tx: WriteTx, row: LedgerRow, turn: Turn): void {
    const decision = turn.isPlanned ? turn.plan.decision : null;
    const c = decision?.conversation;
    if (!decision || !c || row.status !== 'ok') {
      return;
    }
    const model = this.options.catalog.get(row.model);
    const saved = model ? cacheDiscountUsd(priceOf(model), row.tokensCached) ?? 0 : 0;
    const totals = [row.tokensIn, row.tokensCached, saved, row.costUsd ?? 0, row.costState === 'known' ? 0 : 1];
    const inserted = [
      c.key, c.keySource, turn.context.kind, turn.context.name ?? null, row.model, row.provider, decision.difficulty ?? null, decision.taskType, decision.inputTokens,
      c.outcome === 'kept' ? 1 : 0, c.outcome === 'moved' ? 1 : 0, c.outcome, c.why,
      ...totals, row.ts, row.ts, row.id,
    ];
    if (c.outcome === 'new') {
      // A conversation (re)starting replaces whatever row its key had: one statement (REPLACE
      // deletes the old row, then inserts) where a DELETE and the upsert below were two, for every
      // one-shot prompt.
      tx.run(
        `INSERT OR REPLACE INTO conversations (id, key_source, client_kind, client_name, model, provider, difficulty, task_type, last_input_tokens, turns, kept, moved,
           last_outcome, last_why, tokens_in, tokens_cached, cache_saved_usd, cost_usd, unknown_cost_turns, first_ts, last_ts, last_request_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        inserted,
      );
    } else if (decision.strategy === 'fixed' && tx.get('SELECT 1 AS x FROM conversations WHERE id = ?', [c.key]) !== undefined) {
      // Claude Code's side requests name a small model under the same session: they count, but the
      // conversation stays on the model its routed turns are on.
      tx.run(
        `UPDATE conversations SET turns = turns + 1, tokens_in = tokens_in + ?, tokens_cached = tokens_cached + ?, cache_saved_usd = cache_saved_usd + ?,
           cost_usd = cost_usd + ?, unknown_cost_turns = unknown_cost_turns + ?, last_ts = ?, last_request_id = ? WHERE id = ?`,
        [...totals, row.ts, row.id, c.key],
      );
    } else {
      // The model follows what answered (a fallback or escalation is where the conversation is
      // now); the anchor (difficulty, task type) stays with the turn that chose the model.
      tx.run(
        `INSERT INTO conversations (id, key_source, client_kind, client_name, model, provider, difficulty, task_type, last_input_tokens, turns, kept, moved,
           last_outcome, last_why, tokens_in, tokens_cached, cache_saved_usd, cost_usd, unknown_cost_turns, first_ts, last_ts, last_request_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET
           model = excluded.model, provider = excluded.provider,
           difficulty = CASE WHEN excluded.last_outcome = 'kept' THEN difficulty ELSE excluded.difficulty END,
           task_type = CASE WHEN excluded.last_outcome = 'kept' THEN task_type ELSE excluded.task_type END,
           last_input_tokens = excluded.last_input_tokens, turns = turns + 1, kept = kept + excluded.kept, moved = moved + excluded.moved,
           last_outcome = excluded.last_outcome, last_why = excluded.last_why, tokens_in = tokens_in + excluded.tokens_in,
           tokens_cached = tokens_cached + excluded.tokens_cached, cache_saved_usd = cache_saved_usd + excluded.cache_saved_usd,
           cost_usd = cost_usd + excluded.cost_usd, unknown_cost_turns = unknown_cost_turns + excluded.unknown_cost_turns,
           last_ts = excluded.last_ts, last_request_id = excluded.last_request_id`,
        inserted,
      );
    }
    if (++this.records % 500 === 0) {
      tx.run('DELETE FROM conversations WHERE last_ts < ?', [this.options.now() - FORGET_AFTER_MS]);
    }
  }
}

type SummaryRow = {
  id: string; key_source: string; client_kind: string; client_name: string | null; model: string; provider: string; turns: number; kept: number; moved: number;
  last_outcome: string; last_why: string; tokens_in: number; tokens_cached: number; cache_saved_usd: number; cost_usd: number; unknown_cost_turns: number;
  first_ts: number; last_ts: number; last_request_id: string;
};

/** The most recently active conversations first. */
export function listConversations(tx: ReadTx, p: { limit: number; since?: number | undefined }): ConversationSummary[] {
  const rows = tx.all<SummaryRow>('SELECT * FROM conversations WHERE last_ts >= ? ORDER BY last_ts DESC, id LIMIT ?', [p.since ?? 0, p.limit]);
  return rows.map((r) => ({
    id: r.id,
    keySource: r.key_source as ConversationSummary['keySource'],
    clientKind: r.client_kind,
    clientName: r.client_name,
    model: r.model,
    provider: r.provider,
    turns: r.turns,
    kept: r.kept,
    moved: r.moved,
    lastOutcome: r.last_outcome as ConversationSummary['lastOutcome'],
    lastWhy: r.last_why,
    tokensIn: r.tokens_in,
    tokensCached: r.tokens_cached,
    cacheSavedUsd: r.cache_saved_usd,
    costUsd: r.cost_usd,
    unknownCostTurns: r.unknown_cost_turns,
    firstTs: r.first_ts,
    lastTs: r.last_ts,
    lastRequestId: r.last_request_id,
  }));
}
