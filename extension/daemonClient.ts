// The extension's one connection to the per-user daemon: start or attach, open the LSP-framed
// JSON-RPC channel over the daemon's local socket, say `client/hello` with the token, then offer a
// typed `call`. When the daemon goes away (idle exit, crash, kill) the next call starts or attaches
// again, and a background reconnect keeps notifications (spend, deltas) flowing.
//
// Why not `LanguageClient`: it always opens with the LSP `initialize` handshake and document sync,
// while the daemon's channel opens with `client/hello` and carries no documents. The same package's
// JSON-RPC connection gives the LSP framing without the handshake.
import * as net from 'node:net';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  createMessageConnection,
  ErrorCodes as JsonRpcErrorCodes,
  ResponseError,
  SocketMessageReader,
  SocketMessageWriter,
  type MessageConnection,
} from 'vscode-languageclient/node';
import { startOrAttach } from '../daemon/lifecycle/attach';
import { routerHome } from '../daemon/lifecycle/home';
import {
  errorCodeFromRpc,
  type BudgetAlertNotification,
  type BudgetChangedNotification,
  budgetNotifications,
  isErrorCode,
  notifications,
  RouterError,
  type ChatDeltaNotification,
  type ClientHelloResult,
  type DiscoveryInfo,
  type MethodName,
  type ParamsIn,
  type Result,
  type SpendChangedNotification,
  editorNotifications,
  type SpendingChangedNotification,
} from '../daemon/protocol';
import type { Config } from './config';

export type DaemonState = 'stopped' | 'connecting' | 'connected' | 'disconnected';

const MAX_BACKGROUND_RECONNECTS = 5;
const CONNECT_TIMEOUT_MS = 15_000;

export interface DaemonClientDeps {
  extensionPath: string;
  extensionVersion: string;
  config: Config;
  log: vscode.LogOutputChannel;
}

interface Session {
  connection: MessageConnection;
  socket: net.Socket;
  info: DiscoveryInfo;
  hello: ClientHelloResult;
}

export class DaemonClient implements vscode.Disposable {
  private session: Session | undefined;
  private connecting: Promise<Session> | undefined;
  private disposed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectAttempts = 0;
  private currentState: DaemonState = 'stopped';

  private readonly stateEmitter = new vscode.EventEmitter<DaemonState>();
  private readonly chatDeltaEmitter = new vscode.EventEmitter<ChatDeltaNotification>();
  private readonly spendChangedEmitter = new vscode.EventEmitter<SpendChangedNotification>();
  readonly onDidChangeState = this.stateEmitter.event;
  readonly onChatDelta = this.chatDeltaEmitter.event;
  private readonly budgetAlertEmitter = new vscode.EventEmitter<BudgetAlertNotification>();
  private readonly budgetChangedEmitter = new vscode.EventEmitter<BudgetChangedNotification>();
  private readonly spendingChangedEmitter = new vscode.EventEmitter<SpendingChangedNotification>();
  readonly onSpendingChanged = this.spendingChangedEmitter.event;
  readonly onSpendChanged = this.spendChangedEmitter.event;
  readonly onBudgetAlert = this.budgetAlertEmitter.event;
  readonly onBudgetChanged = this.budgetChangedEmitter.event;

  constructor(private readonly deps: DaemonClientDeps) {}

  get state(): DaemonState {
    return this.currentState;
  }

  /** What the discovery file said when this window last attached. */
  get discovery(): DiscoveryInfo | undefined {
    return this.session?.info;
  }

  /** The daemon's folder (created private if missing): the setting, else $LLM_ROUTER_HOME, else the OS default. */
  get home(): string {
    const configured = this.deps.config.home;
    return routerHome(configured === undefined ? process.env : { ...process.env, LLM_ROUTER_HOME: configured });
  }

  /** Starts or attaches now; later calls reuse the session. */
  async start(): Promise<DiscoveryInfo> {
    return (await this.ready()).info;
  }

  /** A cancelled `token` sends `$/cancelRequest`: the daemon aborts the upstream call. */
  async call<M extends MethodName>(method: M, params: ParamsIn<M>, token?: vscode.CancellationToken): Promise<Result<M>> {
    const session = await this.ready();
    try {
      return (await (token ? session.connection.sendRequest(method, params, token) : session.connection.sendRequest(method, params))) as Result<M>;
    } catch (err) {
      throw toRouterError(err);
    }
  }

