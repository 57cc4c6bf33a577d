// The daemon tells idle reclaim (daemon/lifecycle/idleReclaim.ts) about every HTTP request and
// editor message through DaemonOptions.onActivity; the scheduling itself is unit-tested.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestDaemon } from '../daemonHarness';

test('every HTTP request reaches onActivity, at its start and its end', async () => {
  let seen = 0;
  const h = await startTestDaemon({ onActivity: () => seen++ });
  try {
    const before = seen;
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${h.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(r.status, 200);
      await r.text();
    }
    // The end is counted when the response closes, which may follow the body by a tick.
    for (let waited = 0; seen - before < 6 && waited < 2_000; waited += 10) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(seen - before >= 6, `saw ${seen - before} activities for 3 requests`);
  } finally {
    await h.close();
  }
});
