import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, ResponseError, type MessageConnection } from 'vscode-jsonrpc/node';
import type { CallContext, Handlers } from '../../../daemon/handlers/types';
import { ClientHub } from '../../../daemon/service/clients';
import { serveLsp } from '../../../daemon/transport/lsp';

const TOKEN = 't'.repeat(64);

const handlers = {
  'client/hello': async (_p: unknown, ctx: CallContext) => ({ daemonVersion: '9.9.9', sessionId: ctx.sessionId ?? 'none' }),
  'daemon/status': async (_p: unknown, ctx: CallContext) => ({ clientName: ctx.client.name ?? null }),
  'chat/complete': async (p: { streamId?: string }, ctx: CallContext) => {
    ctx.notify('chat/delta', { streamId: p.streamId, text: 'a' });
    ctx.notify('chat/delta', { streamId: p.streamId, text: 'b' });
    return { text: 'ab' };
  },
} as unknown as Handlers;

/** Two ends joined by in-memory streams: no socket, no port. */
function pair(hub = new ClientHub()) {
  const up = new PassThrough();
  const down = new PassThrough();
  const session = serveLsp(new StreamMessageReader(up), new StreamMessageWriter(down), { handlers, token: TOKEN, clients: hub, version: '9.9.9' });
  const client = createMessageConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
  client.listen();
  return { client, session, hub, up, down };
}

async function rpcError(p: Promise<unknown>): Promise<{ code: number; data: { code: string } }> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ResponseError, String(e));
    return { code: e.code, data: e.data as { code: string } };
  }
  assert.fail('expected an error');
}

const hello = (c: MessageConnection, token = TOKEN) => c.sendRequest('client/hello', { client: { kind: 'editor', name: 'Test Window' }, token });

test('nothing is served before client/hello with the token', async () => {
  const { client, session } = pair();
  try {
    const e = await rpcError(client.sendRequest('daemon/status', {}));
    assert.equal(e.data.code, 'unauthorized');
    const r = (await hello(client)) as { daemonVersion: string; sessionId: string };
    assert.equal(r.daemonVersion, '9.9.9');
    assert.ok(r.sessionId.length > 10);
    assert.deepEqual(await client.sendRequest('daemon/status', {}), { clientName: 'Test Window' });
  } finally {
    client.dispose();
    session.close();
  }
});

test('a wrong token is refused and the connection closed', async () => {
  const hub = new ClientHub();
  const { client, session } = pair(hub);
  try {
    const e = await rpcError(hello(client, 'x'.repeat(64)));
    assert.equal(e.data.code, 'unauthorized');
    await session.closed;
    assert.equal(hub.count(), 0);
  } finally {
    client.dispose();
  }
});

test('sessions are counted while attached and notifications reach only their caller', async () => {
  const hub = new ClientHub();
  const a = pair(hub);
  const b = pair(hub);
  try {
    await hello(a.client);
    await hello(b.client);
    assert.equal(hub.count(), 2);
    const deltasA: string[] = [];
    const deltasB: string[] = [];
    a.client.onNotification('chat/delta', (p: { text: string }) => {
      deltasA.push(p.text);
    });
    b.client.onNotification('chat/delta', (p: { text: string }) => {
      deltasB.push(p.text);
    });
    const r = await a.client.sendRequest('chat/complete', { streamId: 's1', messages: [{ role: 'user', content: 'x' }] });
    assert.deepEqual(r, { text: 'ab' });
    assert.deepEqual(deltasA, ['a', 'b']);
    assert.deepEqual(deltasB, []);
    const spend: unknown[] = [];
    b.client.onNotification('spend/changed', (p: unknown) => {
      spend.push(p);
    });
    hub.broadcast('spend/changed', { requestId: 'r', costUsd: 1 });
    await b.client.sendRequest('daemon/status', {});
    assert.deepEqual(spend, [{ requestId: 'r', costUsd: 1 }]);
    a.up.end();
    await a.session.closed;
    assert.equal(hub.count(), 1);
  } finally {
    a.client.dispose();
    b.client.dispose();
    b.session.close();
  }
});

test('bad params and unknown methods carry our codes; LSP exit only ends this connection', async () => {
  const { client, session } = pair();
  try {
    await hello(client);
    assert.equal((await rpcError(client.sendRequest('chat/complete', { messages: 'no' }))).data.code, 'invalidParams');
    const nf = await rpcError(client.sendRequest('no/such', {}));
    assert.deepEqual([nf.code, nf.data.code], [-32601, 'methodNotFound']);
    await client.sendNotification('exit');
    await session.closed;
  } finally {
    client.dispose();
  }
});

test('LSP initialize with the token in initializationOptions also opens a session', async () => {
  const { client, session, hub } = pair();
  try {
    const r = (await client.sendRequest('initialize', { processId: 1, capabilities: {}, initializationOptions: { token: TOKEN } })) as { capabilities: object; sessionId: string };
    assert.deepEqual(r.capabilities, {});
    assert.equal(hub.count(), 1);
    const bad = pair();
    try {
      assert.equal((await rpcError(bad.client.sendRequest('initialize', { processId: 1, capabilities: {} }))).data.code, 'unauthorized');
    } finally {
      bad.client.dispose();
      bad.session.close();
    }
  } finally {
    client.dispose();
    session.close();
  }
});
