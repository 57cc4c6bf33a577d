// Budgets on every path of a turn, through the real daemon (in-process, simulate mode): fallbacks
// and their reservations under concurrency, steering to what a budget can afford, named models,
// several windows on one scope, and route/estimate agreeing with the call that follows.
import { test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { createHandlers, type CallContext, type Handlers } from '../../../daemon/handlers';
import { RouterError } from '../../../daemon/protocol/errors';
import { RoutingHeaders } from '../../../daemon/protocol/discovery';
import type { BudgetScope } from '../../../daemon/protocol/budget';
import { ExperimentCreateParams } from '../../../daemon/protocol/experiments';
import { startTestDaemon, type Harness } from '../../integration/daemonHarness';

const ctx = (sessionId = 'sess-1'): CallContext => ({ client: { kind: 'script', name: 'unit', sessionId }, transport: 'http', signal: new AbortController().signal, notify: () => undefined, sessionId });

async function daemon(): Promise<{ h: Harness; rpc: Handlers }> {
  const h = await startTestDaemon();
  return { h, rpc: createHandlers(h.daemon.deps) };
}

const budget = (scope: BudgetScope, scopeValue: string | undefined, period: 'request' | 'hour' | 'day' | 'month', limitUsd: number, extra: Record<string, unknown> = {}) => ({
  scope,
  ...(scopeValue !== undefined ? { scopeValue } : {}),
  period,
  limitUsd,
  alertThreshold: 0.8,
  actions: ['notify' as const],
  confirmOverBudget: false,
  hardStop: false,
  downgradeNamedModels: false,
  ...extra,
});

const isCode = (code: string) => (e: unknown) => e instanceof RouterError && e.code === code;

test('a race of calls failing over to a dearer model: each fallback reserves in its own scopes, none of model, provider or global budget ends above its limit', async () => {
  for (const tight of ['model', 'provider', 'global'] as const) {
    const { h, rpc } = await daemon();
    try {
      const messages = [{ role: 'user' as const, content: 'Summarise the release notes [sim-fault:auth@gpt-4o-mini]' }];
      const routing = { allowedModels: ['gpt-4o-mini', 'claude-sonnet-4'], tradeoff: 'cost' as const };
      // A short max_tokens makes each answer cost about its estimate, so the budget binds.
      const max_tokens = 5;
      const plan = await rpc['route/estimate']({ model: 'auto', messages, routing, max_tokens }, ctx());
      assert.equal(plan.decision.model, 'gpt-4o-mini');
      assert.deepEqual(plan.decision.fallbacks, ['claude-sonnet-4']);
      const dear = plan.decision.candidates.find((c) => c.model === 'claude-sonnet-4')?.costUsd;
      assert.ok(dear !== null && dear !== undefined && dear > (plan.estimatedCostUsd ?? 0));
      // The tight budget affords about 2.5 fallbacks; the others are generous.
      const limit = (scope: string) => (scope === tight ? 2.5 * dear : 100 * dear);
      await rpc['budget/set'](budget('model', 'claude-sonnet-4', 'day', limit('model')), ctx());
      await rpc['budget/set'](budget('provider', 'anthropic', 'day', limit('provider')), ctx());
      await rpc['budget/set'](budget('global', undefined, 'day', limit('global')), ctx());

      const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => rpc['chat/complete']({ model: 'auto', messages, routing, max_tokens }, ctx())));
      const answered = outcomes.filter((o) => o.status === 'fulfilled');
      const refused = outcomes.filter((o) => o.status === 'rejected');
      assert.ok(answered.length >= 2 && answered.length <= 3, `${answered.length} answered by the fallback`);
      for (const o of answered) {
        assert.equal(o.value.routing.model, 'claude-sonnet-4');
        assert.deepEqual(o.value.routing.fallbacksTried, ['gpt-4o-mini']);
      }
      assert.equal(refused.length, 8 - answered.length);
      for (const o of refused) {
        assert.ok(o.reason instanceof RouterError, String(o.reason));
      }
      const { statuses } = await rpc['budget/status']({}, ctx());
      for (const s of statuses) {
        assert.ok(s.spentUsd <= s.budget.limitUsd, `${s.budget.scope} ${s.budget.scopeValue}: spent ${s.spentUsd} > limit ${s.budget.limitUsd}`);
        assert.ok(s.reservedUsd < 1e-12, 'every hold is released or settled');
      }
      const tightStatus = statuses.find((s) => s.budget.scope === tight);
      assert.ok(tightStatus && tightStatus.spentUsd > 0);
      // The ledger says why a fallback was not called.
      const rows = (await rpc['spend/requests']({ limit: 20 }, ctx())).rows;
      assert.ok(rows.some((r) => /skipped: budget/.test(r.reason ?? '') || /budget/.test(r.reason ?? '')), rows.map((r) => r.reason).join('\n'));
    } finally {
      await h.close();
    }
  }
});

