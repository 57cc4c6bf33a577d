// A typed client for the daemon's LSP channel (JSON-RPC with LSP framing over the local socket),
// for scripts and tests that want what HTTP cannot give: notifications such as `chat/delta` and
// `spend/changed`. The editor uses vscode-languageclient the same way.
import { connect, type Socket } from 'node:net';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter, type MessageConnection } from 'vscode-languageserver/node';
import type { ClientHelloResult, MethodName, ParamsIn, Result } from '../protocol/methods';
import type { ClientContext } from '../protocol/routing';
import { toRouterError } from './httpClient';

export interface LspRpcClient {
  readonly hello: ClientHelloResult;
  call<M extends MethodName>(method: M, params: ParamsIn<M>): Promise<Result<M>>;
  /** Returns an unsubscribe function. */
  onNotification(method: string, handler: (params: unknown) => void): () => void;
  /** Resolves when the connection ends, from either side. */
  readonly closed: Promise<void>;
  close(): void;
}

function openSocket(path: string, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(toRouterError(Object.assign(new Error(`no answer on ${path} within ${timeoutMs} ms`), { code: 'ECONNREFUSED' })));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (e) => {
      clearTimeout(timer);
      reject(toRouterError(e));
    });
  });
}

/** Connects and says hello with the token; the daemon refuses every other request before that. */
export async function connectLspClient(
  target: { socketPath: string; token: string },
  client: Partial<ClientContext> & { kind: ClientContext['kind'] },
  options: { version?: string; timeoutMs?: number } = {},
): Promise<LspRpcClient> {
  const socket = await openSocket(target.socketPath, options.timeoutMs ?? 5_000);
  const connection: MessageConnection = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  connection.onClose(() => resolveClosed());
  socket.on('close', () => resolveClosed());
  connection.listen();

  const close = (): void => {
    connection.dispose();
    socket.destroy();
    resolveClosed();
  };

  const call = async <M extends MethodName>(method: M, params: ParamsIn<M>): Promise<Result<M>> => {
    try {
      return (await connection.sendRequest(method, params)) as Result<M>;
    } catch (e) {
      throw toRouterError(e);
    }
  };

  let hello: ClientHelloResult;
  try {
    hello = (await connection.sendRequest('client/hello', { client, token: target.token, ...(options.version !== undefined ? { version: options.version } : {}) })) as ClientHelloResult;
  } catch (e) {
    close();
    throw toRouterError(e);
  }

  return {
    hello,
    call,
    onNotification(method, handler) {
      const d = connection.onNotification(method, (params: unknown) => handler(params));
      return () => d.dispose();
    },
    closed,
    close,
  };
}
