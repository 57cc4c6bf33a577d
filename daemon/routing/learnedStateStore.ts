// Persists what the router learned online (learnedQuality.ts) in the store's `routing_learned`
// table: one row per model, written in the transaction that records the feedback, loaded when the
// daemon starts. A row that does not parse (an older or damaged shape) is skipped, not fatal: the
// model then starts again from its catalog figures.
import type { ReadTx, Store, WriteTx } from '../store/database';
import { OnlineStateSchema, type OnlineState } from './learnedQuality';
import type { Router } from './router';

export function saveLearnedState(tx: WriteTx, modelId: string, state: OnlineState, now: number): void {
  tx.run(
    `INSERT INTO routing_learned (model_id, state, outcomes, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT(model_id) DO UPDATE SET state = excluded.state, outcomes = excluded.outcomes, updated_at = excluded.updated_at`,
    [modelId, JSON.stringify(state), state.outcomes, now],
  );
}

export function readLearnedState(tx: ReadTx): { state: Record<string, OnlineState>; skipped: string[] } {
  const state: Record<string, OnlineState> = {};
  const skipped: string[] = [];
  for (const row of tx.all<{ model_id: string; state: string }>('SELECT model_id, state FROM routing_learned ORDER BY model_id')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(row.state);
    } catch {
      parsed = null;
    }
    const s = OnlineStateSchema.safeParse(parsed);
    if (s.success) {
      state[row.model_id] = s.data;
    } else {
      skipped.push(row.model_id);
    }
  }
  return { state, skipped };
}

/** Loads the stored learned state into the router's quality model; returns the models restored. */
export function restoreLearnedState(store: Store, router: Router): { restored: string[]; skipped: string[] } {
  const { state, skipped } = store.read((tx) => readLearnedState(tx));
  router.importOnline(state);
  return { restored: Object.keys(state), skipped };
}
