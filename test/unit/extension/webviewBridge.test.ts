import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RouterError, rpcCodeOf } from '../../../daemon/protocol';
import { WebviewBridge } from '../../../extension/webviewBridge';

interface Posted {
  jsonrpc: '2.0';
  id?: string | number | null;
  result?: unknown;
  error?: { code: number; message: string; data?: { code?: string } };
  method?: string;
  params?: unknown;
}

function harness(callDaemon: (method: string, params: unknown) => Promise<unknown> = async () => ({ ok: true })) {
  const posted: Posted[] = [];
  const logs: string[] = [];
  const calls: { method: string; params: unknown }[] = [];
  const bridge = new WebviewBridge({
    callDaemon: async (method, params) => {
      calls.push({ method, params });
      return callDaemon(method, params);
    },
    local: { 'answer/snapshot': () => null },
    post: (m) => {
      posted.push(m as Posted);
    },
    log: (m) => logs.push(m),
  });
  return { bridge, posted, logs, calls };
}

test('forwards an allow-listed method with validated params (defaults applied)', async () => {
  const h = harness(async () => ({ costUsd: 1 }));
  await h.bridge.receive({ jsonrpc: '2.0', id: 1, method: 'spend/summary', params: {} });
  assert.deepEqual(h.calls, [{ method: 'spend/summary', params: { period: 'day' } }]);
  assert.deepEqual(h.posted, [{ jsonrpc: '2.0', id: 1, result: { costUsd: 1 } }]);
});

