// Real mode (no --simulate): models are available only when their provider has an adapter and a
// key; keys set over RPC take effect at once; the key travels only to the provider. A simulator
// stands in for the provider through the config file's base URL override.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpRpcClient, type HttpRpcClient } from '../../daemon/client/httpClient';
import { RouterError } from '../../daemon/protocol/errors';
import { startSimulator, type RunningSimulator } from '../../daemon/simulator/server';
import { startTestDaemon, type Harness } from './daemonHarness';

let sim: RunningSimulator;
let h: Harness;
let rpc: HttpRpcClient;
let home: string;
const seenKeys: string[] = [];

before(async () => {
  sim = await startSimulator({
    fault: (ctx) => {
      seenKeys.push(ctx.provider);
      return null;
    },
  });
  home = mkdtempSync(join(tmpdir(), 'llm-router-real-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify({ providers: { openai: { baseUrl: sim.baseUrlFor('openai') }, groq: { baseUrl: sim.baseUrlFor('groq') } } }));
  h = await startTestDaemon({ home, simulate: false });
  rpc = createHttpRpcClient({ port: h.daemon.port, token: h.token });
});
after(async () => {
  rpc.close();
  await h.close();
  await sim.close();
  rmSync(home, { recursive: true, force: true });
});

const ask = { messages: [{ role: 'user' as const, content: 'real mode question' }] };

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return e instanceof RouterError ? e.code : String(e);
  }
}

test('with no keys nothing can be routed, and a named model says which key is missing', async () => {
  assert.equal(await code(rpc.call('chat/complete', ask)), 'noCandidate');
  const named = await rpc.call('chat/complete', { ...ask, model: 'gpt-4o-mini' }).catch((e: unknown) => e);
  assert.ok(named instanceof RouterError);
  assert.equal(named.code, 'noApiKey');
  assert.match(named.message, /openai/);
  const models = await rpc.call('models/list', {});
  assert.ok(models.models.every((m) => !m.hasKey));
});

test('keys/set makes a provider available at once; the key goes to the provider and nowhere else', async () => {
  const secret = 'sk-real-mode-secret-0123456789';
  assert.deepEqual(await rpc.call('keys/set', { provider: 'openai', apiKey: secret }), { provider: 'openai', storedIn: 'keychain' });
  const out = await rpc.call('chat/complete', ask);
  assert.equal(out.routing.provider, 'openai');
  assert.match(out.text, /real mode question$/);
  const list = await rpc.call('keys/list', {});
  assert.equal(list.providers.find((p) => p.provider === 'openai')?.source, 'keychain');
  assert.equal(list.providers.find((p) => p.provider === 'groq')?.source, 'none');
  assert.ok(!JSON.stringify(list).includes(secret));
  const rows = await rpc.call('spend/requests', { limit: 50 });
  assert.ok(!JSON.stringify(rows).includes(secret));
  assert.ok(seenKeys.includes('openai'));
  // A provider with no adapter in this build (or no key) is never chosen by auto.
  const decided = await rpc.call('route/decide', { ...ask, model: 'auto:quality' });
  assert.equal(decided.provider, 'openai');
});

test('keys/delete takes the provider away again; unknown providers are refused', async () => {
  assert.deepEqual(await rpc.call('keys/delete', { provider: 'openai' }), { provider: 'openai', deleted: true });
  assert.equal(await code(rpc.call('chat/complete', ask)), 'noCandidate');
  assert.equal(await code(rpc.call('keys/set', { provider: 'acme', apiKey: 'x' })), 'invalidParams');
  assert.equal(await code(rpc.call('keys/set', { provider: 'Bad Name!', apiKey: 'x' })), 'invalidParams');
});
