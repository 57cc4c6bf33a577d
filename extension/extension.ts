// Entry point: wires the parts together on activation and tears them down on deactivation.
import * as vscode from 'vscode';
import type { ChatDeltaNotification, ParamsIn, Result, SpendSummaryResult } from '../daemon/protocol';
import type { AnswerSnapshot } from '../webview/bridge';
import { AnswerPanel } from './answerPanel';
import { watchBudgetAlerts } from './budgetAlerts';
import { registerCommands } from './commands';
import { Config } from './config';
import { OUTPUT_CHANNEL_NAME } from './constants';
import { DashboardPanel } from './dashboardPanel';
import { DaemonClient, errorMessage } from './daemonClient';
import { readOnlyCall, withoutToken, type ApiMethod, type PublicDaemonInfo } from './publicApi';
import { SpendStatusBar } from './statusBar';

/** What `activate` returns: read-only views for tests and other extensions (see publicApi.ts). */
export interface LlmRouterApi {
  /** Resolves once this window is attached to the daemon (its discovery record, without the token). */
  ready(): Promise<PublicDaemonInfo>;
  /** Read-only daemon methods only (API_METHODS); keys, budgets, chat and shutdown are refused. */
  call<M extends ApiMethod>(method: M, params: ParamsIn<M>): Promise<Result<M>>;
  /** Streamed answer pieces of every `chat/complete` this window sent with a streamId. */
  onChatDelta: vscode.Event<ChatDeltaNotification>;
  statusBarText(): string;
  refreshStatusBar(): Promise<SpendSummaryResult | undefined>;
  /** The summary the status bar last showed (updated by spend/changed and the timer). */
  statusBarSummary(): SpendSummaryResult | undefined;
  lastAnswer(): AnswerSnapshot | null;
  dashboardOpen(): boolean;
}

export function activate(context: vscode.ExtensionContext): LlmRouterApi {
  const log = vscode.window.createOutputChannel(OUTPUT_CHANNEL_NAME, { log: true });
  const config = new Config();
  const daemon = new DaemonClient({
    extensionPath: context.extensionPath,
    extensionVersion: String(context.extension.packageJSON.version),
    config,
    log,
  });
  const statusBar = new SpendStatusBar(daemon);
  const dashboard = new DashboardPanel(context.extensionUri, daemon, log);
  const answers = new AnswerPanel(context.extensionUri, daemon, log);
  context.subscriptions.push(
    log,
    daemon,
    statusBar,
    dashboard,
    answers,
    ...registerCommands({ daemon, config, statusBar, dashboard, answers, log }),
    watchBudgetAlerts(daemon),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (Config.affectsReconnect(event)) {
        daemon.reconnect().catch((err: unknown) => log.error(`reconnect after a settings change failed: ${errorMessage(err)}`));
      }
    }),
  );

  const attached = daemon.start();
  attached.catch((err: unknown) => {
    void vscode.window.showErrorMessage(`LLM Router: ${errorMessage(err)}`);
  });

  return {
    ready: async () => withoutToken(await daemon.start()),
    call: readOnlyCall((method, params) => daemon.call(method, params)),
    onChatDelta: daemon.onChatDelta,
    statusBarText: () => statusBar.text,
    refreshStatusBar: async () => {
      await statusBar.refresh();
      return statusBar.summary;
    },
    statusBarSummary: () => statusBar.summary,
    lastAnswer: () => answers.snapshot,
    dashboardOpen: () => dashboard.isOpen,
  };
}

export function deactivate(): void {
  // Everything is in context.subscriptions; closing the socket detaches this window only.
}
