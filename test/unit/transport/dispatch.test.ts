import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RouterError } from '../../../daemon/protocol/errors';
import type { CallContext, Handlers } from '../../../daemon/handlers/types';
import { invoke } from '../../../daemon/transport/dispatch';
import { httpErrorOf, rpcErrorOf, asRouterError } from '../../../daemon/transport/errors';

const ctx: CallContext = { client: { kind: 'script' }, transport: 'http', signal: new AbortController().signal, notify: () => undefined, sessionId: null };
const seen: unknown[] = [];
const handlers = {
  'spend/requests': async (p: unknown) => {
    seen.push(p);
    return { rows: [], nextCursor: null };
  },
} as unknown as Handlers;

const rejectsWith = (p: Promise<unknown>, code: string, message?: RegExp) =>
  assert.rejects(p, (e: unknown) => e instanceof RouterError && e.code === code && (message === undefined || message.test(e.message)));

test('params are validated with the method schema, defaults applied', async () => {
  await invoke(handlers, 'spend/requests', {}, ctx);
  assert.deepEqual(seen.pop(), { limit: 50 });
  await invoke(handlers, 'spend/requests', undefined, ctx);
  assert.deepEqual(seen.pop(), { limit: 50 });
});

test('wrong params name the field and what is wrong', async () => {
  await rejectsWith(invoke(handlers, 'spend/requests', { limit: 'ten' }, ctx), 'invalidParams', /limit: .*number/i);
  await rejectsWith(invoke(handlers, 'spend/requests', { limit: 5, bogus: 1 }, ctx), 'invalidParams', /bogus/);
  await rejectsWith(invoke(handlers, 'chat/complete', { messages: [] }, ctx), 'invalidParams', /messages/);
});

test('an unknown method lists the real ones', async () => {
  await rejectsWith(invoke(handlers, 'spend/everything', {}, ctx), 'methodNotFound', /spend\/summary/);
  await rejectsWith(invoke(handlers, 'constructor', {}, ctx), 'methodNotFound');
});

test('errors map once to JSON-RPC and HTTP shapes', () => {
  const e = new RouterError('unknownModel', 'unknown model "x"', { model: 'x' });
  assert.deepEqual(rpcErrorOf(e), { code: -32010, message: 'unknown model "x"', data: { code: 'unknownModel', details: { model: 'x' } } });
  const h = httpErrorOf(e);
  assert.equal(h.status, 404);
  assert.deepEqual(h.body.error, { message: 'unknown model "x"', type: 'not_found_error', code: 'unknownModel', param: null, details: { model: 'x' } });
  assert.equal(httpErrorOf(new RouterError('providerRateLimited', 'slow down')).body.error.type, 'rate_limit_error');
  const internal = asRouterError(new TypeError('boom'));
  assert.equal(internal.code, 'internal');
  assert.match(internal.message, /boom/);
});
