// The daemon's HTTP face on 127.0.0.1: /health, /rpc, /v1/chat/completions, /v1/messages,
// /v1/responses, /v1/models, /metrics.
// Every request but /health needs the bearer token; any Origin header (a web page) and any
// non-loopback Host (DNS rebinding) are refused; bodies are capped at 4 MiB.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RouterError } from '../protocol/errors';
import type { ClientContext } from '../protocol/routing';
import type { Handlers } from '../handlers/types';
import type { Catalog } from '../routing/catalog';
import { inferModel } from '../routing/modelInference';
import type { ChatService } from '../service/chatService';
import type { IdleWatch } from '../service/idle';
import { handleChatCompletions } from './chatCompletions';
import { handleCountTokens, handleMessages } from './messagesEndpoint';
import { handleResponses } from './responsesEndpoint';
import { asRouterError, httpErrorOf, rpcErrorOf } from './errors';
import { disconnectSignal, MAX_BODY_BYTES, parseJsonBody, readBody, sendJson } from './httpIo';
import { RpcEndpoint } from './rpcEndpoint';
import { checkRequest } from './security';
import { challengeOf, tokenProof } from '../lifecycle/tokenProof';

export interface HttpTransportDeps {
  handlers: Handlers;
  chat: ChatService;
  catalog: Catalog;
  token: string;
  version: string;
  idle?: IdleWatch | undefined;
  bodyLimit?: number;
  /** Routing policy names, listed by /v1/models beside the routing modes (a policy name is a valid `model`). */
  policyNames?: (() => string[]) | undefined;
  /** GET /metrics in Prometheus text format; the token is required unless configured otherwise. */
  metrics?: { contentType: string; requireToken: boolean; render(): Promise<string> } | undefined;
}

const TRADEOFF_MODES = ['auto', 'auto:quality', 'auto:balanced', 'auto:cost', 'auto:latency'];

function scriptClient(req: IncomingMessage): ClientContext {
  const ua = req.headers['user-agent'];
  return typeof ua === 'string' ? { kind: 'script', name: ua.slice(0, 200) } : { kind: 'script' };
}

