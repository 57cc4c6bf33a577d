// The editor's channel: JSON-RPC with LSP framing, one connection per window, over any pair of
// message reader/writer (a local socket in the daemon, in-memory streams in tests). The first
// request must be `client/hello` with the token (or LSP `initialize` carrying it in
// initializationOptions); everything before it is refused.
import { randomUUID } from 'node:crypto';
import {
  createMessageConnection,
  ResponseError,
  type CancellationToken,
  type DataCallback,
  type Logger,
  type Message,
  type MessageReader,
  type MessageWriter,
} from 'vscode-languageserver/node';
import { z } from 'zod';
import { RouterError } from '../protocol/errors';
import { ClientHelloParams, type ClientHelloResult } from '../protocol/methods';
import { ClientContext } from '../protocol/routing';
import type { CallContext, Handlers } from '../handlers/types';
import type { ClientHub } from '../service/clients';
import { invoke } from './dispatch';
import { asRouterError, rpcErrorOf } from './errors';
import { tokenMatches } from './security';

export interface LspDeps {
  handlers: Handlers;
  token: string;
  clients: ClientHub;
  version: string;
  /** Called on every request (idle tracking). */
  onActivity?: () => void;
}

export interface LspSession {
  /** Resolves when the connection has closed (either side). */
  closed: Promise<void>;
  close(): void;
}

const InitializeParams = z.looseObject({
  initializationOptions: z.looseObject({ token: z.string().max(200).optional(), client: ClientContext.optional() }).nullish(),
  clientInfo: z.looseObject({ name: z.string(), version: z.string().optional() }).nullish(),
});

function toResponseError(e: unknown): ResponseError<unknown> {
  const err = asRouterError(e);
  const rpc = rpcErrorOf(err);
  return new ResponseError(rpc.code, rpc.message, rpc.data);
}

const quietLogger: Logger = { error: () => undefined, warn: () => undefined, info: () => undefined, log: () => undefined };

/**
 * vscode-jsonrpc throws inside its reader callback on a `$/cancelRequest` whose params carry no
 * usable id (`id.toString()` of undefined), which ends the connection; such a notification
 * cancels nothing, so it is dropped here.
 */
function withoutBrokenCancels(reader: MessageReader): MessageReader {
  const usable = (m: Message): boolean => {
    const n = m as { method?: unknown; params?: unknown; id?: unknown };
    if (n.method !== '$/cancelRequest' || n.id !== undefined) {
      return true;
    }
    const id = (n.params as { id?: unknown } | null | undefined)?.id;
    return typeof id === 'string' || typeof id === 'number';
  };
  return {
    onError: reader.onError,
    onClose: reader.onClose,
    onPartialMessage: reader.onPartialMessage,
    listen: (callback: DataCallback) => reader.listen((m) => (usable(m) ? callback(m) : undefined)),
    dispose: () => reader.dispose(),
  };
}

