// Team views and scoped team budgets with two members' daemons on one database: spend/summary,
// spend/timeseries and report/export read the team ledger (by member, model, provider, project,
// day); a member budget stops one member while the other goes on; `llm-router team status`.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { DIST_CLI, childEnv } from '../lifecycle/helpers';
import { SKIP_NO_PG, cleanupDaemons, freshDatabase, newHome, rpc, rpcOk, startTeamDaemon, stopDaemon, testPg, until, writeTeamConfig, type TeamDaemon } from './teamHarness';

const pg = testPg();

after(cleanupDaemons);

interface Summary {
  costUsd: number;
  requests: number;
  groups: { key: string; costUsd: number; requests: number }[];
}

function ask(d: TeamDaemon, workspace: string): Promise<{ result?: { requestId: string }; error?: { message: string; data?: { code: string } } }> {
  return rpc(d, 'chat/complete', { model: 'auto:cost', messages: [{ role: 'user', content: 'list three colours' }], context: { kind: 'script', workspace } });
}

test('team views read every member’s rows; a member budget stops that member only; team status', { skip: pg === null ? SKIP_NO_PG : false, timeout: 120_000 }, async () => {
  const p = pg as NonNullable<typeof pg>;
  const db = await freshDatabase(p);
  try {
    const homes = [newHome(), newHome()];
    const [alice, bob] = await Promise.all(
      homes.map(async (home, i) => {
        writeTeamConfig(home, { url: db.url, memberId: i === 0 ? 'alice' : 'bob', lease: { maxSliceUsd: 0.001, shareOfRemaining: 0.5 } });
        return startTeamDaemon(home, p.password);
      }),
    ) as [TeamDaemon, TeamDaemon];
    await until(async () => (await rpcOk<{ connection: string }>(alice, 'team/status', {})).connection === 'connected', 15_000, 'alice connected');
    // Alice may spend a little (calls hold their estimate, several times their usual cost); the project budget is large.
    const perCall = await (async () => {
      const r = await ask(alice, '/src/web');
      assert.ok(r.result, JSON.stringify(r.error));
      await until(async () => (await rpcOk<{ outboxBacklog: number }>(alice, 'team/status', {})).outboxBacklog === 0, 10_000, 'ship');
      return (await rpcOk<Summary>(alice, 'spend/summary', { scope: 'team', period: 'day' })).costUsd;
    })();
    assert.ok(perCall > 0);
    await rpcOk(alice, 'team/budgetSet', { scope: 'member', scopeValue: 'alice', period: 'day', limitUsd: perCall * 20 });
    await rpcOk(alice, 'team/budgetSet', { scope: 'project', scopeValue: '/src/web', period: 'month', limitUsd: 10 });
    for (const d of [alice, bob]) {
      await until(async () => (await rpcOk<{ budgets: unknown[] }>(d, 'team/status', {})).budgets.length === 2, 10_000, 'both budgets loaded');
    }
    let aliceServed = 1;
    let aliceRefused: string | null = null;
    for (let i = 0; i < 40 && aliceRefused === null; i++) {
      const r = await ask(alice, '/src/web');
      if (r.result) {
        aliceServed += 1;
      } else {
        assert.equal(r.error?.data?.code, 'budgetExceeded');
        aliceRefused = r.error?.message ?? '';
      }
    }
    assert.match(aliceRefused ?? 'not refused', /team budget "daily member alice" \(member alice, per day UTC\)/);
    assert.ok(aliceServed >= 2 && aliceServed <= 20, `alice served ${aliceServed} calls under a budget of 20 calls' cost`);
    for (let i = 0; i < 3; i++) {
      const r = await ask(bob, i === 0 ? '/src/api' : '/src/web');
      assert.ok(r.result, `bob is not under alice's budget: ${JSON.stringify(r.error)}`);
    }
    for (const d of [alice, bob]) {
      await until(async () => (await rpcOk<{ outboxBacklog: number }>(d, 'team/status', {})).outboxBacklog === 0, 10_000, 'outboxes drained');
    }

    const byMember = await rpcOk<Summary>(bob, 'spend/summary', { scope: 'team', period: 'day', groupBy: 'member' });
    const keys = byMember.groups.map((g) => g.key).sort();
    assert.deepEqual(keys, ['alice', 'bob']);
    assert.equal(byMember.groups.find((g) => g.key === 'bob')?.requests, 3);
    assert.equal(byMember.requests, aliceServed + 1 + 3, "alice's served and refused calls and bob's");
    const aliceSpent = byMember.groups.find((g) => g.key === 'alice')?.costUsd ?? Infinity;
    assert.ok(aliceSpent <= perCall * 20 + 1e-12, `alice spent $${aliceSpent}, within her budget`);
    const byProject = await rpcOk<Summary>(bob, 'spend/summary', { scope: 'team', period: 'day', groupBy: 'workspace' });
    assert.deepEqual(byProject.groups.map((g) => g.key).sort(), ['/src/api', '/src/web']);
    for (const groupBy of ['model', 'provider'] as const) {
      const g = await rpcOk<Summary>(bob, 'spend/summary', { scope: 'team', period: 'day', groupBy });
      assert.ok(g.groups.length >= 1 && Math.abs(g.groups.reduce((s, x) => s + x.costUsd, 0) - g.costUsd) < 1e-12, `${groupBy} groups add up`);
    }
    const ownOnly = await rpcOk<Summary>(bob, 'spend/summary', { period: 'day' });
    assert.equal(ownOnly.requests, 3, 'the local scope is still the member’s own ledger');

    const days = await rpcOk<{ points: { start: number; key: string | null; requests: number }[] }>(bob, 'spend/timeseries', { scope: 'team', from: Date.now() - 86_400_000, bucket: 'day', groupBy: 'member' });
    assert.equal(days.points.reduce((s, x) => s + x.requests, 0), byMember.requests);
    assert.ok(days.points.every((x) => x.key === 'alice' || x.key === 'bob'));

    const page1 = await rpcOk<{ rows: { id: string; memberId?: string }[]; nextCursor: string | null }>(alice, 'spend/requests', { scope: 'team', member: 'bob', limit: 2 });
    assert.equal(page1.rows.length, 2);
    assert.ok(page1.rows.every((r) => r.memberId === 'bob'));
    assert.ok(page1.nextCursor !== null);
    const page2 = await rpcOk<{ rows: { id: string; memberId?: string }[]; nextCursor: string | null }>(alice, 'spend/requests', { scope: 'team', member: 'bob', limit: 2, cursor: page1.nextCursor });
    assert.equal(page2.rows.length, 1);
    assert.equal(page2.nextCursor, null);
    assert.equal(new Set([...page1.rows, ...page2.rows].map((r) => r.id)).size, 3, "bob's three rows, each once across pages");
    const csv = await rpcOk<{ rows: number; content: string }>(alice, 'report/export', { scope: 'team', format: 'csv' });
    assert.equal(csv.rows, byMember.requests);
    const lines = csv.content.trim().split('\n');
    assert.match(lines[0] as string, /^request_id,member_id,ts,/);
    assert.equal(lines.filter((l) => l.includes(',bob,')).length, 3);

    // The CLI, against alice's running daemon.
    const cli = spawnSync(process.execPath, [DIST_CLI, 'team', 'status'], { env: childEnv(homes[0] as string), encoding: 'utf8', timeout: 30_000 });
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /^team acme as alice: connected to llm_router@127\.0\.0\.1:\d+\/llmr_/);
    assert.match(cli.stdout, /outbox: 0 row\(s\) waiting/);
    assert.match(cli.stdout, /daily member alice {2}\[member=alice, day UTC\]/);
    await stopDaemon(alice);
    await stopDaemon(bob);
  } finally {
    await cleanupDaemons();
    await db.drop();
  }
});