test('a budget that can afford only a cheaper model: that model answers and the decision says why; hardStop refuses instead', async () => {
  const { h, rpc } = await daemon();
  try {
    const messages = [{ role: 'user' as const, content: 'Explain the CAP theorem' }];
    const free = await rpc['route/estimate']({ model: 'auto:quality', messages }, ctx());
    const preferred = free.decision;
    const cheaper = preferred.candidates.filter((c) => c.excluded === undefined && c.costUsd !== null && c.costUsd < (preferred.estimatedCostUsd ?? 0) / 2);
    assert.ok(cheaper.length > 0);
    const set = await rpc['budget/set'](budget('global', undefined, 'request', (preferred.estimatedCostUsd ?? 0) / 2), ctx());
    const out = await rpc['chat/complete']({ model: 'auto:quality', messages }, ctx());
    assert.notEqual(out.routing.model, preferred.model);
    assert.ok(cheaper.some((c) => c.model === out.routing.model), `${out.routing.model} is one the budget affords`);
    assert.match(out.routing.reason, /budget steered: .*per-request total.* left/);

    await rpc['budget/set']({ ...budget('global', undefined, 'request', (preferred.estimatedCostUsd ?? 0) / 2, { hardStop: true }), id: set.budget.id }, ctx());
    await assert.rejects(rpc['chat/complete']({ model: 'auto:quality', messages }, ctx()), isCode('budgetExceeded'));
  } finally {
    await h.close();
  }
});

test('named models obey budgets: pauseAbovePrice refuses clearly; downgrade replaces them only where the budget opts in, and the headers say so', async () => {
  const { h, rpc } = await daemon();
  try {
    const messages = [{ role: 'user' as const, content: 'Write a haiku about rain' }];
    // Any spend makes these budgets hot (alert threshold almost 0) without reaching their limit.
    await rpc['budget/set'](budget('provider', 'anthropic', 'day', 10, { alertThreshold: 1e-9, actions: ['pauseAbovePrice'], pauseAbovePerMTok: 5 }), ctx());
    await rpc['chat/complete']({ model: 'claude-3-5-haiku', messages }, ctx());
    await assert.rejects(rpc['chat/complete']({ model: 'claude-sonnet-4', messages }, ctx()), (e: unknown) => {
      assert.ok(e instanceof RouterError && e.code === 'budgetExceeded');
      assert.match(e.message, /claude-sonnet-4 was requested by name and is paused by budget .*anthropic.* above \$5\/MTok/);
      assert.equal(e.details?.reason, 'paused');
      return true;
    });
    // Auto-routed calls plan around the paused model instead.
    const auto = await rpc['route/estimate']({ model: 'auto:quality', messages }, ctx());
    assert.notEqual(auto.decision.model, 'claude-sonnet-4');
    assert.match(auto.decision.candidates.find((c) => c.model === 'claude-sonnet-4')?.excluded ?? '', /paused by budget/);

    const down = await rpc['budget/set'](budget('global', undefined, 'day', 10, { alertThreshold: 1e-9, actions: ['downgrade'] }), ctx());
    const kept = await rpc['chat/complete']({ model: 'gpt-4o', messages }, ctx());
    assert.equal(kept.routing.model, 'gpt-4o', 'a named model is kept unless the budget opts in');
    await rpc['budget/set']({ ...budget('global', undefined, 'day', 10, { alertThreshold: 1e-9, actions: ['downgrade'], downgradeNamedModels: true }), id: down.budget.id }, ctx());
    const res = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o', messages }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { routing: { model: string; substitutedFor?: string; reason: string } };
    assert.notEqual(body.routing.model, 'gpt-4o');
    assert.equal(body.routing.substitutedFor, 'gpt-4o');
    assert.equal(res.headers.get(RoutingHeaders.substitutedFor), 'gpt-4o');
    assert.equal(res.headers.get(RoutingHeaders.model), body.routing.model);
    assert.match(body.routing.reason, /gpt-4o was requested; budget .* downgrades named models/);
  } finally {
    await h.close();
  }
});