export function serveLsp(reader: MessageReader, writer: MessageWriter, deps: LspDeps): LspSession {
  // The bare protocol connection with a logger that cannot throw: the full LSP connection logs
  // protocol noise (invalid messages, failed replies) through window/logMessage, which throws
  // "Connection is disposed" once the client has gone — an unhandled rejection that would end
  // the whole daemon (main.ts exits on those).
  // A refused hello hangs up once its refusal has been handed to the socket (a fixed delay lost the
  // reply on a loaded machine, leaving the client with a silent hang-up).
  let hangUpAfterRefusal = false;
  const replies: MessageWriter = {
    onError: writer.onError,
    onClose: writer.onClose,
    end: () => writer.end(),
    dispose: () => writer.dispose(),
    write: async (m: Message) => {
      await writer.write(m);
      if (hangUpAfterRefusal && (m as { error?: unknown }).error !== undefined) {
        // Outside the connection's own write: disposing it from inside its write never settles.
        setImmediate(shutdown);
      }
    },
  };
  const connection = createMessageConnection(withoutBrokenCancels(reader), replies, quietLogger);
  const inFlight = new Set<AbortController>();
  let session: { id: string; client: ClientContext } | null = null;
  let removeFromHub: (() => void) | null = null;
  let closed = false;
  let resolveClosed: () => void = () => undefined;
  const closedPromise = new Promise<void>((r) => (resolveClosed = r));

  const shutdown = (): void => {
    if (closed) {
      return;
    }
    closed = true;
    for (const c of inFlight) {
      c.abort();
    }
    removeFromHub?.();
    removeFromHub = null;
    connection.dispose();
    resolveClosed();
  };
  reader.onClose(shutdown);
  reader.onError(() => shutdown());
  writer.onClose(shutdown);

  const notify = (method: string, params: unknown): void => {
    if (!closed) {
      void connection.sendNotification(method, params).catch(() => undefined);
    }
  };

  const authenticate = (token: string | undefined, client: ClientContext): ClientHelloResult => {
    if (token === undefined || !tokenMatches(token, deps.token)) {
      // Refuse, then hang up: a wrong token gets no second guess on the same connection. The hang-up
      // follows the refusal's write; the timer is a backstop. Not unref()d: over in-memory streams
      // nothing else may keep the process up until it runs.
      hangUpAfterRefusal = true;
      setTimeout(shutdown, 2000);
      throw new RouterError('unauthorized', token === undefined ? 'client/hello must carry the token from daemon.json' : 'wrong token: read it again from daemon.json (the daemon may have restarted)');
    }
    if (session === null) {
      session = { id: randomUUID(), client };
      removeFromHub = deps.clients.add({ id: session.id, client, notify });
    }
    return { daemonVersion: deps.version, sessionId: session.id };
  };

  const context = (signal: AbortSignal): CallContext => ({
    client: session?.client ?? { kind: 'editor' },
    transport: 'lsp',
    signal,
    notify,
    sessionId: session?.id ?? null,
  });

  const run = async (method: string, params: unknown, token: CancellationToken): Promise<unknown> => {
    deps.onActivity?.();
    const ctl = new AbortController();
    inFlight.add(ctl);
    const sub = token.onCancellationRequested(() => ctl.abort());
    try {
      if (method === 'client/hello') {
        const hello = ClientHelloParams.safeParse(params ?? {});
        if (!hello.success) {
          // Validate the usual way to get the usual invalidParams error.
          return await invoke(deps.handlers, method, params, context(ctl.signal));
        }
        authenticate(hello.data.token, hello.data.client);
        return await invoke(deps.handlers, method, params, context(ctl.signal));
      }
      if (session === null) {
        throw new RouterError('unauthorized', `"${method}" before client/hello: the first request on a connection must be client/hello with the token`);
      }
      return await invoke(deps.handlers, method, params, context(ctl.signal));
    } catch (e) {
      throw toResponseError(e);
    } finally {
      sub.dispose();
      inFlight.delete(ctl);
    }
  };

  // One catch-all handler for the whole table: vscode-jsonrpc calls per-method handlers with
  // positional params spread (`[a, b]` → handler(a, b, token)) and omits params when absent, so
  // their (params, token) signature breaks on such input; the catch-all gets them as sent.
  // Methods outside the table (including LSP's own) get methodNotFound with our code.
  connection.onRequest((method: string, params: unknown, token: CancellationToken) => run(method, params, token));
  // LSP's lifecycle messages: the library's defaults would watch the client's pid and exit the
  // process on `exit`; the daemon serves many clients, so they only concern this connection.
  connection.onRequest('initialize', (raw: unknown) => {
    try {
      const p = InitializeParams.safeParse(raw ?? {});
      const opts = p.success ? p.data.initializationOptions : undefined;
      const name = p.success ? p.data.clientInfo?.name : undefined;
      const hello = authenticate(opts?.token, opts?.client ?? (name ? { kind: 'editor', name } : { kind: 'editor' }));
      return { capabilities: {}, serverInfo: { name: 'llm-router', version: deps.version }, sessionId: hello.sessionId };
    } catch (e) {
      throw toResponseError(e);
    }
  });
  connection.onRequest('shutdown', () => null);
  connection.onNotification('exit', shutdown);
  connection.listen();
  return { closed: closedPromise, close: shutdown };
}
