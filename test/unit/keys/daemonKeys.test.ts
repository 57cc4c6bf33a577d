// keys/* through a real daemon (in-process) over the real OS keychain, where one is reachable
// (CI: dbus-run-session + unlocked gnome-keyring). A private service name keeps a developer's own
// keychain entries untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { startDaemon } from '../../../daemon/server';
import { createKeychainKeyStore, napiKeyringBackend } from '../../../daemon/keys/keychain';
import { daemonSocketPath } from '../../../daemon/lifecycle/socketPath';
import { createHttpRpcClient } from '../../../daemon/client/httpClient';

const PLANTED = `sk-planted-${randomBytes(12).toString('hex')}`;

test('keys/set, keys/list and keys/delete over the real keychain; the key is in no file the daemon wrote', async (t) => {
  const keys = createKeychainKeyStore({ env: {}, backend: napiKeyringBackend(`llm-router-test-${process.pid}`), cacheMs: 0 });
  const status = await keys.status();
  if (!status.available) {
    t.skip(`no keychain here: ${status.problem ?? ''}`);
    return;
  }
  const home = mkdtempSync(join(tmpdir(), 'lr-keys-'));
  const token = randomBytes(32).toString('hex');
  const daemon = await startDaemon({ home, version: 'test', token, port: 0, socketPath: daemonSocketPath(home), keys, simulate: true, idleTimeoutMs: 0 });
  const client = createHttpRpcClient({ port: daemon.port, token });
  try {
    assert.deepEqual(await client.call('keys/set', { provider: 'openai', apiKey: PLANTED }), { provider: 'openai', storedIn: 'keychain' });
    assert.equal(await keys.get('openai'), PLANTED);
    const list = await client.call('keys/list', {});
    assert.equal(list.keychain.available, true);
    assert.equal(list.providers.find((p) => p.provider === 'openai')?.source, 'keychain');
    assert.ok(!JSON.stringify(list).includes(PLANTED));
    assert.deepEqual(await client.call('keys/delete', { provider: 'openai' }), { provider: 'openai', deleted: true });
    assert.equal(await keys.get('openai'), null);
  } finally {
    client.close();
    await daemon.close();
  }
  for (const f of readdirSync(home)) {
    assert.ok(!readFileSync(join(home, f)).includes(PLANTED), `${f} holds the key`);
  }
  rmSync(home, { recursive: true, force: true });
});
