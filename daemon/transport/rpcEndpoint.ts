// POST /rpc: JSON-RPC 2.0 over HTTP, served by json-rpc-2.0's JSONRPCServer over the same
// handler table as the LSP channel. Our stable string code travels in `error.data.code`.
import { createJSONRPCErrorResponse, JSONRPCServer, type JSONRPCID, type JSONRPCRequest } from 'json-rpc-2.0';
import { RouterError } from '../protocol/errors';
import { methods } from '../protocol/methods';
import type { CallContext, Handlers } from '../handlers/types';
import { invoke } from './dispatch';
import { asRouterError, rpcErrorOf } from './errors';

function errorResponse(id: JSONRPCID, err: RouterError): ReturnType<typeof createJSONRPCErrorResponse> {
  const e = rpcErrorOf(err);
  return createJSONRPCErrorResponse(id, e.code, e.message, e.data);
}

export class RpcEndpoint {
  // Refusals (RouterError) are answers, not incidents; anything else is a bug worth a log line.
  private readonly server = new JSONRPCServer<CallContext>({
    errorListener: (message: string, data: unknown) => {
      if (!(data instanceof RouterError)) {
        console.error(message, data);
      }
    },
  });

  constructor(handlers: Handlers) {
    for (const name of Object.keys(methods)) {
      this.server.addMethod(name, (params, ctx) => invoke(handlers, name, params, ctx));
    }
    this.server.mapErrorToJSONRPCErrorResponse = (id, error: unknown) => errorResponse(id, asRouterError(error));
    this.server.handleMethodNotFound = async (request: JSONRPCRequest) =>
      errorResponse(request.id ?? null, new RouterError('methodNotFound', `unknown method "${request.method}": methods are ${Object.keys(methods).join(', ')}`, { method: request.method }));
  }

  /** Answers one parsed JSON body (a request or a batch); null when it held only notifications. */
  async receive(body: unknown, ctx: CallContext): Promise<unknown> {
    if (Array.isArray(body)) {
      if (body.length === 0) {
        return errorResponse(null, new RouterError('invalidRequest', 'an empty batch: send at least one JSON-RPC request'));
      }
      const answers = await Promise.all(body.map((one: unknown) => this.receiveOne(one, ctx)));
      const present = answers.filter((a) => a !== null);
      return present.length > 0 ? present : null;
    }
    return this.receiveOne(body, ctx);
  }

  private async receiveOne(body: unknown, ctx: CallContext): Promise<unknown> {
    if (!isRequest(body)) {
      const id = typeof body === 'object' && body !== null && 'id' in body ? idOf((body as { id: unknown }).id) : null;
      return errorResponse(id, new RouterError('invalidRequest', 'not a JSON-RPC 2.0 request: expected {"jsonrpc":"2.0","id":1,"method":"area/verb","params":{…}}'));
    }
    return this.server.receive(body, ctx);
  }
}

function idOf(v: unknown): JSONRPCID {
  return typeof v === 'string' || typeof v === 'number' ? v : null;
}

function isRequest(v: unknown): v is JSONRPCRequest {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    return false;
  }
  const o = v as Record<string, unknown>;
  const idOk = o.id === undefined || o.id === null || typeof o.id === 'string' || typeof o.id === 'number';
  const paramsOk = o.params === undefined || (typeof o.params === 'object' && o.params !== null);
  return o.jsonrpc === '2.0' && typeof o.method === 'string' && idOk && paramsOk;
}