test('several windows on one scope: hourly, daily and monthly each show used and left, and the tightest refuses', async () => {
  const { h, rpc } = await daemon();
  try {
    const messages = [{ role: 'user' as const, content: 'Name three prime numbers' }];
    // A short max_tokens makes each answer cost about its estimate.
    const max_tokens = 5;
    const est = (await rpc['route/estimate']({ model: 'gpt-4o-mini', messages, max_tokens }, ctx())).estimatedCostUsd ?? 0;
    assert.ok(est > 0);
    await rpc['budget/set'](budget('global', undefined, 'hour', 1.5 * est, { hardStop: true }), ctx());
    await rpc['budget/set'](budget('global', undefined, 'day', 100 * est), ctx());
    await rpc['budget/set'](budget('global', undefined, 'month', 1000 * est), ctx());
    const first = await rpc['chat/complete']({ model: 'gpt-4o-mini', messages, max_tokens }, ctx());
    const { statuses } = await rpc['budget/status']({}, ctx());
    assert.deepEqual(statuses.map((s) => s.budget.period).sort(), ['day', 'hour', 'month']);
    for (const s of statuses) {
      assert.ok(Math.abs(s.spentUsd - (first.routing.actualCostUsd ?? -1)) < 1e-12, `${s.budget.period} counts the call`);
      assert.ok(s.resetsAt !== null && s.periodStart !== null);
    }
    // The hour window has room for less than one more estimate.
    await assert.rejects(rpc['chat/complete']({ model: 'gpt-4o-mini', messages, max_tokens }, ctx()), (e: unknown) => e instanceof RouterError && e.code === 'budgetExceeded' && e.details?.period === 'hour');
  } finally {
    await h.close();
  }
});

test('route/estimate is the plan that runs: same model and estimate under a running experiment and under a promotion', async () => {
  const { h, rpc } = await daemon();
  try {
    const messages = [{ role: 'user' as const, content: 'Draft a short apology email' }];
    const exp = await rpc['experiment/create'](
      ExperimentCreateParams.parse({
        name: 'models',
        arms: [
          { name: 'mini', weight: 0.5, model: 'gpt-4o-mini' },
          { name: 'haiku', weight: 0.5, model: 'claude-3-5-haiku' },
        ],
        unit: 'session',
        // A fixed salt makes the sessions' arms the same every run (a random one left both arms unseen 1 run in 32).
        salt: 'budgets-on-every-path',
        start: true,
      }),
      ctx(),
    );
    const seen = new Set<string>();
    for (const session of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l']) {
      const estimate = await rpc['route/estimate']({ model: 'auto', messages }, ctx(session));
      const ran = await rpc['chat/complete']({ model: 'auto', messages }, ctx(session));
      assert.equal(ran.routing.model, estimate.decision.model, `session ${session}`);
      assert.equal(ran.routing.estimatedCostUsd, estimate.estimatedCostUsd);
      assert.equal(estimate.decision.experiment?.id, exp.id);
      seen.add(ran.routing.model);
    }
    assert.deepEqual([...seen].sort(), ['claude-3-5-haiku', 'gpt-4o-mini'], 'both arms were exercised');
    await rpc['experiment/promote']({ id: exp.id, arm: 'haiku' }, ctx());
    const estimate = await rpc['route/estimate']({ model: 'auto', messages }, ctx('z'));
    const ran = await rpc['chat/complete']({ model: 'auto', messages }, ctx('z'));
    assert.equal(estimate.decision.model, 'claude-3-5-haiku');
    assert.equal(ran.routing.model, 'claude-3-5-haiku');
    assert.equal(ran.routing.estimatedCostUsd, estimate.estimatedCostUsd);
  } finally {
    await h.close();
  }
});

