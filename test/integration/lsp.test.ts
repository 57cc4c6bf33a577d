// The LSP channel over the daemon's real socket: hello gate, streamed answers, spend notifications,
// client counting and idle shutdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter, StreamMessageReader, StreamMessageWriter, ResponseError } from 'vscode-jsonrpc/node';
import { createHandlers } from '../../daemon/handlers';
import { serveLsp } from '../../daemon/transport/lsp';
import type { ChatCompleteResult } from '../../daemon/protocol/methods';
import { startTestDaemon } from './daemonHarness';
import { attachLsp } from './lspClient';

test('over the real socket: 0600 socket in a 0700 home, hello, streamed chat/complete, spend/changed, client count', async () => {
  const h = await startTestDaemon();
  try {
    assert.equal(statSync(h.daemon.socketPath).mode & 0o777, 0o600);
    assert.equal(statSync(h.home).mode & 0o777, 0o700);
    const c = await attachLsp(h.daemon.socketPath, h.token, 'Window A');
    assert.equal(c.hello.daemonVersion, '0.0.0-test');
    assert.equal(h.daemon.clientCount(), 1);
    const r = (await c.connection.sendRequest('chat/complete', { messages: [{ role: 'user', content: 'stream to the editor' }], streamId: 'ask-1' })) as ChatCompleteResult;
    assert.match(r.text, /stream to the editor$/);
    assert.ok(r.routing.requestId);
    assert.equal(r.routing.costState, 'known');
    // Notifications sent before the response arrive before it.
    const deltas = c.notifications.filter((n) => n.method === 'chat/delta').map((n) => n.params as { streamId: string; text: string });
    assert.ok(deltas.length > 3);
    assert.ok(deltas.every((d) => d.streamId === 'ask-1'));
    assert.equal(deltas.map((d) => d.text).join(''), r.text);
    await c.connection.sendRequest('daemon/status', {});
    const spend = c.notifications.filter((n) => n.method === 'spend/changed').map((n) => n.params as { requestId: string });
    assert.deepEqual(spend.map((s) => s.requestId), [r.requestId]);
    const rows = (await c.connection.sendRequest('spend/requests', { limit: 5 })) as { rows: { id: string; clientKind: string; clientName: string; workspace: string }[] };
    assert.deepEqual(rows.rows.map((x) => [x.id, x.clientKind, x.clientName, x.workspace]), [[r.requestId, 'editor', 'Window A', '/ws/Window A']]);
    await c.close();
    for (let i = 0; i < 100 && h.daemon.clientCount() > 0; i++) {
      await new Promise((res) => setTimeout(res, 10));
    }
    assert.equal(h.daemon.clientCount(), 0);
  } finally {
    await h.close();
  }
});

test('over the real socket: requests before hello and a wrong token are refused', async () => {
  const h = await startTestDaemon();
  try {
    const socket = connect(h.daemon.socketPath);
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const conn = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
    conn.listen();
    await assert.rejects(conn.sendRequest('spend/requests', {}), (e: unknown) => e instanceof ResponseError && (e.data as { code: string }).code === 'unauthorized');
    await assert.rejects(conn.sendRequest('client/hello', { client: { kind: 'editor' }, token: 'f'.repeat(64) }), (e: unknown) => e instanceof ResponseError && (e.data as { code: string }).code === 'unauthorized');
    await new Promise<void>((r) => socket.once('close', () => r()));
    conn.dispose();
    assert.equal(h.daemon.clientCount(), 0);
  } finally {
    await h.close();
  }
});

test('idle shutdown fires only once no client is attached', async () => {
  let idle: () => void = () => undefined;
  const fired = new Promise<void>((r) => (idle = r));
  let count = 0;
  const h = await startTestDaemon({
    idleTimeoutMs: 150,
    onIdle: () => {
      count++;
      idle();
    },
  });
  try {
    const c = await attachLsp(h.daemon.socketPath, h.token, 'Idle Window');
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(count, 0, 'idle fired while a client was attached');
    await c.close();
    await fired;
    assert.equal(count, 1);
  } finally {
    await h.close();
  }
});

test('the whole daemon over in-memory streams: no socket, same handlers', async () => {
  const h = await startTestDaemon();
  const up = new PassThrough();
  const down = new PassThrough();
  const session = serveLsp(new StreamMessageReader(up), new StreamMessageWriter(down), {
    handlers: createHandlers(h.daemon.deps),
    token: h.token,
    clients: h.daemon.deps.clients,
    version: 'in-memory',
  });
  const client = createMessageConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
  client.listen();
  try {
    await client.sendRequest('client/hello', { client: { kind: 'cli', name: 'in-memory' }, token: h.token });
    assert.equal(h.daemon.clientCount(), 1);
    const r = (await client.sendRequest('chat/complete', { model: 'auto:cost', messages: [{ role: 'user', content: 'no socket needed' }] })) as ChatCompleteResult;
    assert.match(r.text, /no socket needed$/);
    const page = (await client.sendRequest('spend/requests', { limit: 1 })) as { rows: { id: string; clientKind: string }[] };
    assert.deepEqual(page.rows.map((x) => [x.id, x.clientKind]), [[r.requestId, 'cli']]);
  } finally {
    client.dispose();
    session.close();
    await h.close();
  }
});

test('garbage on the socket ends only that connection; the daemon keeps serving', async () => {
  const h = await startTestDaemon();
  try {
    const payloads = [
      'this is not LSP framing\r\n\r\n',
      'Content-Length: 5\r\n\r\n{bad}',
      `Content-Length: 40\r\n\r\n${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'x' }).padEnd(40, ' ')}`,
      'Content-Length: 99999999999\r\n\r\n{}',
    ];
    for (const p of payloads) {
      const socket = connect(h.daemon.socketPath);
      await new Promise<void>((r) => socket.once('connect', () => r()));
      socket.on('error', () => undefined);
      socket.on('data', () => undefined);
      socket.write(p);
      socket.end();
      await new Promise<void>((r) => socket.once('close', () => r()));
    }
    const c = await attachLsp(h.daemon.socketPath, h.token, 'After Garbage');
    const s = (await c.connection.sendRequest('daemon/status', {})) as { clients: number };
    assert.equal(s.clients, 1);
    await c.close();
  } finally {
    await h.close();
  }
});
