import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { createKeychainKeyStore, describeKeychainProblem, keychainService, type KeychainBackend } from '../../../daemon/keys/keychain';
import { privateKeyringUnavailable, runInPrivateKeyring, summarize, testKeychainService } from '../../privateKeyring';
import { RouterError } from '../../../daemon/protocol/errors';

const SECRET = 'sk-test-PLANTED-5f1c9e7a';

function memoryBackend(): KeychainBackend & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    async get(a) {
      return data.get(a) ?? null;
    },
    async set(a, v) {
      data.set(a, v);
    },
    async delete(a) {
      return data.delete(a);
    },
  };
}

function failingBackend(message: string): KeychainBackend {
  const fail = async (): Promise<never> => {
    throw new Error(message);
  };
  return { get: async () => null, set: fail, delete: fail };
}

test('keychain first, then the environment, then none', async () => {
  const backend = memoryBackend();
  const keys = createKeychainKeyStore({ backend, env: { OPENAI_API_KEY: 'env-openai', GOOGLE_API_KEY: 'env-google' }, cacheMs: 0 });
  assert.equal(await keys.get('openai'), 'env-openai');
  assert.equal(await keys.sourceOf('openai'), 'env');
  assert.equal(await keys.get('google'), 'env-google');
  assert.equal(await keys.get('anthropic'), null);
  assert.equal(await keys.sourceOf('anthropic'), 'none');
  await keys.set('openai', 'chain-openai');
  assert.equal(await keys.get('openai'), 'chain-openai');
  assert.equal(await keys.sourceOf('openai'), 'keychain');
  assert.equal(await keys.delete('openai'), true);
  assert.equal(await keys.get('openai'), 'env-openai');
  assert.equal(await keys.delete('openai'), false);
});

test('GEMINI_API_KEY wins over GOOGLE_API_KEY; blank variables do not count', async () => {
  const keys = createKeychainKeyStore({ backend: memoryBackend(), env: { GEMINI_API_KEY: 'g1', GOOGLE_API_KEY: 'g2', GROQ_API_KEY: '  ' } });
  assert.equal(await keys.get('google'), 'g1');
  assert.equal(await keys.get('groq'), null);
});

test('an unreachable keychain: set throws keychainUnavailable naming what is missing, without the key', async () => {
  const keys = createKeychainKeyStore({ backend: failingBackend(`Couldn't access platform storage: AccessDenied ${SECRET}`), env: {}, platform: 'linux' });
  await assert.rejects(keys.set('openai', SECRET), (e: unknown) => {
    assert.ok(e instanceof RouterError);
    assert.equal(e.code, 'keychainUnavailable');
    assert.match(e.message, /DBUS_SESSION_BUS_ADDRESS/);
    assert.match(e.message, /OPENAI_API_KEY/);
    assert.ok(!e.message.includes(SECRET));
    return true;
  });
  const status = await keys.status();
  assert.equal(status.available, false);
  assert.match(status.problem ?? '', /gnome-keyring/);
});

test('problem descriptions per cause', () => {
  const bus = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/x' };
  assert.match(describeKeychainProblem(new Error('org.freedesktop.DBus.Error.ServiceUnknown: org.freedesktop.secrets'), bus, 'linux'), /No Secret Service/);
  assert.match(describeKeychainProblem(new Error('Secret Service: unlock prompt was dismissed'), bus, 'linux'), /locked/);
  assert.match(describeKeychainProblem(new Error("Cannot find module '@napi-rs/keyring-linux-x64-gnu'"), bus, 'linux'), /could not be loaded/);
  assert.match(describeKeychainProblem(new Error('boom'), {}, 'darwin'), /OS keychain failed \(boom\)/);
});

test('a store that does not return what it accepted is reported, not trusted', async () => {
  const backend: KeychainBackend = { get: async () => null, set: async () => undefined, delete: async () => false };
  const keys = createKeychainKeyStore({ backend, env: {} });
  await assert.rejects(keys.set('openai', SECRET), (e: unknown) => e instanceof RouterError && e.code === 'keychainUnavailable' && !e.message.includes(SECRET));
});

test('the real-keychain tests pass inside a private session bus of their own (never the machine\'s keychain)', { timeout: 150_000 }, (t) => {
  const why = privateKeyringUnavailable();
  if (why !== null) {
    t.skip(`no private keyring session: ${why}`);
    return;
  }
  const r = summarize(runInPrivateKeyring(resolve('test/unit/keys/realKeychain.keyring.ts')));
  assert.equal(r.failed, 0, r.text);
  assert.equal(r.skipped, 0, r.text);
  assert.equal(r.passed, 3, r.text);
});

test('LLM_ROUTER_KEYCHAIN_SERVICE names the service; blank means the default', () => {
  assert.equal(keychainService({}), 'llm-router');
  assert.equal(keychainService({ LLM_ROUTER_KEYCHAIN_SERVICE: '  ' }), 'llm-router');
  assert.equal(keychainService({ LLM_ROUTER_KEYCHAIN_SERVICE: 'llm-router-dev' }), 'llm-router-dev');
});

test('real keychain without a session bus: a clear keychainUnavailable error', { skip: process.platform !== 'linux' }, () => {
  // No bus at all: neither the variable nor the $XDG_RUNTIME_DIR/bus the library falls back to.
  const env: NodeJS.ProcessEnv = { ...process.env, LLM_ROUTER_KEYCHAIN_SERVICE: testKeychainService() };
  delete env.DBUS_SESSION_BUS_ADDRESS;
  delete env.XDG_RUNTIME_DIR;
  const script = `
    const { createKeychainKeyStore } = require(${JSON.stringify(resolve('daemon/keys/keychain.ts'))});
    (async () => {
      const keys = createKeychainKeyStore();
      const status = await keys.status();
      let error = null;
      try { await keys.set('openai', ${JSON.stringify(SECRET)}); } catch (e) { error = { code: e.code, message: e.message }; }
      console.log(JSON.stringify({ status, error }));
    })();`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { env, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { status: { available: boolean; problem: string }; error: { code: string; message: string } | null };
  assert.equal(out.status.available, false, r.stdout);
  assert.match(out.status.problem, /DBUS_SESSION_BUS_ADDRESS is not set/);
  assert.equal(out.error?.code, 'keychainUnavailable');
  assert.match(out.error?.message ?? '', /D-Bus session bus/);
  assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET));
});