test('refuses methods outside the allow-list, naming what is allowed', async () => {
  const h = harness();
  for (const method of ['keys/set', 'chat/complete', 'keys/delete', 'daemon/shutdown']) {
    await h.bridge.receive({ jsonrpc: '2.0', id: method, method, params: { provider: 'openai', apiKey: 'sk-x' } });
  }
  assert.equal(h.calls.length, 0);
  assert.equal(h.posted.length, 4);
  for (const p of h.posted) {
    assert.equal(p.error?.code, rpcCodeOf('methodNotFound'));
    assert.match(p.error?.message ?? '', /is not available to this view \(allowed: daemon\/status, .*spend\/summary/);
  }
  assert.equal(h.logs.length, 4);
});

test('rejects malformed messages with invalidRequest and never throws', async () => {
  const h = harness();
  const bad: unknown[] = [null, 42, 'hello', { id: 3, method: 'spend/summary' }, { jsonrpc: '2.0', id: 4 }, { jsonrpc: '2.0', id: { x: 1 }, method: 'spend/summary' }, { jsonrpc: '2.0', id: 5, method: 'spend/summary', extra: true }];
  for (const message of bad) {
    await h.bridge.receive(message);
  }
  assert.equal(h.calls.length, 0);
  assert.equal(h.posted.length, bad.length);
  for (const p of h.posted) {
    assert.equal(p.error?.code, rpcCodeOf('invalidRequest'));
    assert.equal(p.error?.data?.code, 'invalidRequest');
  }
  assert.equal(h.posted[3]?.id, 3, 'a usable id is echoed so the caller can match the error');
  assert.equal(h.posted[5]?.id, null);
});

test('rejects wrong params with invalidParams and the schema problem', async () => {
  const h = harness();
  await h.bridge.receive({ jsonrpc: '2.0', id: 7, method: 'spend/requests', params: { limit: 100000 } });
  await h.bridge.receive({ jsonrpc: '2.0', id: 8, method: 'spend/summary', params: { period: 'fortnight' } });
  assert.equal(h.calls.length, 0);
  assert.equal(h.posted[0]?.error?.code, rpcCodeOf('invalidParams'));
  assert.match(h.posted[0]?.error?.message ?? '', /spend\/requests.*limit/s);
  assert.match(h.posted[1]?.error?.message ?? '', /period/);
});

test('rejects oversized messages before parsing them', async () => {
  const h = harness();
  await h.bridge.receive({ jsonrpc: '2.0', id: 9, method: 'spend/summary', params: { padding: 'x'.repeat(100_000) } });
  assert.equal(h.calls.length, 0);
  assert.equal(h.posted[0]?.error?.code, rpcCodeOf('payloadTooLarge'));
  assert.equal(h.posted[0]?.id, 9);
});

test('maps daemon RouterErrors to their stable code and keeps the message', async () => {
  const h = harness(async () => {
    throw new RouterError('storeUnavailable', 'the store is being restored');
  });
  await h.bridge.receive({ jsonrpc: '2.0', id: 10, method: 'daemon/status', params: {} });
  assert.equal(h.posted[0]?.error?.code, rpcCodeOf('storeUnavailable'));
  assert.equal(h.posted[0]?.error?.message, 'the store is being restored');
  assert.equal(h.posted[0]?.error?.data?.code, 'storeUnavailable');
});

test('serves view-local methods and pushes notifications', async () => {
  const h = harness();
  await h.bridge.receive({ jsonrpc: '2.0', id: 11, method: 'answer/snapshot', params: {} });
  assert.deepEqual(h.posted[0], { jsonrpc: '2.0', id: 11, result: null });
  h.bridge.notify('spend/changed', { requestId: 'r1', costUsd: 0.5 });
  assert.deepEqual(h.posted[1], { jsonrpc: '2.0', method: 'spend/changed', params: { requestId: 'r1', costUsd: 0.5 } });
});

function feedbackHarness(shown: string[]) {
  const posted: Posted[] = [];
  const logs: string[] = [];
  const calls: { method: string; params: unknown }[] = [];
  const bridge = new WebviewBridge({
    callDaemon: async (method, params) => {
      calls.push({ method, params });
      if (method === 'feedback/submit' && (params as { requestId: string }).requestId === 'gone') {
        throw new RouterError('notFound', 'No request gone in the ledger.');
      }
      return { feedbackId: 'f1', requestId: (params as { requestId: string }).requestId, value: 1, experimentId: null, arm: null, routerUpdated: true };
    },
    local: {},
    writes: { 'feedback/submit': ({ requestId }) => (shown.includes(requestId) ? null : `request ${requestId} is not an answer shown in this panel`) },
    post: (m) => {
      posted.push(m as Posted);
    },
    log: (m) => logs.push(m),
  });
  return { bridge, posted, logs, calls };
}

test('feedback/submit: thumbs on a shown answer are forwarded exactly as validated', async () => {
  const h = feedbackHarness(['r1']);
  await h.bridge.receive({ jsonrpc: '2.0', id: 1, method: 'feedback/submit', params: { requestId: 'r1', thumbs: 'up' } });
  assert.deepEqual(h.calls, [{ method: 'feedback/submit', params: { requestId: 'r1', thumbs: 'up' } }]);
  assert.equal((h.posted[0]?.result as { feedbackId?: string }).feedbackId, 'f1');
});

test('feedback/submit: anything but a request id and up|down is invalidParams and never reaches the daemon', async () => {
  const h = feedbackHarness(['r1']);
  const bad: unknown[] = [
    {},
    { requestId: 'r1' },
    { requestId: 'r1', thumbs: 'sideways' },
    { requestId: 'r1', thumbs: 'UP' },
    { requestId: 42, thumbs: 'up' },
    { requestId: '', thumbs: 'up' },
    { requestId: 'r'.repeat(201), thumbs: 'up' },
    // The daemon accepts a score and a comment; a view may not send them.
    { requestId: 'r1', score: 5 },
    { requestId: 'r1', thumbs: 'up', comment: 'great' },
    ['r1', 'up'],
  ];
  for (const [i, params] of bad.entries()) {
    await h.bridge.receive({ jsonrpc: '2.0', id: i, method: 'feedback/submit', params });
  }
  assert.equal(h.calls.length, 0);
  assert.equal(h.posted.length, bad.length);
  for (const p of h.posted) {
    assert.equal(p.error?.code, rpcCodeOf('invalidParams'), JSON.stringify(p));
    assert.match(p.error?.message ?? '', /Invalid params for feedback\/submit/);
  }
});

test('feedback/submit: a request id the panel did not show is refused', async () => {
  const h = feedbackHarness(['r1']);
  await h.bridge.receive({ jsonrpc: '2.0', id: 2, method: 'feedback/submit', params: { requestId: 'someone-elses', thumbs: 'down' } });
  assert.equal(h.calls.length, 0);
  assert.equal(h.posted[0]?.error?.code, rpcCodeOf('invalidParams'));
  assert.match(h.posted[0]?.error?.message ?? '', /not an answer shown in this panel/);
  assert.equal(h.logs.length, 1);
});

test('feedback/submit: the daemon\'s notFound comes back with its code and message', async () => {
  const h = feedbackHarness(['gone']);
  await h.bridge.receive({ jsonrpc: '2.0', id: 3, method: 'feedback/submit', params: { requestId: 'gone', thumbs: 'up' } });
  assert.equal(h.posted[0]?.error?.code, rpcCodeOf('notFound'));
  assert.equal(h.posted[0]?.error?.data?.code, 'notFound');
  assert.equal(h.posted[0]?.error?.message, 'No request gone in the ledger.');
});

test('feedback/submit is not available to a view that did not opt in (the dashboard)', async () => {
  const h = harness();
  await h.bridge.receive({ jsonrpc: '2.0', id: 4, method: 'feedback/submit', params: { requestId: 'r1', thumbs: 'up' } });
  assert.equal(h.calls.length, 0);
  assert.equal(h.posted[0]?.error?.code, rpcCodeOf('methodNotFound'));
});

test('names from Object.prototype are not methods: toString, constructor, __proto__, hasOwnProperty are refused like any unknown method', async () => {
  const h = harness();
  const names = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', '__defineGetter__'];
  for (const method of names) {
    await h.bridge.receive({ jsonrpc: '2.0', id: method, method, params: {} });
  }
  assert.equal(h.calls.length, 0);
  assert.equal(h.posted.length, names.length);
  for (const p of h.posted) {
    assert.equal(p.error?.code, rpcCodeOf('methodNotFound'), JSON.stringify(p));
    assert.match(p.error?.message ?? '', /is not available to this view/);
  }
  assert.equal(h.logs.filter((l) => /not allowed/.test(l)).length, names.length);
});

test('the dashboard\'s reads are validated before they reach the daemon: ids, a decision\'s ts, conversations and learned state', async () => {
  const h = harness(async () => ({ rows: [], nextCursor: null }));
  await h.bridge.receive({ jsonrpc: '2.0', id: 1, method: 'spend/requests', params: { ids: ['req_a', 'req_b'] } });
  await h.bridge.receive({ jsonrpc: '2.0', id: 2, method: 'request/decision', params: { requestId: 'req_a', ts: 1_700_000_000_000 } });
  await h.bridge.receive({ jsonrpc: '2.0', id: 3, method: 'spend/conversations', params: { limit: 20 } });
  await h.bridge.receive({ jsonrpc: '2.0', id: 4, method: 'routing/learnedState', params: {} });
  assert.deepEqual(
    h.calls.map((c) => c.method),
    ['spend/requests', 'request/decision', 'spend/conversations', 'routing/learnedState'],
  );
  assert.deepEqual(h.calls[0]?.params, { limit: 50, ids: ['req_a', 'req_b'] });
  const bad = [
    { method: 'spend/requests', params: { ids: Array.from({ length: 201 }, (_, i) => `req_${i}`) } },
    { method: 'spend/requests', params: { ids: [] } },
    { method: 'request/decision', params: { requestId: 'req_a', ts: 'yesterday' } },
    { method: 'request/decision', params: { requestId: 'req_a', sql: 'DROP TABLE requests' } },
    { method: 'spend/conversations', params: { limit: 100_000 } },
    { method: 'routing/learnedState', params: { model: '' } },
  ];
  for (const [i, m] of bad.entries()) {
    await h.bridge.receive({ jsonrpc: '2.0', id: 10 + i, ...m });
  }
  assert.equal(h.calls.length, 4, 'nothing malformed was forwarded');
  for (const p of h.posted.filter((x) => typeof x.id === 'number' && x.id >= 10)) {
    assert.equal(p.error?.code, rpcCodeOf('invalidParams'), JSON.stringify(p));
  }
});
