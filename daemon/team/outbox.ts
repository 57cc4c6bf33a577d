// The outbox: ledger rows queued locally (in the transaction that records them) and shipped to the
// team ledger in batches. PostgreSQL inserts each row once (primary key team × request id, ON
// CONFLICT DO NOTHING) and, in the same transaction, adds the newly inserted rows' cost to every
// team budget they fall under and to the leases they were spent against. Only after that commit
// are they removed locally: a crash in between re-sends rows that PostgreSQL then ignores.
import type { Pool } from 'pg';
import type { LedgerRow } from '../protocol/ledger';
import { rowFromDb } from '../ledger/requests';
import type { Store, WriteTx } from '../store/database';
import { inTransaction } from './connection';
import { covers, loadTeamBudgets, teamPeriodStart } from './teamBudgets';

export function enqueueInTx(tx: WriteTx, requestId: string, leaseIds: readonly string[], now: number): void {
  tx.run('INSERT OR IGNORE INTO team_outbox (request_id, lease_ids, queued_at) VALUES (?, ?, ?)', [requestId, JSON.stringify(leaseIds), now]);
}

export function outboxBacklog(store: Store): number {
  return store.read((tx) => Number(tx.get<{ n: number }>('SELECT count(*) AS n FROM team_outbox')?.n ?? 0));
}

interface Queued {
  seq: number;
  row: LedgerRow | null;
  requestId: string;
  leaseIds: string[];
}

function nextBatch(store: Store, limit: number): Queued[] {
  return store.read((tx) =>
    tx
      .all('SELECT o.seq AS o_seq, o.request_id AS o_request_id, o.lease_ids AS o_lease_ids, r.* FROM team_outbox o LEFT JOIN requests r ON r.id = o.request_id ORDER BY o.seq LIMIT ?', [limit])
      .map((r) => ({
        seq: Number(r.o_seq),
        requestId: String(r.o_request_id),
        leaseIds: parseIds(r.o_lease_ids),
        row: r.id === null || r.id === undefined ? null : rowFromDb(r),
      })),
  );
}

function parseIds(v: unknown): string[] {
  try {
    const parsed = JSON.parse(String(v ?? '[]')) as unknown;
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [];
  }
}

interface Inserted {
  request_id: string;
  ts: string;
  workspace: string | null;
  member_id: string;
  model: string;
  provider: string;
  cost_usd: number | null;
  cost_state: string;
  lease_ids: string[];
}

/** Ships one batch; returns how many rows left the outbox (0: it is empty). */
export async function shipBatch(store: Store, pool: Pool, teamId: string, memberId: string, limit: number, now: () => number): Promise<number> {
  const batch = nextBatch(store, limit);
  if (batch.length === 0) {
    return 0;
  }
  const present = batch.filter((q): q is Queued & { row: LedgerRow } => q.row !== null);
  if (present.length > 0) {
    const receivedAt = now();
    const json = JSON.stringify(
      present.map(({ row, leaseIds }) => ({
        team_id: teamId,
        request_id: row.id,
        member_id: memberId,
        ts: row.ts,
        client_kind: row.clientKind,
        workspace: row.workspace,
        endpoint: row.endpoint,
        requested_model: row.requestedModel,
        model: row.model,
        provider: row.provider,
        policy: row.policy,
        task_type: row.taskType,
        stream: row.stream,
        tokens_in: row.tokensIn,
        tokens_out: row.tokensOut,
        tokens_cached: row.tokensCached,
        tokens_reasoning: row.tokensReasoning,
        estimated_cost_usd: row.estimatedCostUsd,
        cost_usd: row.costState === 'known' ? row.costUsd : null,
        cost_state: row.costState,
        latency_ms: Math.round(row.latencyMs),
        ttft_ms: row.ttftMs === null ? null : Math.round(row.ttftMs),
        status: row.status,
        error_code: row.errorCode,
        effort: row.effort ?? null,
        expected_wall_ms: row.expectedWallMs === null || row.expectedWallMs === undefined ? null : Math.round(row.expectedWallMs),
        lease_ids: leaseIds,
        received_at: receivedAt,
      })),
    );
    await inTransaction(pool, async (c) => {
      const ins = await c.query<Inserted>(
        `INSERT INTO team_requests SELECT * FROM json_populate_recordset(NULL::team_requests, $1::json)
         ON CONFLICT (team_id, request_id) DO NOTHING
         RETURNING request_id, ts, workspace, member_id, model, provider, cost_usd, cost_state, lease_ids`,
        [json],
      );
      if (ins.rows.length === 0) {
        return;
      }
      const budgets = await loadTeamBudgets(c, teamId);
      const usage = new Map<string, { budgetId: string; start: number; cost: number; n: number }>();
      const arrived = new Map<string, number>();
      for (const r of ins.rows) {
        const cost = r.cost_state === 'known' ? Number(r.cost_usd ?? 0) : 0;
        const ts = Number(r.ts);
        for (const b of budgets) {
          if (!covers(b, { workspace: r.workspace, member: r.member_id, model: r.model, provider: r.provider })) {
            continue;
          }
          const start = teamPeriodStart(ts, b.period);
          const key = `${b.id}\u0000${start}`;
          const u = usage.get(key) ?? { budgetId: b.id, start, cost: 0, n: 0 };
          u.cost += cost;
          u.n += 1;
          usage.set(key, u);
        }
        for (const id of r.lease_ids) {
          arrived.set(id, (arrived.get(id) ?? 0) + cost);
        }
      }
      // Sorted, so two daemons shipping at once take row locks in the same order (no deadlock).
      const u = [...usage.values()].sort((a, b) => (a.budgetId === b.budgetId ? a.start - b.start : a.budgetId < b.budgetId ? -1 : 1));
      if (u.length > 0) {
        await c.query(
          `INSERT INTO team_budget_usage (budget_id, period_start, spent_usd, requests)
           SELECT * FROM unnest($1::text[], $2::bigint[], $3::float8[], $4::bigint[])
           ON CONFLICT (budget_id, period_start) DO UPDATE SET spent_usd = team_budget_usage.spent_usd + excluded.spent_usd,
             requests = team_budget_usage.requests + excluded.requests`,
          [u.map((x) => x.budgetId), u.map((x) => x.start), u.map((x) => x.cost), u.map((x) => x.n)],
        );
      }
      const a = [...arrived.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1));
      if (a.length > 0) {
        await c.query(
          `UPDATE team_leases l SET arrived_usd = l.arrived_usd + v.cost FROM unnest($1::text[], $2::float8[]) AS v(id, cost) WHERE l.id = v.id`,
          [a.map((x) => x[0]), a.map((x) => x[1])],
        );
      }
    });
  }
  const last = batch[batch.length - 1] as Queued;
  await store.withWrite((tx) => {
    tx.run('DELETE FROM team_outbox WHERE seq <= ?', [last.seq]);
  });
  return batch.length;
}
