// Team mode misconfigured or its database unreachable: clear errors in `team/status` and on the
// refused calls, and the daemon's local operation unaffected. Plus GET /metrics and the team scope
// with team mode off. In-process daemons (the harness), each with its own home.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rpcCall, rpcOk, startTestDaemon, type Harness } from '../daemonHarness';
import { SKIP_NO_PG, freshDatabase, sql, testPg, until } from './teamHarness';

const pg = testPg();
const homes: string[] = [];
const running: Harness[] = [];

after(async () => {
  for (const h of running) {
    await h.close();
  }
  for (const h of homes) {
    rmSync(h, { recursive: true, force: true });
  }
});

function homeWith(config: unknown): string {
  const home = mkdtempSync(join(tmpdir(), 'lr-team-err-'));
  homes.push(home);
  writeFileSync(join(home, 'config.json'), JSON.stringify(config));
  return home;
}

function team(url: string, offline: 'refuse' | 'localBudgets'): unknown {
  return { team: { url, teamId: 'acme', memberId: 'dave', offline, connectTimeoutMs: 2000, syncIntervalMs: 500 } };
}

async function start(config: unknown, password: string | null): Promise<Harness> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.PGPASSWORD;
  if (password !== null) {
    env.PGPASSWORD = password;
  }
  const h = await startTestDaemon({ home: homeWith(config), env });
  running.push(h);
  return h;
}

interface Status {
  enabled: boolean;
  connection: string;
  problem: string | null;
  outboxBacklog: number;
}

async function settled(h: Harness): Promise<Status> {
  let s: Status = await rpcOk<Status>(h, 'team/status', {});
  await until(async () => (s = await rpcOk<Status>(h, 'team/status', {})).connection !== 'connecting', 15_000, 'the first connection attempt');
  return s;
}

const ask = { messages: [{ role: 'user', content: 'name three prime numbers' }], model: 'auto' };

test('unreachable team database (nothing on the port): status says so, calls are refused clearly, local reports work', async () => {
  const h = await start(team('postgres://llm_router@127.0.0.1:1/llm_router', 'refuse'), 'x');
  const s = await settled(h);
  assert.equal(s.connection, 'unreachable');
  assert.match(s.problem ?? '', /127\.0\.0\.1:1\/llm_router refused the connection/);
  const r = await rpcCall(h, 'chat/complete', ask);
  assert.equal(r.error?.data?.code, 'teamUnavailable');
  assert.match(r.error?.message ?? '', /team budgets could not be loaded .*refused the connection.*team\.offline = "refuse"/);
  const local = await rpcOk<{ requests: number }>(h, 'spend/summary', { period: 'day' });
  assert.equal(local.requests, 1, 'the refused call is in the local ledger as an error');
  const teamScope = await rpcCall(h, 'spend/summary', { period: 'day', scope: 'team' });
  assert.equal(teamScope.error?.data?.code, 'teamUnavailable');
});

test('a password in team.url is refused at start: it belongs in the keychain or PGPASSWORD', async () => {
  await assert.rejects(start(team('postgres://llm_router:secret@127.0.0.1:5432/llm_router', 'refuse'), null), /without a password: store the password in the keychain .*PGPASSWORD/);
});

test('team mode off: team/status says so, the team scope explains how to turn it on', async () => {
  const h = await start({}, null);
  const s = await rpcOk<Status>(h, 'team/status', {});
  assert.equal(s.enabled, false);
  assert.equal(s.connection, 'off');
  const r = await rpcCall(h, 'report/export', { scope: 'team' });
  assert.equal(r.error?.data?.code, 'invalidParams');
  assert.match(r.error?.message ?? '', /team mode is off: add a "team" section/);
  const member = await rpcCall(h, 'spend/summary', { groupBy: 'member' });
  assert.match(member.error?.message ?? '', /groupBy member needs scope "team"/);
});

test('GET /metrics: Prometheus text behind the token, or open when configured so', async () => {
  const h = await start({}, null);
  await rpcOk(h, 'chat/complete', ask);
  const anonymous = await fetch(`${h.url}/metrics`);
  assert.equal(anonymous.status, 401);
  const res = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${h.token}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  assert.match(text, /^llm_router_requests_total\{endpoint="rpc",model="[^"]+",provider="[^"]+",status="ok"\} 1$/m);
  assert.match(text, /^llm_router_tokens_total\{model="[^"]+",kind="output"\} [1-9]\d*$/m);
  assert.match(text, /^llm_router_request_duration_seconds_count\{endpoint="rpc",stream="false"\} 1$/m);
  const open = await start({ metrics: { requireToken: false } }, null);
  const o = await fetch(`${open.url}/metrics`);
  assert.equal(o.status, 200);
  assert.match(await o.text(), /# TYPE llm_router_cost_usd_total counter/);
});

test('wrong password: a clear error, and with offline "localBudgets" calls go on and wait in the outbox', { skip: pg === null ? SKIP_NO_PG : false }, async () => {
  const p = pg as NonNullable<typeof pg>;
  const h = await start(team(p.url, 'localBudgets'), 'not-the-password');
  const s = await settled(h);
  assert.equal(s.connection, 'error');
  assert.match(s.problem ?? '', /rejected the password: set PGPASSWORD or store it in the keychain/);
  const r = await rpcOk<{ requestId: string }>(h, 'chat/complete', ask);
  assert.ok(r.requestId);
  assert.equal((await rpcOk<Status>(h, 'team/status', {})).outboxBacklog, 1);
});

test('a team schema newer than this daemon: a clear error, nothing written, local operation unaffected', { skip: pg === null ? SKIP_NO_PG : false }, async () => {
  const p = pg as NonNullable<typeof pg>;
  const db = await freshDatabase(p);
  try {
    await sql(db.url, p.password, 'CREATE TABLE llm_router_schema (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    await sql(db.url, p.password, "INSERT INTO llm_router_schema (version, name) VALUES (999, 'from the future')");
    const h = await start(team(db.url, 'refuse'), p.password);
    const s = await settled(h);
    assert.equal(s.connection, 'error');
    assert.match(s.problem ?? '', /schema is version 999, newer than this llm-router knows \(1\): upgrade llm-router/);
    const tables = await sql<{ n: string }>(db.url, p.password, "SELECT count(*) AS n FROM information_schema.tables WHERE table_name LIKE 'team_%'");
    assert.equal(Number(tables[0]?.n), 0, 'no table created under a newer schema');
    const local = await rpcOk<{ requests: number }>(h, 'spend/summary', { period: 'day' });
    assert.equal(local.requests, 0);
    await h.close();
    running.splice(running.indexOf(h), 1);
  } finally {
    await db.drop();
  }
});
