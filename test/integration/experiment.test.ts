// An A/B experiment on real routed traffic: a simulated daemon started by the CLI (dist/cli.js),
// the experiment created and read back with the CLI, traffic sent by a script over /rpc, feedback
// from the CLI, a daemon restart in the middle (assignment must not change), then promotion.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readDiscovery } from '../../daemon/lifecycle/discovery';
import { rpcCodeOf } from '../../daemon/protocol/errors';
import type { ExperimentGetResult, ExperimentInfo, FeedbackSubmitResult } from '../../daemon/protocol/experiments';
import type { ChatCompleteResult, SpendRequestsResult } from '../../daemon/protocol/methods';
import { cliHarness } from './lifecycle/helpers';

const { home, cli } = cliHarness('lr-exp-');

function cliJson<T>(...args: string[]): T {
  const r = cli(...args, '--json');
  assert.equal(r.status, 0, `llm-router ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

interface RpcAnswer<T> {
  result?: T;
  error?: { code: number; message: string };
}

async function rpc<T>(method: string, params: unknown): Promise<RpcAnswer<T>> {
  const info = readDiscovery(home);
  assert.ok(info, 'a daemon is running');
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params });
  // A fresh connection per call (agent: false): a pooled keep-alive socket can be closed by the
  // daemon while the CLI runs in between, and a POST on it would fail.
  return new Promise<RpcAnswer<T>>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: info.port, path: '/rpc', method: 'POST', agent: false, headers: { 'content-type': 'application/json', authorization: `Bearer ${info.token}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as RpcAnswer<T>);
          } catch (e) {
            reject(e as Error);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function ok<T>(method: string, params: unknown): Promise<T> {
  const a = await rpc<T>(method, params);
  assert.ok(a.result !== undefined, `${method}: ${a.error?.message}`);
  return a.result;
}

const ARMS = { quality: 'quality-first', cheap: 'cost-aggressive' } as const;
const SESSIONS = 40;

/** One auto-routed request per session from `first` on, a few at a time; returns session → arm. */
async function traffic(round: number, count: number): Promise<{ requestIds: string[]; strategyBySession: Map<string, string> }> {
  const requestIds: string[] = [];
  const strategyBySession = new Map<string, string>();
  for (let i = 0; i < count; i += 8) {
    const batch = Array.from({ length: Math.min(8, count - i) }, (_, j) => i + j);
    const answers = await Promise.all(
      batch.map((k) =>
        ok<ChatCompleteResult>('chat/complete', {
          model: 'auto',
          messages: [{ role: 'user', content: `Round ${round}, question ${k}: summarise why ${'tests '.repeat(1 + (k % 7))}matter.` }],
          context: { kind: 'script', name: 'experiment-traffic', sessionId: `session-${k % SESSIONS}` },
        }),
      ),
    );
    answers.forEach((a, j) => {
      requestIds.push(a.requestId);
      const session = `session-${(batch[j] as number) % SESSIONS}`;
      const prev = strategyBySession.get(session);
      assert.ok(prev === undefined || prev === a.routing.strategy, `${session} switched strategy within a round`);
      strategyBySession.set(session, a.routing.strategy);
    });
  }
  return { requestIds, strategyBySession };
}

before(() => {
  const r = cli('ask', '--simulate', 'warm up');
  assert.equal(r.status, 0, r.stderr);
});

const t0 = Date.now();
const mark = (what: string) => console.log(`${what}: ${Date.now() - t0} ms`);

test('an experiment on routed traffic through the daemon: assignment, results with intervals, a verdict, feedback, restart, promotion', async () => {
  // Bad input gets clear, stable errors and creates nothing.
  const badWeights = await rpc('experiment/create', { name: 'x', arms: [{ name: 'a', weight: 0.6, strategy: 'learned' }, { name: 'b', weight: 0.6, strategy: 'learned' }] });
  assert.equal(badWeights.error?.code, rpcCodeOf('invalidParams'));
  assert.match(badWeights.error?.message ?? '', /sum to 1/);
  const badStrategy = await rpc('experiment/create', { name: 'x', arms: [{ name: 'a', weight: 0.5, strategy: 'learned' }, { name: 'b', weight: 0.5, strategy: 'psychic' }] });
  assert.equal(badStrategy.error?.code, rpcCodeOf('invalidParams'));
  assert.match(badStrategy.error?.message ?? '', /unknown strategy "psychic"/);

  const created = cliJson<ExperimentInfo>(
    'experiment', 'create', '--name', 'cheap vs quality', '--arm', `quality=strategy:${ARMS.quality}@0.5`, '--arm', `cheap=strategy:${ARMS.cheap}@0.5`,
    '--unit', 'session', '--min-samples', '20', '--guardrail', 'errorRate', '--salt', 'integration-salt-0001',
  );
  assert.equal(created.status, 'running');
  const overlap = cli('experiment', 'create', '--name', 'again', '--arm', 'a=strategy:learned@0.5', '--arm', 'b=strategy:task-type@0.5');
  assert.notEqual(overlap.status, 0);
  assert.match(overlap.stderr, /already covers all auto-routed traffic.*\[conflict\]/);

  mark('created');
  // Traffic from a script; the arm's strategy is what routed each request.
  const first = await traffic(1, 80);
  assert.equal(new Set(first.strategyBySession.values()).size, 2, 'both arms receive sessions');
  const page = await ok<SpendRequestsResult>('spend/requests', { limit: 500 });
  const rows = page.rows.filter((r) => r.experimentId === created.id);
  assert.equal(rows.length, 80, 'every routed request of the experiment is on the ledger with its experiment');
  for (const r of rows) {
    assert.ok(r.arm === 'quality' || r.arm === 'cheap');
    assert.equal(r.strategy, ARMS[r.arm], 'the ledger row names the arm whose strategy routed it');
  }
  const warmUp = page.rows.find((r) => r.experimentId === null);
  assert.ok(warmUp, 'the request before the experiment is not in it');

  mark('traffic');
  // Feedback from a script (the CLI), and a clear error for an unknown request.
  const fb = cliJson<FeedbackSubmitResult>('feedback', first.requestIds[0] as string, 'up');
  assert.equal(fb.experimentId, created.id);
  assert.equal(fb.value, 1);
  for (const id of first.requestIds.slice(1, 6)) {
    const r = await ok<FeedbackSubmitResult>('feedback/submit', { requestId: id, thumbs: 'down' });
    assert.equal(r.value, 0);
    assert.equal(r.routerUpdated, true, 'this daemon saw the request, so the learned router takes the outcome');
  }
  assert.equal(cliJson<FeedbackSubmitResult>('feedback', first.requestIds[6] as string, '2', '--comment', 'too terse').value, 0.25);
  const unknown = cli('feedback', 'req_does_not_exist', 'up');
  assert.notEqual(unknown.status, 0);
  assert.match(unknown.stderr, /no request "req_does_not_exist".*\[notFound\]/);

  mark('feedback');
  // Restart the daemon: the same sessions land in the same arms.
  assert.equal(cli('stop').status, 0);
  assert.equal(cli('ask', '--simulate', 'back again').status, 0);
  const second = await traffic(2, 80);
  for (const [session, strategy] of second.strategyBySession) {
    assert.equal(strategy, first.strategyBySession.get(session), `${session} kept its arm across the restart`);
  }

  mark('restart + traffic');
  // Results: numbers and intervals per arm and metric, and a verdict.
  const got = cliJson<ExperimentGetResult>('experiment', 'get', created.id);
  const { results } = got;
  assert.deepEqual(results.arms.map((a) => a.arm), ['quality', 'cheap']);
  // The scripted 160, plus the CLI's own "back again" ask: it is auto-routed traffic too.
  const inExperiment = (await ok<SpendRequestsResult>('spend/requests', { limit: 500 })).rows.filter((r) => r.experimentId === created.id).length;
  assert.equal(inExperiment, 161);
  assert.equal(results.arms.reduce((s, a) => s + a.requests, 0), inExperiment);
  assert.equal(results.arms.reduce((s, a) => s + a.feedbackCount, 0), 7);
  const cost = results.comparisons.find((c) => c.metric === 'costPerRequest' && c.arm === 'cheap');
  assert.ok(cost?.sequential && cost.fixed && cost.difference !== null);
  assert.ok(cost.sequential.low <= cost.difference && cost.difference <= cost.sequential.high);
  assert.ok(cost.sequential.high < 0, `cost-aggressive is cheaper: ${JSON.stringify(cost.sequential)}`);
  assert.equal(results.verdict.kind, 'winner');
  assert.equal(results.verdict.arm, 'cheap');
  assert.equal(results.verdict.metric, 'costPerRequest');
  assert.ok(results.quantiles.every((q) => q.bootstrap === null || q.bootstrap.low <= q.bootstrap.high));
  const text = cli('experiment', 'get', created.id);
  assert.match(text.stdout, /verdict: winner \(cheap\)/);

  // Promotion: recorded with who did it; later auto-routed traffic uses the winner's strategy.
  const promoted = cliJson<ExperimentInfo>('experiment', 'promote', created.id, '--by', 'integration-test');
  assert.equal(promoted.status, 'stopped');
  assert.equal(promoted.promotion?.arm, 'cheap');
  assert.equal(promoted.promotion?.by, 'integration-test');
  const after = await ok<ChatCompleteResult>('chat/complete', { model: 'auto', messages: [{ role: 'user', content: 'after the experiment' }], context: { kind: 'script', sessionId: 'session-1' } });
  assert.equal(after.routing.strategy, ARMS.cheap);
  const listed = cliJson<{ experiments: (ExperimentInfo & { requests: number })[] }>('experiment', 'list');
  assert.equal(listed.experiments.find((e) => e.id === created.id)?.requests, inExperiment);
});
