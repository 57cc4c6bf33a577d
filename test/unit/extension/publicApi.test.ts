import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RouterError, methods, type MethodName } from '../../../daemon/protocol';
import { API_METHODS, readOnlyCall, withoutToken } from '../../../extension/publicApi';

function harness() {
  const forwarded: string[] = [];
  const call = readOnlyCall(async (method) => {
    forwarded.push(method);
    return { ok: true } as never;
  });
  return { forwarded, anyCall: call as (method: unknown, params: unknown) => Promise<unknown> };
}

test('the exported API forwards the allow-listed reads', async () => {
  const h = harness();
  for (const method of API_METHODS) {
    assert.deepEqual(await h.anyCall(method, {}), { ok: true });
  }
  assert.deepEqual(h.forwarded, [...API_METHODS]);
});

test('every other daemon method (keys, budgets, chat, shutdown, …) and any odd name is refused with methodNotFound, nothing forwarded', async () => {
  const h = harness();
  const others = (Object.keys(methods) as MethodName[]).filter((m) => !(API_METHODS as readonly string[]).includes(m));
  for (const m of ['keys/set', 'keys/delete', 'budget/set', 'budget/delete', 'daemon/shutdown', 'chat/complete']) {
    assert.ok(others.includes(m as MethodName), `${m} is in the method table and not allowed`);
  }
  for (const method of [...others, 'toString', '__proto__', 'constructor', '', 42, null]) {
    await assert.rejects(h.anyCall(method, { provider: 'openai', apiKey: 'sk-x' }), (e: unknown) => {
      assert.ok(e instanceof RouterError, String(e));
      assert.equal(e.code, 'methodNotFound');
      assert.match(e.message, /read-only methods: daemon\/status/);
      return true;
    });
  }
  assert.deepEqual(h.forwarded, []);
});

test('ready() gives the discovery record without the token', () => {
  const info = withoutToken({ version: '1.0.0', pid: 42, socketPath: '/tmp/x.sock', port: 1234, token: 'a'.repeat(64), startedAt: 1 });
  assert.deepEqual(info, { version: '1.0.0', pid: 42, socketPath: '/tmp/x.sock', port: 1234, startedAt: 1 });
  assert.ok(!JSON.stringify(info).includes('a'.repeat(64)));
});
