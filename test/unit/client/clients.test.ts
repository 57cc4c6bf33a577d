// The typed HTTP and LSP clients against a real daemon started in-process (simulate mode).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { startDaemon } from '../../../daemon/server';
import type { RunningDaemon } from '../../../daemon/service/options';
import { createKeychainKeyStore } from '../../../daemon/keys/keychain';
import { daemonSocketPath } from '../../../daemon/lifecycle/socketPath';
import { createHttpRpcClient } from '../../../daemon/client/httpClient';
import { connectLspClient } from '../../../daemon/client/lspClient';
import { streamChat } from '../../../daemon/client/chatStream';
import { RouterError } from '../../../daemon/protocol/errors';
import { notifications, type ChatDeltaNotification } from '../../../daemon/protocol/methods';

const home = mkdtempSync(join(tmpdir(), 'lr-clients-'));
const token = randomBytes(32).toString('hex');
let daemon: RunningDaemon;
let target: { port: number; token: string; socketPath: string };

before(async () => {
  daemon = await startDaemon({
    home,
    version: 'test',
    token,
    port: 0,
    socketPath: daemonSocketPath(home),
    keys: createKeychainKeyStore({ env: {}, backend: { get: async () => null, set: async () => undefined, delete: async () => false } }),
    simulate: true,
    idleTimeoutMs: 0,
  });
  target = { port: daemon.port, token, socketPath: daemon.socketPath };
});
after(async () => {
  await daemon.close();
  rmSync(home, { recursive: true, force: true });
});

test('HTTP: a typed call, and errors rebuilt with their stable codes', async () => {
  const client = createHttpRpcClient(target);
  try {
    const status = await client.call('daemon/status', {});
    assert.equal(status.version, 'test');
    assert.equal(status.simulate, true);
    await assert.rejects(
      client.call('spend/requests', { limit: 100_000 }),
      (e: unknown) => e instanceof RouterError && e.code === 'invalidParams',
    );
  } finally {
    client.close();
  }
  const wrong = createHttpRpcClient({ port: target.port, token: 'e'.repeat(64) });
  try {
    await assert.rejects(wrong.call('daemon/status', {}), (e: unknown) => e instanceof RouterError && e.code === 'unauthorized');
  } finally {
    wrong.close();
  }
});

test('HTTP: a closed port is reported as an unreachable daemon', async () => {
  const client = createHttpRpcClient({ port: 1, token });
  try {
    await assert.rejects(client.call('daemon/status', {}), (e: unknown) => e instanceof RouterError && /not reachable/.test(e.message));
  } finally {
    client.close();
  }
});

test('LSP: hello with the token, typed calls, chat/delta notifications for a streamed answer', async () => {
  const lsp = await connectLspClient(target, { kind: 'cli', name: 'lsp client test' });
  try {
    assert.ok(lsp.hello.sessionId);
    const deltas: string[] = [];
    lsp.onNotification(notifications.chatDelta, (p) => {
      const d = p as ChatDeltaNotification;
      if (d.streamId === 's1') {
        deltas.push(d.text);
      }
    });
    const result = await lsp.call('chat/complete', { messages: [{ role: 'user', content: 'Stream me a short answer.' }], streamId: 's1' });
    assert.ok(result.text.length > 0);
    assert.equal(deltas.join(''), result.text);
    assert.ok(result.routing.model);
  } finally {
    lsp.close();
  }
});

test('LSP: a wrong token is refused with unauthorized', async () => {
  await assert.rejects(connectLspClient({ socketPath: target.socketPath, token: 'f'.repeat(64) }, { kind: 'cli' }), (e: unknown) => e instanceof RouterError && e.code === 'unauthorized');
});

test('SSE: streamChat yields the text and the routing decision', async () => {
  let text = '';
  const outcome = await streamChat(target, { model: 'auto', messages: [{ role: 'user', content: 'Hello there' }] }, (t) => (text += t));
  assert.ok(text.length > 0);
  assert.ok(outcome.model);
  assert.ok(outcome.requestId);
  assert.ok(outcome.reason);
  assert.equal(outcome.finishReason, 'stop');
});
