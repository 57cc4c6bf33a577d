// The extension's end of the webview bridge (json-rpc-2.0 over postMessage). A webview is
// untrusted input: every message is validated with zod, only the allow-listed read-only daemon
// methods are forwarded (plus feedback/submit, strictly shaped, from panels that opt in and only
// for answers they showed), and a bad message gets a JSON-RPC error naming the problem — never a throw.
// No `vscode` import, so it is unit-tested with plain node:test.
import { JSONRPCErrorException, JSONRPCServer, createJSONRPCErrorResponse, createJSONRPCNotification, type JSONRPCResponse } from 'json-rpc-2.0';
import { z } from 'zod';
import { ErrorCodes, RouterError, methods, rpcCodeOf, type ErrorCode } from '../daemon/protocol';
import { BRIDGED_METHODS, isBridgedMethod, type BridgedMethod, type BridgedWriteMethod, type ExtensionNotifications, type WebviewRequests } from '../webview/bridge';

const MAX_MESSAGE_CHARS = 64 * 1024;

const RequestId = z.union([z.string().max(100), z.number().int()]);
/** Webviews only ever send requests (with an id) to the extension; the extension only notifies. */
const WebviewRequestMessage = z
  .object({
    jsonrpc: z.literal('2.0'),
    id: RequestId,
    method: z.string().min(1).max(100),
    params: z.unknown().optional(),
  })
  .strict();

/**
 * Writes are validated by the bridge's own schemas, stricter than the daemon's: a view may give
 * thumbs on a request id, never a score, comment or anything else.
 */
export const writeSchemas = {
  'feedback/submit': z
    .object({
      requestId: z.string().min(1).max(200),
      thumbs: z.enum(['up', 'down']),
    })
    .strict(),
} as const satisfies Record<BridgedWriteMethod, z.ZodType>;

/** Extension-local methods a view may call (not forwarded to the daemon). */
type LocalMethods = Omit<WebviewRequests, BridgedMethod | BridgedWriteMethod>;
export type LocalHandlers = { [M in keyof LocalMethods]: (params: unknown) => ReturnType<LocalMethods[M]> | Promise<ReturnType<LocalMethods[M]>> };

export interface BridgeDeps {
  /** Forwards a validated call to the daemon. */
  callDaemon: (method: BridgedMethod | BridgedWriteMethod, params: unknown) => Promise<unknown>;
  /**
   * The writes this view may make, each with a check of the validated params (for feedback: the
   * request id is one this panel showed). Returns why it is refused, or null to allow it.
   */
  writes?: { [M in BridgedWriteMethod]?: (params: z.infer<(typeof writeSchemas)[M]>) => string | null };
  local: Partial<LocalHandlers>;
  post: (message: unknown) => void | Thenable<boolean>;
  log: (message: string) => void;
}

export class WebviewBridge {
  private readonly server = new JSONRPCServer();

  constructor(private readonly deps: BridgeDeps) {
    const forward = async (method: BridgedMethod | BridgedWriteMethod, params: unknown): Promise<unknown> => {
      try {
        return await deps.callDaemon(method, params);
      } catch (err) {
        if (err instanceof RouterError) {
          throw rpcError(err.code, err.message);
        }
        throw rpcError('internal', err instanceof Error ? err.message : String(err));
      }
    };
    for (const method of BRIDGED_METHODS) {
      this.server.addMethod(method, async (params: unknown) => {
        const parsed = methods[method].params.safeParse(params ?? {});
        if (!parsed.success) {
          throw rpcError('invalidParams', `Invalid params for ${method}: ${z.prettifyError(parsed.error)}`);
        }
        return forward(method, parsed.data);
      });
    }
    for (const [method, check] of Object.entries(deps.writes ?? {})) {
      const schema = writeSchemas[method as BridgedWriteMethod];
      this.server.addMethod(method, async (params: unknown) => {
        const parsed = schema.safeParse(params ?? {});
        if (!parsed.success) {
          throw rpcError('invalidParams', `Invalid params for ${method}: ${z.prettifyError(parsed.error)}`);
        }
        const refused = check(parsed.data);
        if (refused !== null) {
          deps.log(`refused webview ${method}: ${refused}`);
          throw rpcError('invalidParams', refused);
        }
        return forward(method as BridgedWriteMethod, parsed.data);
      });
    }
    for (const [method, handler] of Object.entries(deps.local)) {
      if (handler) {
        this.server.addMethod(method, (params: unknown) => handler(params));
      }
    }
  }

  /** Handles one message from the webview; resolves once any response has been posted. */
  async receive(message: unknown): Promise<void> {
    const response = await this.respond(message);
    if (response) {
      await this.deps.post(response);
    }
  }

  notify<N extends keyof ExtensionNotifications>(method: N, params: Parameters<ExtensionNotifications[N]>[0]): void {
    void this.deps.post(createJSONRPCNotification(method, params));
  }

  private async respond(message: unknown): Promise<JSONRPCResponse | null> {
    let size: number;
    try {
      size = JSON.stringify(message)?.length ?? 0;
    } catch {
      size = Number.POSITIVE_INFINITY;
    }
    if (size > MAX_MESSAGE_CHARS) {
      this.deps.log(`rejected a webview message of ${size} characters (limit ${MAX_MESSAGE_CHARS})`);
      return createJSONRPCErrorResponse(idOf(message), rpcCodeOf('payloadTooLarge'), `Message too large: ${size} characters (limit ${MAX_MESSAGE_CHARS}).`, { code: 'payloadTooLarge' });
    }
    const envelope = WebviewRequestMessage.safeParse(message);
    if (!envelope.success) {
      const problem = z.prettifyError(envelope.error);
      this.deps.log(`rejected a malformed webview message: ${problem}`);
      return createJSONRPCErrorResponse(idOf(message), rpcCodeOf('invalidRequest'), `Not a JSON-RPC 2.0 request: ${problem}`, { code: 'invalidRequest' });
    }
    const { method } = envelope.data;
    // Own keys only: `in` is true for every name on Object.prototype (toString, constructor, …).
    if (!isBridgedMethod(method) && !Object.hasOwn(this.deps.local, method) && !Object.hasOwn(this.deps.writes ?? {}, method)) {
      this.deps.log(`rejected webview call to ${method}: not allowed`);
      const allowed = [...BRIDGED_METHODS, ...Object.keys(this.deps.writes ?? {}), ...Object.keys(this.deps.local)].join(', ');
      return createJSONRPCErrorResponse(envelope.data.id, rpcCodeOf('methodNotFound'), `Method ${method} is not available to this view (allowed: ${allowed}).`, { code: 'methodNotFound' });
    }
    return this.server.receive(envelope.data);
  }
}

function rpcError(code: ErrorCode, message: string): JSONRPCErrorException {
  return new JSONRPCErrorException(message, ErrorCodes[code].rpc, { code });
}

function idOf(message: unknown): string | number | null {
  if (typeof message === 'object' && message !== null && 'id' in message) {
    const parsed = RequestId.safeParse(message.id);
    return parsed.success ? parsed.data : null;
  }
  return null;
}
