import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHandlers, type CallContext, type Handlers } from '../../../daemon/handlers';
import { methods } from '../../../daemon/protocol/methods';
import { RouterError } from '../../../daemon/protocol/errors';
import { startTestDaemon, type Harness } from '../../integration/daemonHarness';

let h: Harness;
let handlers: Handlers;
const notes: [string, unknown][] = [];
const ctx: CallContext = { client: { kind: 'editor', name: 'unit' }, transport: 'lsp', signal: new AbortController().signal, notify: (m, p) => notes.push([m, p]), sessionId: 'sess-1' };

before(async () => {
  h = await startTestDaemon();
  handlers = createHandlers(h.daemon.deps);
});
after(async () => {
  await h.close();
});

test('every method in the protocol table has a handler', () => {
  assert.deepEqual(Object.keys(handlers).sort(), Object.keys(methods).sort());
});

test('daemon/status and client/hello describe this daemon', async () => {
  const s = await handlers['daemon/status']({}, ctx);
  assert.equal(s.port, h.daemon.port);
  assert.equal(s.socketPath, h.daemon.socketPath);
  assert.equal(s.simulate, true);
  assert.equal(s.home, h.home);
  assert.equal(s.clients, 0);
  assert.deepEqual(await handlers['client/hello']({ client: { kind: 'editor' } }, ctx), { daemonVersion: '0.0.0-test', sessionId: 'sess-1' });
});

test('daemon/shutdown in-process says who must stop it', async () => {
  await assert.rejects(handlers['daemon/shutdown']({}, ctx), (e: unknown) => e instanceof RouterError && e.code === 'unsupportedFeature');
});

test('models/list gives prices, capabilities and key presence', async () => {
  const { models } = await handlers['models/list']({}, ctx);
  const mini = models.find((m) => m.id === 'gpt-4o-mini');
  assert.ok(mini && mini.inputPerMTok !== null && mini.inputPerMTok > 0);
  assert.equal(mini.hasKey, false);
  await handlers['keys/set']({ provider: 'openai', apiKey: 'sk-unit-0123456789' }, ctx);
  assert.equal((await handlers['models/list']({}, ctx)).models.find((m) => m.id === 'gpt-4o-mini')?.hasKey, true);
});

test('chat/complete with a streamId pushes chat/delta to its caller', async () => {
  notes.length = 0;
  const r = await handlers['chat/complete']({ model: 'auto', messages: [{ role: 'user', content: 'delta me' }], streamId: 'x1' }, ctx);
  const deltas = notes.filter(([m]) => m === 'chat/delta').map(([, p]) => p as { streamId: string; text: string });
  assert.ok(deltas.length > 0);
  assert.equal(deltas.map((d) => d.text).join(''), r.text);
  assert.ok(deltas.every((d) => d.streamId === 'x1'));
  const row = (await handlers['spend/requests']({ limit: 1 }, ctx)).rows[0];
  assert.deepEqual([row?.id, row?.endpoint, row?.clientKind, row?.clientName, row?.stream], [r.requestId, 'rpc', 'editor', 'unit', true]);
});

test('route/decide dry runs need no key and call nothing', async () => {
  const calls = h.daemon.simulator?.calls() ?? 0;
  const d = await handlers['route/decide']({ model: 'auto:cost', messages: [{ role: 'user', content: 'cheap please' }], dryRun: true }, ctx);
  assert.ok(d.model.length > 0);
  assert.equal(h.daemon.simulator?.calls(), calls);
});