test('rate limits at planning time: a model whose provider bucket cannot admit the call is skipped with the reason; named models route per client only where configured', async () => {
  const home = mkdtempSync(join(tmpdir(), 'llm-router-plan-'));
  writeFileSync(
    join(home, 'config.json'),
    JSON.stringify({
      providers: { openai: { rpm: 1 } },
      routing: { namedModels: [{ client: 'script', match: 'claude-*', allowedModels: ['claude-3-5-haiku'] }] },
    }),
  );
  const h = await startTestDaemon({ home });
  const rpc = createHandlers(h.daemon.deps);
  try {
    const messages = [{ role: 'user' as const, content: 'List three colours' }];
    const routing = { allowedModels: ['gpt-4o-mini', 'claude-3-5-haiku'], tradeoff: 'cost' as const };
    const first = await rpc['chat/complete']({ model: 'auto', messages, routing }, ctx());
    assert.equal(first.routing.model, 'gpt-4o-mini');
    // openai's one request per minute is spent: planning skips it instead of attempting it.
    const next = await rpc['route/estimate']({ model: 'auto', messages, routing }, ctx());
    assert.equal(next.decision.model, 'claude-3-5-haiku');
    assert.match(next.decision.candidates.find((c) => c.model === 'gpt-4o-mini')?.excluded ?? '', /rate limit: openai's rpm bucket is full/);
    const ran = await rpc['chat/complete']({ model: 'auto', messages, routing }, ctx());
    assert.equal(ran.routing.model, 'claude-3-5-haiku');

    // routing.namedModels: script clients' claude-* requests are routed within the allowed models.
    const routed = await rpc['chat/complete']({ model: 'claude-sonnet-4', messages }, ctx());
    assert.equal(routed.routing.model, 'claude-3-5-haiku');
    assert.match(routed.routing.reason, /claude-sonnet-4 named by unit routed by routing\.namedModels "claude-\*"/);
    const cliCtx: CallContext = { ...ctx(), client: { kind: 'cli' } };
    const kept = await rpc['chat/complete']({ model: 'claude-sonnet-4', messages }, cliCtx);
    assert.equal(kept.routing.model, 'claude-sonnet-4', 'other clients get the model they name');
  } finally {
    await h.close();
    rmSync(home, { recursive: true, force: true });
  }
});

test('an experiment whose unit is the request: chat/complete with the requestId route/estimate returned runs the arm that was shown', async () => {
  const { h, rpc } = await daemon();
  try {
    const messages = [{ role: 'user' as const, content: 'Suggest a name for a cat' }];
    await rpc['experiment/create'](
      ExperimentCreateParams.parse({
        name: 'per-request',
        arms: [
          { name: 'mini', weight: 0.5, model: 'gpt-4o-mini' },
          { name: 'haiku', weight: 0.5, model: 'claude-3-5-haiku' },
        ],
        unit: 'request',
        start: true,
      }),
      ctx(),
    );
    const seen = new Set<string>();
    let last = '';
    // Request ids are random, so run until both arms have answered (bounded: 40 requests all on one arm is 1 in 2^39).
    for (let i = 0; i < 40 && (i < 8 || seen.size < 2); i++) {
      const estimate = await rpc['route/estimate']({ model: 'auto', messages }, ctx());
      const ran = await rpc['chat/complete']({ model: 'auto', messages, requestId: estimate.requestId }, ctx());
      assert.equal(ran.requestId, estimate.requestId);
      assert.equal(ran.routing.model, estimate.decision.model);
      assert.equal(ran.routing.estimatedCostUsd, estimate.estimatedCostUsd);
      seen.add(ran.routing.model);
      last = ran.requestId;
    }
    assert.equal(seen.size, 2, 'both arms were exercised');
    await assert.rejects(rpc['chat/complete']({ model: 'auto', messages, requestId: last }, ctx()), isCode('conflict'));
    // Two calls racing with one plan's id: one runs, the other is refused before anything is sent,
    // so the answer that was paid for is the one recorded (before, both ran and the second row failed).
    const rowsBefore = h.daemon.deps.store.read((tx) => tx.get<{ n: number }>('SELECT count(*) AS n FROM requests'))?.n ?? 0;
    const plan = await rpc['route/estimate']({ model: 'auto', messages }, ctx());
    const raced = await Promise.allSettled([0, 1].map(() => rpc['chat/complete']({ model: 'auto', messages, requestId: plan.requestId }, ctx())));
    assert.deepEqual(raced.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    const refused = raced.find((r) => r.status === 'rejected');
    assert.ok(refused && isCode('conflict')(refused.reason));
    assert.equal(h.daemon.deps.store.read((tx) => tx.get<{ n: number }>('SELECT count(*) AS n FROM requests'))?.n, rowsBefore + 1, 'one row, no failed insert');
  } finally {
    await h.close();
  }
});
