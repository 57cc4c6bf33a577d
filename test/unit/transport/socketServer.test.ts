// Closing the LSP socket server flushes what each connection still has queued: `daemon/shutdown`
// answers and then asks the process owner to stop on the next tick, so the server closes while
// that answer is still on its way to the socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter } from 'vscode-jsonrpc/node';
import type { CallContext, Handlers } from '../../../daemon/handlers/types';
import { ClientHub } from '../../../daemon/service/clients';
import { CLOSE_FLUSH_MS, startLspSocketServer, type LspSocketServer } from '../../../daemon/transport/socketServer';

const TOKEN = 't'.repeat(64);

async function connected(path: string, allowHalfOpen = false): Promise<Socket> {
  const socket = connect({ path, allowHalfOpen });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return socket;
}

function serverWithShutdown(dir: string): { started: Promise<LspSocketServer> } {
  let server: LspSocketServer | undefined;
  const handlers = {
    'client/hello': async (_p: unknown, ctx: CallContext) => ({ daemonVersion: '9.9.9', sessionId: ctx.sessionId ?? 'none' }),
    // As requestShutdown does: answer, and stop the server on the next tick.
    'daemon/shutdown': async () => {
      setImmediate(() => void server?.close());
      return { pid: process.pid, shuttingDown: true };
    },
  } as unknown as Handlers;
  const started = startLspSocketServer(join(dir, 'd.sock'), { handlers, token: TOKEN, clients: new ClientHub(), version: '9.9.9' }).then((s) => (server = s));
  return { started };
}

test('the daemon/shutdown answer reaches the client although the server closes right after it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmr-sock-'));
  try {
    const server = await serverWithShutdown(dir).started;
    const socket = await connected(server.path);
    const client = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
    client.listen();
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    try {
      await client.sendRequest('client/hello', { client: { kind: 'editor', name: 't' }, token: TOKEN });
      const answer = await client.sendRequest('daemon/shutdown', { reason: 'test' });
      assert.deepEqual(answer, { pid: process.pid, shuttingDown: true });
      // And the server then hangs up.
      await closed;
    } finally {
      client.dispose();
      socket.destroy();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a client that never closes its side does not hold close() beyond the grace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmr-sock-'));
  try {
    const server = await serverWithShutdown(dir).started;
    // Half-open allowed and never ended: only the server's destroy() can finish this connection.
    const socket = await connected(server.path, true);
    const client = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
    client.listen();
    // Attached (so the server holds the connection), then the client stops reading and never ends.
    await client.sendRequest('client/hello', { client: { kind: 'editor', name: 't' }, token: TOKEN });
    const hungUp = new Promise<void>((r) => socket.once('end', () => r()));
    const started = Date.now();
    await server.close();
    const tookMs = Date.now() - started;
    await hungUp;
    client.dispose();
    socket.destroy();
    assert.ok(tookMs < 2 * CLOSE_FLUSH_MS + 1000, `close() took ${tookMs} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
