// What `activate` hands to any other extension (and to the workbench tests): read-only views.
// Every extension in the window can reach this object, so it forwards only the reads a webview
// may make — never keys, budgets, chat (spend) or daemon shutdown — and never the daemon's token.
// No `vscode` import, so it is unit-tested with plain node:test.
import { RouterError, type DiscoveryInfo, type MethodName, type ParamsIn, type Result } from '../daemon/protocol';
import { BRIDGED_METHODS, isBridgedMethod, type BridgedMethod } from '../webview/bridge';

/** The daemon methods the exported API forwards: the read-only list webviews get. */
export const API_METHODS = BRIDGED_METHODS;
export type ApiMethod = BridgedMethod;

/** The discovery record without its bearer token. */
export type PublicDaemonInfo = Omit<DiscoveryInfo, 'token'>;

type DaemonCall = <M extends MethodName>(method: M, params: ParamsIn<M>) => Promise<Result<M>>;

/** `call` for the exported API: allow-listed reads go through; anything else is methodNotFound. */
export function readOnlyCall(call: DaemonCall): <M extends ApiMethod>(method: M, params: ParamsIn<M>) => Promise<Result<M>> {
  return (method, params) => {
    // Checked at run time: callers are other extensions' JavaScript, not our types.
    if (typeof method !== 'string' || !isBridgedMethod(method)) {
      return Promise.reject(
        new RouterError('methodNotFound', `${String(method)} is not available through the LLM Router extension API, which offers read-only methods: ${API_METHODS.join(', ')}`),
      );
    }
    return call(method, params);
  };
}

export function withoutToken(info: DiscoveryInfo): PublicDaemonInfo {
  return { version: info.version, pid: info.pid, socketPath: info.socketPath, port: info.port, startedAt: info.startedAt };
}
