// Statement texts a journal record may name by number instead of spelling out. Every recorded
// request writes the same dozen statements, whose texts (about 3 kB: the conversation upsert alone
// is 1.3 kB) were most of its journal record: more bytes to stringify, checksum and write, and a
// snapshot every 16 MB of journal comes sooner. A record stores [id, params] for a text listed
// here and [text, params] for any other.
//
// APPEND ONLY, NEVER EDIT: journals on disk name these texts by their position. The encoder looks
// a statement up by its exact text, so a statement changed in its own module simply stops matching
// (it is journaled as text again, correct but larger) — add its new text at the end instead.
// A journal that names an id this list lacks (a newer daemon's) is refused as unreadable.
// test/unit/store/journalStatements.test.ts pins each shipped entry by hash, so an edit in place fails.
export const JOURNAL_STATEMENTS: readonly string[] = Object.freeze([
  "INSERT INTO budget_usage (budget_id, period_start, reserved_usd) VALUES (?, ?, ?)\n             ON CONFLICT (budget_id, period_start) DO UPDATE SET reserved_usd = reserved_usd + excluded.reserved_usd",
  "INSERT INTO reservations (id, request_id, ts, amount_usd, holds) VALUES (?, ?, ?, ?, ?)",
  "INSERT INTO requests (id, ts, client_kind, client_name, workspace, endpoint, requested_model, model, provider, policy, strategy, task_type, reason, stream, tokens_in, tokens_out, tokens_cached, tokens_reasoning, estimated_cost_usd, cost_usd, cost_state, latency_ms, ttft_ms, status, error_code, fallbacks, experiment_id, arm, effort, expected_wall_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  "INSERT INTO attempts (request_id, n, ts, model, provider, status, error_code, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
  "DELETE FROM reservations WHERE id = ?",
  "UPDATE budget_usage SET reserved_usd = max(0, reserved_usd - ?) WHERE budget_id = ? AND period_start = ?",
  "INSERT INTO budget_usage (budget_id, period_start, spent_usd, requests, unknown_price) VALUES (?, ?, ?, ?, ?)\n         ON CONFLICT (budget_id, period_start) DO UPDATE SET spent_usd = spent_usd + excluded.spent_usd,\n           requests = requests + excluded.requests, unknown_price = unknown_price + excluded.unknown_price",
  "INSERT INTO spend_hourly SELECT d.column1,?1,d.column2,1,?2,?3,?4,?5,?6,?7,?8,?9 FROM (VALUES('model',?10),('provider',?11),('policy',?12),('workspace',?13),('client',?14),('endpoint',?15),('total',''))d WHERE 1 ON CONFLICT DO UPDATE SET requests=requests+1,errors=errors+?2,unknown_price=unknown_price+?3,cost_usd=cost_usd+?4,priced_tokens_in=priced_tokens_in+?5,priced_tokens_cached=priced_tokens_cached+?6,priced_tokens_out=priced_tokens_out+?7,tokens_in=tokens_in+?8,tokens_out=tokens_out+?9",
  "DELETE FROM conversations WHERE id = ?",
  "INSERT INTO conversations (id, key_source, client_kind, client_name, model, provider, difficulty, task_type, last_input_tokens, turns, kept, moved,\n           last_outcome, last_why, tokens_in, tokens_cached, cache_saved_usd, cost_usd, unknown_cost_turns, first_ts, last_ts, last_request_id)\n         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)\n         ON CONFLICT (id) DO UPDATE SET\n           model = excluded.model, provider = excluded.provider,\n           difficulty = CASE WHEN excluded.last_outcome = 'kept' THEN difficulty ELSE excluded.difficulty END,\n           task_type = CASE WHEN excluded.last_outcome = 'kept' THEN task_type ELSE excluded.task_type END,\n           last_input_tokens = excluded.last_input_tokens, turns = turns + 1, kept = kept + excluded.kept, moved = moved + excluded.moved,\n           last_outcome = excluded.last_outcome, last_why = excluded.last_why, tokens_in = tokens_in + excluded.tokens_in,\n           tokens_cached = tokens_cached + excluded.tokens_cached, cache_saved_usd = cache_saved_usd + excluded.cache_saved_usd,\n           cost_usd = cost_usd + excluded.cost_usd, unknown_cost_turns = unknown_cost_turns + excluded.unknown_cost_turns,\n           last_ts = excluded.last_ts, last_request_id = excluded.last_request_id",
  "INSERT OR REPLACE INTO request_decisions (request_id, ts, detail) VALUES (?, ?, ?)",
  "UPDATE conversations SET turns = turns + 1, tokens_in = tokens_in + ?, tokens_cached = tokens_cached + ?, cache_saved_usd = cache_saved_usd + ?,\n           cost_usd = cost_usd + ?, unknown_cost_turns = unknown_cost_turns + ?, last_ts = ?, last_request_id = ? WHERE id = ?",
  "UPDATE budget_usage SET alerted = ? WHERE budget_id = ? AND period_start = ?",
  "INSERT INTO requests (id, ts, client_kind, client_name, workspace, endpoint, requested_model, model, provider, policy, strategy, task_type, reason, stream, tokens_in, tokens_out, tokens_cached, tokens_reasoning, estimated_cost_usd, cost_usd, cost_state, latency_ms, ttft_ms, status, error_code, fallbacks, experiment_id, arm, effort, expected_wall_ms, sole_attempt_offset_ms, sole_attempt_latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  "INSERT OR REPLACE INTO conversations (id, key_source, client_kind, client_name, model, provider, difficulty, task_type, last_input_tokens, turns, kept, moved,\n           last_outcome, last_why, tokens_in, tokens_cached, cache_saved_usd, cost_usd, unknown_cost_turns, first_ts, last_ts, last_request_id)\n         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
]);
