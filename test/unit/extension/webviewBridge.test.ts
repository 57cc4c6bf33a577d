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