export function createHttpServer(deps: HttpTransportDeps): Server {
  const rpc = new RpcEndpoint(deps.handlers);
  const limit = deps.bodyLimit ?? MAX_BODY_BYTES;

  async function route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const method = req.method ?? 'GET';
    if (path === '/health') {
      checkRequest(req.headers, deps.token, false);
      // Liveness needs no token; a client about to send the token first asks for proof we hold it.
      const challenge = challengeOf(req.url);
      const proof = challenge !== null ? { proof: tokenProof(deps.token, challenge, req.socket.localPort ?? 0) } : {};
      sendJson(res, 200, { status: 'ok', pid: process.pid, version: deps.version, ...proof });
      return;
    }
    if (path === '/metrics' && method === 'GET' && deps.metrics) {
      checkRequest(req.headers, deps.token, deps.metrics.requireToken);
      const text = await deps.metrics.render();
      res.writeHead(200, { 'content-type': deps.metrics.contentType, 'cache-control': 'no-store' }).end(text);
      return;
    }
    checkRequest(req.headers, deps.token, true);
    if (path === '/rpc' && method === 'POST') {
      await serveRpc(req, res);
      return;
    }
    if ((path === '/v1/chat/completions' || path === '/chat/completions') && method === 'POST') {
      const json = parseJsonBody(await readBody(req, limit));
      await handleChatCompletions(req, res, json, deps.chat, scriptClient(req));
      return;
    }
    if ((path === '/v1/messages' || path === '/messages') && method === 'POST') {
      await handleMessages(req, res, parseJsonBody(await readBody(req, limit)), deps.chat, scriptClient(req), deps.catalog);
      return;
    }
    if ((path === '/v1/responses' || path === '/responses') && method === 'POST') {
      await handleResponses(req, res, parseJsonBody(await readBody(req, limit)), deps.chat, scriptClient(req), deps.catalog);
      return;
    }
    if (path === '/v1/messages/count_tokens' && method === 'POST') {
      handleCountTokens(res, parseJsonBody(await readBody(req, limit)));
      return;
    }
    const one = /^\/(?:v1\/)?models\/(.+)$/.exec(path);
    if (one?.[1] !== undefined && method === 'GET') {
      const id = decodePathSegment(one[1]);
      // A listed model, or one whose provider is plain from its name (it is callable by that id).
      const m = deps.catalog.get(id) ?? inferModel(id) ?? undefined;
      if (!m && !TRADEOFF_MODES.includes(id) && !(deps.policyNames?.() ?? []).includes(id)) {
        throw new RouterError('unknownModel', `unknown model "${id}": GET /v1/models lists the models and routing modes`, { model: id });
      }
      sendJson(res, 200, { id, object: 'model', created: 0, owned_by: m?.provider ?? 'llm-router' });
      return;
    }
    if ((path === '/v1/models' || path === '/models') && method === 'GET') {
      const data = [
        ...TRADEOFF_MODES.map((id) => ({ id, object: 'model', created: 0, owned_by: 'llm-router' })),
        ...(deps.policyNames?.() ?? []).map((id) => ({ id, object: 'model', created: 0, owned_by: 'llm-router-policy' })),
        ...deps.catalog.list().map((m) => ({ id: m.id, object: 'model', created: 0, owned_by: m.provider })),
      ];
      sendJson(res, 200, { object: 'list', data });
      return;
    }
    throw new RouterError('notFound', `no endpoint ${method} ${path}: the daemon serves GET /health, POST /rpc, POST /v1/chat/completions, POST /v1/messages, POST /v1/responses, GET /v1/models and GET /metrics`);
  }

  async function serveRpc(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let json: unknown;
    try {
      json = parseJsonBody(await readBody(req, limit));
    } catch (e) {
      const err = asRouterError(e);
      if (err.code !== 'parseError') {
        throw err;
      }
      sendJson(res, 400, { jsonrpc: '2.0', id: null, error: rpcErrorOf(err) });
      return;
    }
    const signal = disconnectSignal(req, res);
    const answer = await rpc.receive(json, { client: scriptClient(req), transport: 'http', signal, notify: () => undefined, sessionId: null });
    if (answer === null) {
      res.writeHead(204).end();
      return;
    }
    sendJson(res, 200, answer);
  }

  const server = createServer((req, res) => {
    const end = deps.idle?.begin();
    res.on('close', () => end?.());
    const path = requestPath(req.url);
    route(req, res, path).catch((e: unknown) => {
      const err = asRouterError(e);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (path === '/rpc' && err.code !== 'unauthorized' && err.code !== 'forbiddenOrigin' && err.code !== 'payloadTooLarge') {
        sendJson(res, 200, { jsonrpc: '2.0', id: null, error: rpcErrorOf(err) });
        return;
      }
      const reply = httpErrorOf(err);
      // An oversized body is not read to the end: close instead of draining it.
      sendJson(res, reply.status, reply.body, err.code === 'payloadTooLarge' ? { connection: 'close' } : {});
      if (err.code === 'payloadTooLarge') {
        req.destroy();
      }
    });
  });
  // Slow or stuck clients must not hold sockets forever.
  server.headersTimeout = 15_000;
  server.requestTimeout = 120_000;
  server.keepAliveTimeout = 5_000;
  return server;
}

/**
 * The path of the request target, as sent (no query). Not `new URL(...)`: it throws on targets
 * such as `//%2F..` (read as a host name) before any handler could answer, and it would let
 * `//host/v1/models` pass for `/v1/models`.
 */
export function requestPath(target: string | undefined): string {
  const raw = target ?? '/';
  const query = raw.indexOf('?');
  return query < 0 ? raw : raw.slice(0, query);
}

/** A percent-encoded path segment; a broken escape (`%ZZ`, half a UTF-8 sequence) is the client's error. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new RouterError('invalidRequest', `the path segment "${segment.slice(0, 100)}" is not valid percent-encoding`);
  }
}

/** Listens on 127.0.0.1 only; resolves with the bound port. */
export function listenLoopback(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
