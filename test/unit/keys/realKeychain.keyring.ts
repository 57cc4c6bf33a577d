// The real OS keychain (@napi-rs/keyring over the Secret Service). Run only by
// keychain.test.ts, inside a private session bus with its own unlocked gnome-keyring
// (test/privateKeyring.ts); it refuses to run anywhere else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { assertInPrivateKeyring } from '../../privateKeyring';
import { createKeychainKeyStore, keychainService, napiKeyringBackend } from '../../../daemon/keys/keychain';
import { startDaemon } from '../../../daemon/server';
import { daemonSocketPath } from '../../../daemon/lifecycle/socketPath';
import { createHttpRpcClient } from '../../../daemon/client/httpClient';

assertInPrivateKeyring();
const SECRET = `sk-planted-${randomBytes(12).toString('hex')}`;

test('the service name comes from LLM_ROUTER_KEYCHAIN_SERVICE: entries under another name are not seen', async () => {
  const service = keychainService(process.env);
  assert.match(service, /^llm-router-test-/);
  const other = napiKeyringBackend(`${service}-other`);
  await other.set('openai', 'not-ours');
  const keys = createKeychainKeyStore({ env: process.env, cacheMs: 0 });
  assert.equal(await keys.get('openai'), null);
  await keys.set('openai', SECRET);
  assert.equal(await napiKeyringBackend(service).get('openai'), SECRET);
  assert.equal(await other.get('openai'), 'not-ours');
  assert.equal(await keys.delete('openai'), true);
  assert.equal(await other.delete('openai'), true);
});

test('real keychain: set, get, delete', async () => {
  const keys = createKeychainKeyStore({ env: process.env, cacheMs: 0 });
  assert.deepEqual(await keys.status(), { available: true, problem: null });
  await keys.set('openai', SECRET);
  assert.equal(await keys.get('openai'), SECRET);
  assert.equal(await keys.sourceOf('openai'), 'keychain');
  assert.equal(await keys.delete('openai'), true);
  assert.equal(await keys.get('openai'), null);
});

test('keys/set, keys/list and keys/delete through a real daemon over the real keychain; the key is in no file the daemon wrote', async () => {
  const keys = createKeychainKeyStore({ env: process.env, cacheMs: 0 });
  const home = mkdtempSync(join(tmpdir(), 'lr-keys-'));
  const token = randomBytes(32).toString('hex');
  const daemon = await startDaemon({ home, version: 'test', token, port: 0, socketPath: daemonSocketPath(home), keys, simulate: true, idleTimeoutMs: 0 });
  const client = createHttpRpcClient({ port: daemon.port, token });
  try {
    assert.deepEqual(await client.call('keys/set', { provider: 'openai', apiKey: SECRET }), { provider: 'openai', storedIn: 'keychain' });
    assert.equal(await keys.get('openai'), SECRET);
    const list = await client.call('keys/list', {});
    assert.equal(list.keychain.available, true);
    assert.equal(list.providers.find((p) => p.provider === 'openai')?.source, 'keychain');
    assert.ok(!JSON.stringify(list).includes(SECRET));
    assert.deepEqual(await client.call('keys/delete', { provider: 'openai' }), { provider: 'openai', deleted: true });
    assert.equal(await keys.get('openai'), null);
  } finally {
    client.close();
    await daemon.close();
  }
  for (const f of readdirSync(home, { recursive: true }) as string[]) {
    const path = join(home, f);
    if (statSync(path).isFile()) {
      assert.ok(!readFileSync(path).includes(SECRET), `${f} holds the key`);
    }
  }
  rmSync(home, { recursive: true, force: true });
});
