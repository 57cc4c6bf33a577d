// Entry point: wires the parts together on activation and tears them down on deactivation.
import * as vscode from 'vscode';
import type { ChatDeltaNotification, DiscoveryInfo, MethodName, ParamsIn, Result, SpendSummaryResult } from '../daemon/protocol';
import type { AnswerSnapshot } from '../webview/bridge';
import { AnswerPanel } from './answerPanel';
import { watchBudgetAlerts } from './budgetAlerts';
import { registerCommands } from './commands';
import { Config } from './config';
import { OUTPUT_CHANNEL_NAME } from './constants';
import { DashboardPanel } from './dashboardPanel';
import { DaemonClient, errorMessage } from './daemonClient';
import { SpendStatusBar } from './statusBar';

/** What `activate` returns: read-only views for tests and other extensions. */
export interface LlmRouterApi {
  /** Resolves once this window is attached to the daemon. */
  ready(): Promise<DiscoveryInfo>;
  call<M extends MethodName>(method: M, params: ParamsIn<M>): Promise<Result<M>>;
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
    ready: () => daemon.start(),
    call: (method, params) => daemon.call(method, params),
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
