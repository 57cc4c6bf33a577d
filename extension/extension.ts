// Entry point: wires the parts together on activation and tears them down on deactivation.
import * as vscode from 'vscode';
import type { ChatDeltaNotification, ParamsIn, Result, SpendSummaryResult } from '../daemon/protocol';
import type { AnswerSnapshot } from '../webview/bridge';
import { AnswerPanel } from './answerPanel';
import { LastTextEditor } from './insertTarget';
import { watchBudgetAlerts } from './budgetAlerts';
import { registerCommands } from './commands';
import { Config } from './config';
import { OUTPUT_CHANNEL_NAME } from './constants';
import { DashboardPanel } from './dashboardPanel';
import { DaemonClient, errorMessage } from './daemonClient';
import { readOnlyCall, withoutToken, type ApiMethod, type PublicDaemonInfo } from './publicApi';
import { SpendStatusBar } from './statusBar';
import { LastAnswerTracker, type LastAnswer } from './lastAnswer';
import { CHAT_CLIENT_NAME, RouterChatProvider, registerChatProvider } from './lmProvider';
import { RoutingLog } from './routingLog';
import { WalkthroughProgress } from './walkthroughProgress';

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
  /** Time spent in activate() (ms): the daemon attaches in the background after it. */
  activationMs(): number;
  /** The last answer this window got, from Ask or from VS Code's chat. */
  lastRouting(): LastAnswer | undefined;
  statusBarTooltip(): string;
  /** The status bar item's background theme color id, if any (warning at alert, error at the limit or when paused). */
  statusBarBackground(): string | undefined;
}

export function activate(context: vscode.ExtensionContext): LlmRouterApi {
  const activationStarted = performance.now();
  const log = vscode.window.createOutputChannel(OUTPUT_CHANNEL_NAME, { log: true });
  const config = new Config();
  const daemon = new DaemonClient({
    extensionPath: context.extensionPath,
    extensionVersion: String(context.extension.packageJSON.version),
    config,
    log,
  });
  const lastAnswer = new LastAnswerTracker();
  const routingLog = new RoutingLog(daemon, config);
  const statusBar = new SpendStatusBar(daemon, lastAnswer);
  const chatProvider = new RouterChatProvider(daemon, config, lastAnswer, log);
  const dashboard = new DashboardPanel(context.extensionUri, daemon, log);
  const lastTextEditor = new LastTextEditor(vscode.window);
  const answers = new AnswerPanel(context.extensionUri, daemon, log, () => lastTextEditor.target());
  const walkthrough = new WalkthroughProgress();
  context.subscriptions.push(
    log,
    daemon,
    statusBar,
    dashboard,
    answers,
    lastTextEditor,
    lastAnswer,
    routingLog,
    chatProvider,
    registerChatProvider(chatProvider),
    ...registerCommands({ daemon, config, statusBar, dashboard, answers, log, lastAnswer, routingLog, walkthrough }),
    lastAnswer.onDidChange((answer) => walkthrough.done(answer.source === CHAT_CLIENT_NAME ? 'chat' : 'ask')),
    watchBudgetAlerts(daemon),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (Config.affectsReconnect(event)) {
        daemon.reconnect().catch((err: unknown) => log.error(`reconnect after a settings change failed: ${errorMessage(err)}`));
      }
    }),
  );

  const attached = daemon.start();
  // The routing log starts from what the ledger holds now; later rows are logged as they land.
  attached.then(() => routingLog.catchUp()).catch(() => undefined);
  attached.catch((err: unknown) => {
    void vscode.window.showErrorMessage(`LLM Router: ${errorMessage(err)}`);
  });

  const activationMs = performance.now() - activationStarted;
  log.info(`activated in ${activationMs.toFixed(1)} ms`);
  return {
    activationMs: () => activationMs,
    lastRouting: () => lastAnswer.current,
    statusBarTooltip: () => statusBar.tooltipText,
    statusBarBackground: () => statusBar.background,
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
