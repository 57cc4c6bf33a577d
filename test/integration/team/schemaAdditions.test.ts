// Additive team schema changes: a database an older daemon made gets the new columns when a newer
// daemon connects, the older daemon keeps connecting and writing afterwards (the schema version
// it checks does not move), and rows carry effort and expected wall time to the team ledger.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from 'pg';
import { PG_MIGRATIONS, migrateTeamDb } from '../../../daemon/team/schema';
import { SKIP_NO_PG, cleanupDaemons, freshDatabase, newHome, rpcOk, sql, startTeamDaemon, stopDaemon, testPg, until, writeTeamConfig } from './teamHarness';

const pg = testPg();

after(cleanupDaemons);

function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.password = password;
  return u.toString();
}

/** What a daemon from before the additions does at connect time: versioned migrations only. */
async function connectAsOlderDaemon(url: string, password: string): Promise<number> {
  const pool = new Pool({ connectionString: withPassword(url, password), max: 1 });
  const client = await pool.connect();
  try {
    return await migrateTeamDb(client, PG_MIGRATIONS, []);
  } finally {
    client.release();
    await pool.end();
  }
}

/** An older daemon's insert: the JSON has no effort keys. */
async function insertAsOlderDaemon(url: string, password: string, id: string): Promise<void> {
  const row = {
    team_id: 'acme', request_id: id, member_id: 'old', ts: Date.now(), client_kind: 'script', workspace: null, endpoint: 'rpc',
    requested_model: 'gpt-4o-mini', model: 'gpt-4o-mini', provider: 'openai', policy: null, task_type: null, stream: false,
    tokens_in: 10, tokens_out: 5, tokens_cached: 0, tokens_reasoning: 0, estimated_cost_usd: 0.00001, cost_usd: 0.00001, cost_state: 'known',
    latency_ms: 12, ttft_ms: null, status: 'ok', error_code: null, lease_ids: [], received_at: Date.now(),
  };
  await sql(url, password, 'INSERT INTO team_requests SELECT * FROM json_populate_recordset(NULL::team_requests, $1::json)', [JSON.stringify([row])]);
}

interface Rows {
  rows: { id: string; memberId?: string; effort?: string | null; expectedWallMs?: number | null }[];
}

test('an older daemon\'s database gains effort columns; older daemons keep working; rows carry effort to the team', { skip: pg === null ? SKIP_NO_PG : false, timeout: 120_000 }, async () => {
  const p = pg as NonNullable<typeof pg>;
  const db = await freshDatabase(p);
  try {
    // The database as a daemon from before the additions left it, with one of its rows.
    assert.equal(await connectAsOlderDaemon(db.url, p.password), 1);
    await insertAsOlderDaemon(db.url, p.password, 'old-1');
    const before = await sql<{ column_name: string }>(db.url, p.password, "SELECT column_name FROM information_schema.columns WHERE table_name = 'team_requests' AND column_name = 'effort'");
    assert.equal(before.length, 0);

    const home = newHome();
    writeTeamConfig(home, { url: db.url, memberId: 'new' });
    const d = await startTeamDaemon(home, p.password);
    try {
      await until(async () => (await rpcOk<{ connection: string }>(d, 'team/status', {})).connection === 'connected', 15_000, 'connected');
      const version = await sql<{ v: number }>(db.url, p.password, 'SELECT max(version) AS v FROM llm_router_schema');
      assert.equal(version[0]?.v, 1, 'an addition does not raise the version older daemons check');

      // A reasoning model at a chosen effort: the row reaches the team ledger with it.
      const answer = await rpcOk<{ requestId: string; routing: { effort?: string | null } }>(d, 'chat/complete', {
        model: 'o4-mini', reasoning_effort: 'low', messages: [{ role: 'user', content: 'is 91 prime?' }], context: { kind: 'script' },
      });
      await until(async () => (await rpcOk<{ outboxBacklog: number }>(d, 'team/status', {})).outboxBacklog === 0, 10_000, 'shipped');
      const shipped = await sql<{ effort: string | null; expected_wall_ms: string | null }>(db.url, p.password, 'SELECT effort, expected_wall_ms FROM team_requests WHERE request_id = $1', [answer.requestId]);
      assert.equal(shipped[0]?.effort, 'low');
      const local = await rpcOk<Rows>(d, 'spend/requests', { limit: 5 });
      const mine = local.rows.find((r) => r.id === answer.requestId);
      assert.equal(mine?.effort, 'low');
      assert.equal(shipped[0]?.expected_wall_ms === null ? null : Number(shipped[0]?.expected_wall_ms), mine?.expectedWallMs === null || mine?.expectedWallMs === undefined ? null : Math.round(mine.expectedWallMs));

      // An older daemon still connects and writes after the addition; its rows read back with no effort.
      assert.equal(await connectAsOlderDaemon(db.url, p.password), 1);
      await insertAsOlderDaemon(db.url, p.password, 'old-2');
      const team = await rpcOk<Rows>(d, 'spend/requests', { scope: 'team', limit: 10 });
      const byId = new Map(team.rows.map((r) => [r.id, r]));
      assert.equal(byId.get(answer.requestId)?.effort, 'low');
      assert.equal(byId.get(answer.requestId)?.expectedWallMs, mine?.expectedWallMs === null || mine?.expectedWallMs === undefined ? null : Math.round(mine.expectedWallMs));
      for (const id of ['old-1', 'old-2']) {
        assert.equal(byId.get(id)?.effort, null, `${id} has no effort`);
      }
      const csv = await rpcOk<{ content: string }>(d, 'report/export', { scope: 'team', format: 'csv' });
      const [header, ...lines] = csv.content.trim().split('\n');
      const cols = (header ?? '').split(',');
      const effortCol = cols.indexOf('effort');
      assert.ok(effortCol >= 0, `the team export has an effort column: ${header}`);
      assert.ok(lines.some((l) => l.includes(answer.requestId) && l.split(',')[effortCol] === 'low'));
    } finally {
      await stopDaemon(d);
    }
  } finally {
    await db.drop();
  }
});
