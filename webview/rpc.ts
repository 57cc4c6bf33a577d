// The webview's end of the bridge: json-rpc-2.0 over postMessage, typed by webview/bridge.ts.
// Calls go to the extension (which forwards the allow-listed ones to the daemon); notifications
// from the extension are dispatched to handlers registered with `on`.
import { JSONRPCClient, JSONRPCServer, JSONRPCServerAndClient, isJSONRPCRequest, isJSONRPCResponse } from 'json-rpc-2.0';
import type { ExtensionNotifications, WebviewRequests } from './bridge';

interface VsCodeApi {
  postMessage(message: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

type RequestName = keyof WebviewRequests;
type NotificationName = keyof ExtensionNotifications;

const CALL_TIMEOUT_MS = 30_000;

export class Bridge {
  private readonly rpc: JSONRPCServerAndClient;

  constructor(vscodeApi: VsCodeApi = acquireVsCodeApi()) {
    this.rpc = new JSONRPCServerAndClient(
      new JSONRPCServer(),
      new JSONRPCClient((request) => {
        vscodeApi.postMessage(request);
      }),
    );
    window.addEventListener('message', (event: MessageEvent<unknown>) => {
      // Only JSON-RPC from the extension is meaningful here; anything else is ignored.
      if (isJSONRPCRequest(event.data) || isJSONRPCResponse(event.data)) {
        void this.rpc.receiveAndSend(event.data, undefined, undefined);
      }
    });
  }

  call<M extends RequestName>(method: M, params: Parameters<WebviewRequests[M]>[0]): Promise<ReturnType<WebviewRequests[M]>> {
    return Promise.resolve(this.rpc.timeout(CALL_TIMEOUT_MS).request(method, params, undefined)) as Promise<ReturnType<WebviewRequests[M]>>;
  }

  on<N extends NotificationName>(method: N, handler: ExtensionNotifications[N]): void {
    this.rpc.addMethod(method, (params: Parameters<ExtensionNotifications[N]>[0]) => {
      handler(params as never);
    });
  }
}
