// A streamed answer's first chunk leaves for the client as soon as it is written, not after the
// rest of the request's work. Node corks a response's socket at each write and uncorks it on the
// next tick, which comes only once every queued promise continuation has run: in the pipeline
// those continuations are the rest of the request (pricing, the ledger write), so without
// flushing the first byte waited for them. Each endpoint is served here by a stand-in ChatService
// whose complete() streams one event and then keeps working in promise continuations, checking
// that the socket was already uncorked and empty.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StreamEvent } from '../../../daemon/protocol/chat';
import type { RoutingDecision, RoutingInfo } from '../../../daemon/protocol/routing';
import type { ChatCall, ChatService } from '../../../daemon/service/chatService';
import type { CatalogModel } from '../../../daemon/routing/catalog';
import { Catalog } from '../../../daemon/routing/catalog';
import { handleChatCompletions } from '../../../daemon/transport/chatCompletions';
import { handleMessages } from '../../../daemon/transport/messagesEndpoint';
import { handleResponses } from '../../../daemon/transport/responsesEndpoint';
import { streamFlusher } from '../../../daemon/transport/httpIo';

const model = { id: 'gpt-4o-mini', provider: 'openai' } as CatalogModel;
const decision = { model: model.id, provider: model.provider, reason: 'named', tradeoff: 'balanced', inputTokens: 5, fallbacks: [], candidates: [] } as unknown as RoutingDecision;
const routing: RoutingInfo = {
  requestId: 'req_x', model: model.id, provider: model.provider, reason: 'named', strategy: 'fixed', policy: 'normal', tradeoff: 'balanced',
  estimatedCostUsd: 0, actualCostUsd: 0, costState: 'known', fallbacksTried: [], estimatedSavingsUsd: null,
};
const usage = { inputTokens: 5, outputTokens: 1, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };

/** Promise continuations standing in for the pipeline's work after the first event. */
async function laterWork(): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await Promise.resolve();
  }
}

/** A ChatService whose streamed call reports, from a continuation after its first event, what the socket still held. */
function streamingChat(res: () => ServerResponse, seen: { corked: number; buffered: number }[]): ChatService {
  return {
    async complete(call: ChatCall) {
      call.onDecision?.(decision, 'req_x');
      // As in the pipeline, the event is delivered from a promise continuation (the provider's body).
      await Promise.resolve();
      const ev: StreamEvent = { type: 'text', text: 'Hello' };
      call.onEvent?.(ev, model);
      await laterWork();
      const socket = res().socket;
      seen.push({ corked: socket?.writableCorked ?? -1, buffered: socket?.writableLength ?? -1 });
      return { requestId: 'req_x', result: { text: 'Hello', toolCalls: [], finishReason: 'stop', usage, providerModel: model.id }, decision, routing, row: {}, turn: {} };
    },
  } as unknown as ChatService;
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse, chat: ChatService) => Promise<void>, path: string, body: unknown): Promise<{ seen: { corked: number; buffered: number }[]; text: string }> {
  const seen: { corked: number; buffered: number }[] = [];
  let current: ServerResponse | null = null;
  const chat = streamingChat(() => current as ServerResponse, seen);
  const server: Server = createServer((req, res) => {
    current = res;
    req.resume();
    req.on('end', () => void handler(req, res, chat));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as AddressInfo).port;
    const payload = JSON.stringify(body);
    const text = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
        let t = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (t += d));
        res.on('end', () => resolve(t));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
    return { seen, text };
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
}

const client = { kind: 'script' as const };

test('a streamed chat completion hands its first chunk to the socket before the work after it', async () => {
  const { seen, text } = await serve((req, res, chat) => handleChatCompletions(req, res, { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }, chat, client), '/v1/chat/completions', {});
  assert.deepEqual(seen, [{ corked: 0, buffered: 0 }]);
  assert.match(text, /"content":"Hello"/);
  assert.match(text, /data: \[DONE\]/);
});

test('a streamed Messages answer hands its first chunk to the socket before the work after it', async () => {
  const catalog = Catalog.builtIn();
  const { seen, text } = await serve(
    (req, res, chat) => handleMessages(req, res, { model: 'gpt-4o-mini', max_tokens: 10, stream: true, messages: [{ role: 'user', content: 'hi' }] }, chat, client, catalog),
    '/v1/messages',
    {},
  );
  assert.deepEqual(seen, [{ corked: 0, buffered: 0 }]);
  assert.match(text, /"text":"Hello"/);
});

test('a streamed Responses answer hands its first chunk to the socket before the work after it', async () => {
  const catalog = Catalog.builtIn();
  const { seen, text } = await serve((req, res, chat) => handleResponses(req, res, { model: 'gpt-4o-mini', stream: true, input: 'hi' }, chat, client, catalog), '/v1/responses', {});
  assert.deepEqual(seen, [{ corked: 0, buffered: 0 }]);
  assert.match(text, /Hello/);
});

test('without a flush, the chunk stays corked until the next tick (what streamFlusher is for)', async () => {
  const states: number[] = [];
  const server = createServer((_req, res) => {
    void (async () => {
      // Written from a promise continuation, as the pipeline writes.
      await Promise.resolve();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('a');
      await laterWork();
      states.push(res.socket?.writableCorked ?? -1);
      const flush = streamFlusher(res);
      res.write('b');
      flush();
      await laterWork();
      states.push(res.socket?.writableCorked ?? -1);
      res.end();
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      })
        .on('error', reject)
        .end();
    });
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
  assert.deepEqual(states, [1, 0]);
});

test('the first flushed event leaves at once; later events of the same upstream read go out together after them', async () => {
  const states: { corked: number; buffered: number }[] = [];
  const server = createServer((_req, res) => {
    void (async () => {
      await Promise.resolve();
      const flush = streamFlusher(res);
      const mark = (): void => {
        states.push({ corked: res.socket?.writableCorked ?? -1, buffered: res.socket?.writableLength ?? -1 });
      };
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // One upstream read holding three events, written one after another in the same run.
      res.write('data: 1\n\n');
      flush();
      mark();
      res.write('data: 2\n\n');
      flush();
      res.write('data: 3\n\n');
      flush();
      mark();
      await Promise.resolve();
      mark();
      res.end();
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  let text = '';
  try {
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve());
      })
        .on('error', reject)
        .end();
    });
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
  // The first event: on the socket (not corked, nothing buffered) before the second is written;
  // the next two: corked together until the microtask, then handed over.
  assert.deepEqual(states, [
    { corked: 0, buffered: 0 },
    { corked: 1, buffered: states[1]?.buffered ?? -1 },
    { corked: 0, buffered: 0 },
  ]);
  assert.ok((states[1]?.buffered ?? 0) > 0);
  assert.equal(text, 'data: 1\n\ndata: 2\n\ndata: 3\n\n');
});
