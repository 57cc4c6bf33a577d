// Readers that look a request up by id find it after its row moved to the cold ledger
// (ledger/archive.ts): spend/requests by ids, feedback/submit (with the same learned-quality update
// as on a hot row) and the duplicate check of a caller-assigned id (route/estimate's requestId
// sent twice is refused as conflict, however old the first row is).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatCompleteResult, SpendRequestsResult } from '../../daemon/protocol/methods';
import type { RouteEstimateResult } from '../../daemon/protocol/budget';
import type { FeedbackSubmitResult } from '../../daemon/protocol/experiments';
import { rpcCall, rpcOk, startTestDaemon, type Harness } from './daemonHarness';

const messages = [{ role: 'user', content: 'Explain in two sentences why the sky looks blue.' }];

function hotRows(h: Harness): number {
  return Number(h.daemon.deps.store.read((tx) => tx.get('SELECT count(*) AS n FROM requests'))?.n);
}

/** Moves every row recorded so far to the cold ledger (as if the count or age bound had passed them). */
async function moveAllCold(h: Harness): Promise<void> {
  const cold = h.daemon.deps.cold;
  assert.ok(cold, 'the test daemon has a cold ledger');
  await cold.moveOlderThan(Date.now() + 1000);
  assert.equal(hotRows(h), 0, 'every row is cold');
}

/** Two answers to the same prompt: one sent with route/estimate's plan id, one with a daemon-made id. */
async function twoAnswers(h: Harness): Promise<{ planned: ChatCompleteResult; plain: ChatCompleteResult }> {
  const plan = await rpcOk<RouteEstimateResult>(h, 'route/estimate', { messages });
  const planned = await rpcOk<ChatCompleteResult>(h, 'chat/complete', { messages, requestId: plan.requestId });
  assert.equal(planned.requestId, plan.requestId);
  const plain = await rpcOk<ChatCompleteResult>(h, 'chat/complete', { messages });
  assert.equal(plain.routing.model, planned.routing.model, 'the same prompt routes to the same model');
  return { planned, plain };
}

test('spend/requests with ids finds rows in the cold ledger', async () => {
  const h = await startTestDaemon();
  try {
    const { planned, plain } = await twoAnswers(h);
    const ids = [planned.requestId, plain.requestId, 'req_000000000000000000000'];
    const hot = await rpcOk<SpendRequestsResult>(h, 'spend/requests', { ids });
    assert.equal(hot.rows.length, 2);
    await moveAllCold(h);
    assert.deepEqual(await rpcOk<SpendRequestsResult>(h, 'spend/requests', { ids }), hot);
  } finally {
    await h.close();
  }
});

test('feedback on a cold request is recorded and teaches the router as on a hot one', async () => {
  const h = await startTestDaemon();
  try {
    const { planned, plain } = await twoAnswers(h);
    const model = plain.routing.model;
    const fbHot = await rpcOk<FeedbackSubmitResult>(h, 'feedback/submit', { requestId: plain.requestId, thumbs: 'down' });
    assert.equal(fbHot.routerUpdated, true);
    const afterHot = h.daemon.deps.router.onlineStateOf(model);
    assert.ok(afterHot);
    await moveAllCold(h);
    const fbCold = await rpcOk<FeedbackSubmitResult>(h, 'feedback/submit', { requestId: planned.requestId, thumbs: 'down' });
    assert.equal(fbCold.routerUpdated, true);
    assert.equal(fbCold.requestId, planned.requestId);
    assert.equal(fbCold.experimentId, null);
    const stored = h.daemon.deps.store.read((tx) => tx.all('SELECT request_id, value FROM feedback ORDER BY ts, rowid'));
    assert.deepEqual(stored.map((r) => [r.request_id, r.value]), [[plain.requestId, 0], [planned.requestId, 0]]);
    // The same prompt's profile as for the hot row: the same outcome twice doubles every category's
    // weight and residual (without the prompt it would have counted for every category alike).
    const afterCold = h.daemon.deps.router.onlineStateOf(model);
    assert.ok(afterCold);
    assert.equal(afterCold.outcomes, afterHot.outcomes + 1);
    assert.deepEqual(Object.keys(afterCold.categories).sort(), Object.keys(afterHot.categories).sort());
    const coldCategories = new Map(Object.entries(afterCold.categories));
    for (const [c, v] of Object.entries(afterHot.categories)) {
      const w = coldCategories.get(c);
      assert.ok(w, c);
      assert.ok(Math.abs(w.weight - 2 * v.weight) < 1e-9 && Math.abs(w.residual - 2 * v.residual) < 1e-9, `${c}: ${JSON.stringify(w)} is twice ${JSON.stringify(v)}`);
    }
    const missing = await rpcCall(h, 'feedback/submit', { requestId: 'req_000000000000000000000', thumbs: 'up' });
    assert.equal(missing.error?.data?.code, 'notFound');
  } finally {
    await h.close();
  }
});

test('a plan id whose row is cold is refused as conflict; nothing is sent or recorded', async () => {
  const h = await startTestDaemon();
  try {
    const { planned } = await twoAnswers(h);
    await moveAllCold(h);
    const again = await rpcCall(h, 'chat/complete', { messages, requestId: planned.requestId });
    assert.equal(again.error?.data?.code, 'conflict', JSON.stringify(again));
    assert.equal(hotRows(h), 0, 'nothing was sent or recorded');
    // A fresh plan still runs.
    const fresh = await rpcOk<RouteEstimateResult>(h, 'route/estimate', { messages });
    assert.equal((await rpcOk<ChatCompleteResult>(h, 'chat/complete', { messages, requestId: fresh.requestId })).requestId, fresh.requestId);
    assert.equal(hotRows(h), 1);
    // An id made later than now (not one route/estimate returned) would be recorded before its own
    // time, where a lookup by id does not look: refused.
    const future = `req_${(Date.now() + 86_400_000).toString(36).padStart(9, '0')}${'0'.repeat(12)}`;
    const ahead = await rpcCall(h, 'chat/complete', { messages, requestId: future });
    assert.equal(ahead.error?.data?.code, 'invalidParams', JSON.stringify(ahead));
    assert.equal(hotRows(h), 1);
  } finally {
    await h.close();
  }
});