  /** Drops the session and attaches again (after settings that affect the daemon changed). */
  async reconnect(): Promise<DiscoveryInfo> {
    this.closeSession();
    return this.start();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.reconnectTimer);
    this.closeSession();
    this.stateEmitter.dispose();
    this.chatDeltaEmitter.dispose();
    this.spendChangedEmitter.dispose();
    this.budgetAlertEmitter.dispose();
    this.budgetChangedEmitter.dispose();
    this.spendingChangedEmitter.dispose();
  }

  private ready(): Promise<Session> {
    if (this.disposed) {
      return Promise.reject(new RouterError('cancelled', 'LLM Router is shutting down.'));
    }
    if (this.session && !socketClosed(this.session.socket)) {
      return Promise.resolve(this.session);
    }
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<Session> {
    this.setState('connecting');
    const { config, extensionPath, extensionVersion, log } = this.deps;
    let home = config.home ?? process.env.LLM_ROUTER_HOME ?? 'the default home';
    try {
      home = this.home;
      const info = await startOrAttach({
        home,
        daemonScript: path.join(extensionPath, 'dist', 'daemon.js'),
        // The editor's own runtime runs the daemon: N-API modules (the keychain) load without a rebuild.
        execPath: process.execPath,
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', LLM_ROUTER_HOME: home },
        args: config.daemonArgs(),
        expectedVersion: extensionVersion,
      });
      const socket = await openSocket(info.socketPath);
      const connection = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
      connection.onNotification(notifications.chatDelta, (params: ChatDeltaNotification) => this.chatDeltaEmitter.fire(params));
      connection.onNotification(notifications.spendChanged, (params: SpendChangedNotification) => this.spendChangedEmitter.fire(params));
      connection.onNotification(budgetNotifications.budgetAlert, (params: BudgetAlertNotification) => this.budgetAlertEmitter.fire(params));
      connection.onNotification(budgetNotifications.budgetChanged, (params: BudgetChangedNotification) => this.budgetChangedEmitter.fire(params));
      connection.onNotification(editorNotifications.spendingChanged, (params: SpendingChangedNotification) => this.spendingChangedEmitter.fire(params));
      connection.onClose(() => this.handleClose(connection));
      connection.onError(([error]) => log.warn(`daemon connection error: ${error.message}`));
      connection.listen();
      let hello: ClientHelloResult;
      try {
        hello = (await connection.sendRequest('client/hello', {
          client: { kind: 'editor', name: vscode.env.appName, workspace: workspaceLabel() },
          version: extensionVersion,
          token: info.token,
        })) as ClientHelloResult;
      } catch (err) {
        connection.dispose();
        socket.destroy();
        throw toRouterError(err);
      }
      const session: Session = { connection, socket, info, hello };
      this.session = session;
      this.reconnectAttempts = 0;
      log.info(`attached to daemon ${info.version} (pid ${info.pid}, port ${info.port}, session ${hello.sessionId})`);
      this.setState('connected');
      return session;
    } catch (err) {
      this.setState('disconnected');
      log.error(`could not start or attach to the daemon in ${home}: ${errorMessage(err)}`);
      throw err instanceof RouterError ? err : new RouterError('internal', `Could not start or attach to the LLM Router daemon: ${errorMessage(err)}`);
    }
  }

  private handleClose(connection: MessageConnection): void {
    if (this.session?.connection !== connection) {
      return;
    }
    this.deps.log.warn('daemon connection closed');
    this.closeSession();
    if (this.disposed) {
      return;
    }
    this.setState('disconnected');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.reconnectAttempts >= MAX_BACKGROUND_RECONNECTS) {
      return; // the next call tries again
    }
    const delay = 1000 * 2 ** this.reconnectAttempts;
    this.reconnectAttempts += 1;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.ready().catch(() => this.scheduleReconnect());
    }, delay);
  }

  private closeSession(): void {
    const session = this.session;
    this.session = undefined;
    if (session) {
      // dispose() rejects pending requests, so callers see the loss instead of hanging.
      session.connection.dispose();
      session.socket.destroy();
    }
    if (!this.disposed) {
      this.setState('stopped');
    }
  }

  private setState(state: DaemonState): void {
    if (state !== this.currentState && !this.disposed) {
      this.currentState = state;
      this.stateEmitter.fire(state);
    }
  }
}

function openSocket(socketPath: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`timed out connecting to ${socketPath}`));
    }, CONNECT_TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function socketClosed(socket: net.Socket): boolean {
  return socket.destroyed || !socket.writable;
}

function workspaceLabel(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? vscode.workspace.name;
}

/** Rebuilds the daemon's error (stable code, message verbatim) from a JSON-RPC error. */
export function toRouterError(err: unknown): RouterError {
  if (err instanceof RouterError) {
    return err;
  }
  if (err instanceof ResponseError) {
    if (err.code === JsonRpcErrorCodes.PendingResponseRejected || err.code === JsonRpcErrorCodes.ConnectionInactive) {
      return new RouterError('internal', 'The connection to the LLM Router daemon was lost; the next request starts or attaches to it again.');
    }
    const data: unknown = err.data;
    const dataCode = typeof data === 'object' && data !== null && 'code' in data ? data.code : undefined;
    const code = isErrorCode(dataCode) ? dataCode : errorCodeFromRpc(err.code);
    return new RouterError(code, err.message);
  }
  return new RouterError('internal', errorMessage(err));
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
