// A typed JSON-RPC client for the daemon's HTTP `/rpc` endpoint, for scripts, the CLI and tests.
// Errors come back as RouterError with the daemon's stable string code (carried in `data.code`).
import { Agent, request } from 'node:http';
import { JSONRPCClient, JSONRPCErrorException, type JSONRPCResponse } from 'json-rpc-2.0';
import { z } from 'zod';
import { RouterError, errorCodeFromRpc, isErrorCode, rpcCodeOf } from '../protocol/errors';
import type { MethodName, ParamsIn, Result } from '../protocol/methods';

export interface HttpRpcTarget {
  port: number;
  token: string;
  /** Defaults to 127.0.0.1: the daemon listens on loopback only. */
  host?: string;
  /** Per call; 0 disables. Default 120 s (a routed chat may take a while). */
  timeoutMs?: number;
}

export interface HttpRpcClient {
  call<M extends MethodName>(method: M, params: ParamsIn<M>): Promise<Result<M>>;
  /** Closes kept-alive sockets so the process can exit. */
  close(): void;
}

const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

const ErrorData = z.object({ code: z.string(), details: z.record(z.string(), z.unknown()).optional() }).loose();
/** Non-JSON-RPC error bodies the HTTP layer may send (e.g. 401 before the RPC layer). */
const PlainErrorBody = z.object({ error: z.object({ code: z.string().optional(), message: z.string() }).loose() }).loose();

/** Rebuilds our error from whatever the wire carried. */
export function toRouterError(e: unknown): RouterError {
  if (e instanceof RouterError) {
    return e;
  }
  if (e instanceof JSONRPCErrorException) {
    const data = ErrorData.safeParse(e.data);
    if (data.success && isErrorCode(data.data.code)) {
      return new RouterError(data.data.code, e.message, data.data.details);
    }
    return new RouterError(errorCodeFromRpc(e.code), e.message);
  }
  // vscode-jsonrpc's ResponseError (the LSP channel) carries the same {code, message, data}.
  if (e instanceof Error && typeof (e as { code?: unknown }).code === 'number') {
    const wire = e as Error & { code: number; data?: unknown };
    const data = ErrorData.safeParse(wire.data);
    if (data.success && isErrorCode(data.data.code)) {
      return new RouterError(data.data.code, wire.message, data.data.details);
    }
    return new RouterError(errorCodeFromRpc(wire.code), wire.message);
  }
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'ECONNREFUSED' || err.code === 'ECONNRESET' || err.code === 'EPIPE') {
    return new RouterError('providerUnavailable', `The LLM Router daemon is not reachable (${err.code}); is it running? Try \`llm-router status\`.`, { daemonUnreachable: true });
  }
  return new RouterError('internal', e instanceof Error ? e.message : String(e));
}

export function createHttpRpcClient(target: HttpRpcTarget): HttpRpcClient {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const host = target.host ?? '127.0.0.1';
  const timeoutMs = target.timeoutMs ?? 120_000;

  const post = (payload: unknown): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const body = Buffer.from(JSON.stringify(payload), 'utf8');
      const req = request(
        {
          host,
          port: target.port,
          path: '/rpc',
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': body.length, authorization: `Bearer ${target.token}` },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_RESPONSE_BYTES) {
              req.destroy(new RouterError('payloadTooLarge', 'The daemon answered with more than 32 MiB.'));
              return;
            }
            chunks.push(c);
          });
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = text === '' ? null : JSON.parse(text);
            } catch {
              reject(new RouterError('internal', `The daemon answered HTTP ${res.statusCode ?? '?'} with a body that is not JSON.`));
              return;
            }
            if (json !== null && typeof json === 'object' && 'jsonrpc' in json) {
              client.receive(json as JSONRPCResponse);
              resolve();
              return;
            }
            const plain = PlainErrorBody.safeParse(json);
            if (plain.success) {
              const code = plain.data.error.code;
              reject(new RouterError(isErrorCode(code) ? code : 'internal', plain.data.error.message));
              return;
            }
            reject(new RouterError('internal', `The daemon answered HTTP ${res.statusCode ?? '?'} without a JSON-RPC response.`));
          });
        },
      );
      if (timeoutMs > 0) {
        req.setTimeout(timeoutMs, () => req.destroy(new RouterError('providerTimeout', `No answer from the daemon within ${timeoutMs} ms.`)));
      }
      req.on('error', reject);
      req.end(body);
    });

  // json-rpc-2.0 turns a rejected send into a generic error and loses our code, so transport
  // failures are answered here as JSON-RPC errors carrying the code in `data`, like the daemon's.
  const send = async (payload: unknown): Promise<void> => {
    try {
      await post(payload);
    } catch (e) {
      const id = (payload as { id?: unknown } | null)?.id;
      if (typeof id !== 'string' && typeof id !== 'number') {
        return;
      }
      const err = toRouterError(e);
      client.receive({ jsonrpc: '2.0', id, error: { code: rpcCodeOf(err.code), message: err.message, data: { code: err.code, ...(err.details ? { details: err.details } : {}) } } });
    }
  };
  const client: JSONRPCClient = new JSONRPCClient(send);

  return {
    async call<M extends MethodName>(method: M, params: ParamsIn<M>): Promise<Result<M>> {
      try {
        return (await client.request(method, params as Record<string, unknown>)) as Result<M>;
      } catch (e) {
        throw toRouterError(e);
      }
    },
    close(): void {
      client.rejectAllPendingRequests('client closed');
      agent.destroy();
    },
  };
}
