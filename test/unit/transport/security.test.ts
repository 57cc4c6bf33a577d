import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RouterError } from '../../../daemon/protocol/errors';
import { checkRequest, isLoopbackHost, tokenMatches } from '../../../daemon/transport/security';

const token = 'a'.repeat(64);
const code = (fn: () => void): string | null => {
  try {
    fn();
    return null;
  } catch (e) {
    return e instanceof RouterError ? e.code : 'not a RouterError';
  }
};

test('only loopback Host headers pass (DNS rebinding)', () => {
  for (const h of ['127.0.0.1', '127.0.0.1:8080', 'localhost', 'LOCALHOST:1', '[::1]:9', '127.1.2.3:80']) {
    assert.ok(isLoopbackHost(h), h);
  }
  for (const h of [undefined, '', 'evil.com', 'evil.com:127', '127.0.0.1.evil.com', 'localhost.evil.com', '10.0.0.1', '[::2]']) {
    assert.ok(!isLoopbackHost(h), String(h));
  }
});

test('tokens compare by value, whatever their length', () => {
  assert.ok(tokenMatches(token, token));
  assert.ok(!tokenMatches(token.slice(1), token));
  assert.ok(!tokenMatches(`${token}b`, token));
  assert.ok(!tokenMatches('', token));
});

test('checkRequest: Host, then Origin, then the token', () => {
  const ok = { host: '127.0.0.1:1', authorization: `Bearer ${token}` };
  assert.equal(code(() => checkRequest(ok, token, true)), null);
  assert.equal(code(() => checkRequest({ ...ok, 'x-api-key': 'x', authorization: undefined }, token, true)), 'unauthorized');
  assert.equal(code(() => checkRequest({ host: '127.0.0.1', 'x-api-key': token }, token, true)), null);
  assert.equal(code(() => checkRequest({ ...ok, host: 'evil.com' }, token, true)), 'forbiddenOrigin');
  assert.equal(code(() => checkRequest({ ...ok, origin: 'http://localhost:3000' }, token, true)), 'forbiddenOrigin');
  assert.equal(code(() => checkRequest({ ...ok, origin: 'null' }, token, false)), 'forbiddenOrigin');
  assert.equal(code(() => checkRequest({ host: 'localhost' }, token, true)), 'unauthorized');
  assert.equal(code(() => checkRequest({ host: 'localhost', authorization: 'Bearer nope' }, token, true)), 'unauthorized');
  assert.equal(code(() => checkRequest({ host: 'localhost', authorization: `Basic ${token}` }, token, true)), 'unauthorized');
  assert.equal(code(() => checkRequest({ host: 'localhost' }, token, false)), null);
});
