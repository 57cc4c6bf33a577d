// The typed handler table both transports serve.
import type { MethodName, Params, Result } from '../protocol/methods';
import type { ClientContext } from '../protocol/routing';

export interface CallContext {
  /** Who is calling: the LSP session's hello, or a script over HTTP. */
  client: ClientContext;
  transport: 'lsp' | 'http';
  /** Aborted when the caller goes away or cancels. */
  signal: AbortSignal;
  /** Sends a notification to this caller only (no-op over HTTP). */
  notify(method: string, params: unknown): void;
  /** The LSP session id (set after client/hello). */
  sessionId: string | null;
}

export type Handler<M extends MethodName> = (params: Params<M>, ctx: CallContext) => Promise<Result<M>>;
export type Handlers = { [M in MethodName]: Handler<M> };
