// Every command is a factory `(ctx) => handler` (vscode_deno's shape): registration is one loop and
// each handler can be exercised alone. Handlers return what they did, so tests can assert on it.
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { z } from 'zod';
import type {
  ChatCompleteResult,
  DaemonStatusResult,
  KeysDeleteResult,
  KeysListResult,
  KeysSetResult,
  ParamsIn,
  RouteEstimateResult,
  RoutingOptions,
} from '../daemon/protocol';
import { formatMs, formatUsd } from '../webview/format';
import type { AnswerPanel } from './answerPanel';
import type { Config } from './config';
import { Commands, type CommandId } from './constants';
import type { DashboardPanel } from './dashboardPanel';
import { toRouterError, type DaemonClient } from './daemonClient';
import type { SpendStatusBar } from './statusBar';

export interface CommandContext {
  daemon: DaemonClient;
  config: Config;
  statusBar: SpendStatusBar;
  dashboard: DashboardPanel;
  answers: AnswerPanel;
  log: vscode.LogOutputChannel;
}

type Handler = (...args: unknown[]) => Promise<unknown>;
type Factory = (ctx: CommandContext) => Handler;

/** Scripted callers (tests, keybindings with args) may pass the question instead of typing it. */
const AskArgs = z.object({ question: z.string().min(1).max(200_000) });
const DEFAULT_SELECTION_INSTRUCTION = 'Explain this code.';

export const ask: Factory = (ctx) => async (arg?: unknown): Promise<ChatCompleteResult | undefined> => {
  const editor = vscode.window.activeTextEditor;
  const selection = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : '';
  let question = AskArgs.safeParse(arg).data?.question;
  if (question === undefined) {
    const typed = await vscode.window.showInputBox({
      title: 'LLM Router: Ask (auto-routed)',
      prompt: selection ? 'What should the model do with the selection? (empty: explain it)' : 'Ask anything; LLM Router picks the model',
      placeHolder: selection ? DEFAULT_SELECTION_INSTRUCTION : 'How do I…',
      ignoreFocusOut: true,
    });
    if (typed === undefined || (typed.trim() === '' && !selection)) {
      return undefined;
    }
    question = typed.trim() === '' ? DEFAULT_SELECTION_INSTRUCTION : typed.trim();
  }
  const languageId = editor?.document.languageId;
  const content = selection ? `${question}\n\n\`\`\`${languageId ?? ''}\n${selection}\n\`\`\`` : question;

  const routing: RoutingOptions = { tradeoff: ctx.config.defaultTradeoff };
  const request = {
    model: 'auto',
    messages: [{ role: 'user' as const, content }],
    routing,
    context: {
      kind: 'editor' as const,
      name: vscode.env.appName,
      workspace: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
      command: 'ask',
      languageId,
      selectionChars: selection.length,
      diagnosticsCount: editor ? vscode.languages.getDiagnostics(editor.document.uri).length : 0,
    },
  };
  const confirmed = await confirmCost(ctx, request);
  if (confirmed === false) {
    return undefined;
  }

  const streamId = randomUUID();
  ctx.answers.start(question);
  const deltas = ctx.daemon.onChatDelta((delta) => {
    if (delta.streamId === streamId) {
      ctx.answers.append(delta.text);
    }
  });
  const started = Date.now();
  try {
    // The planned id makes the daemon run the plan that was shown (a per-request A/B arm included).
    const result = await ctx.daemon.call('chat/complete', { ...request, streamId, ...(confirmed.requestId !== undefined ? { requestId: confirmed.requestId } : {}) });
    const latencyMs = Date.now() - started;
    ctx.answers.finish({ result, latencyMs });
    ctx.log.info(`ask answered by ${result.routing.model} (${result.routing.provider}) for ${formatUsd(result.routing.actualCostUsd)} in ${formatMs(latencyMs)}: ${result.routing.reason}`);
    void ctx.statusBar.refresh();
    return result;
  } catch (err) {
    const error = toRouterError(err);
    ctx.answers.fail({ code: error.code, message: error.message });
    void vscode.window.showErrorMessage(`LLM Router: ${error.message}`);
    return undefined;
  } finally {
    deltas.dispose();
  }
};

/**
 * Asks before sending when the daemon says so (an estimate above the user's confirmation amount,
 * an unknown price, or a budget the request would exceed that allows confirming). On yes, an
 * over-budget request is resent with `confirmOverBudget`. A failed estimate never blocks asking.
 */
async function confirmCost(ctx: CommandContext, request: ParamsIn<'route/estimate'> & { routing: RoutingOptions }): Promise<false | { requestId?: string }> {
  let estimate: RouteEstimateResult;
  try {
    estimate = await ctx.daemon.call('route/estimate', request);
  } catch (err) {
    ctx.log.warn(`route/estimate failed, asking without a cost check: ${toRouterError(err).message}`);
    return {};
  }
  const planned = { requestId: estimate.requestId };
  if (!estimate.needsConfirmation || (estimate.exceeds !== null && !estimate.exceeds.confirmable)) {
    // Nothing to confirm, or a hard limit: the daemon refuses with a message naming the budget.
    return planned;
  }
  const choice = await vscode.window.showWarningMessage(costConfirmationMessage(estimate), { modal: true }, 'Send');
  if (choice !== 'Send') {
    return false;
  }
  if (estimate.exceeds?.confirmable) {
    request.routing.confirmOverBudget = true;
  }
  return planned;
}

export function costConfirmationMessage(estimate: RouteEstimateResult): string {
  const model = estimate.decision.model;
  const cost = estimate.estimatedCostUsd === null ? null : `~${formatUsd(estimate.estimatedCostUsd)}`;
  if (estimate.exceeds) {
    const b = estimate.exceeds;
    return `This request${cost ? ` (${cost} on ${model})` : ` on ${model}`} would take budget "${b.name}" past its ${formatUsd(b.limitUsd)} limit (${formatUsd(b.spentUsd)} spent). Send anyway?`;
  }
  if (cost === null) {
    return `The price of ${model} is unknown, so this request's cost cannot be estimated. Send anyway?`;
  }
  const threshold = estimate.confirmAboveUsd === null ? '' : `, above your ${formatUsd(estimate.confirmAboveUsd)} confirmation amount`;
  return `This request is estimated at ${cost} on ${model}${threshold}. Send anyway?`;
}

export const openDashboard: Factory = (ctx) => async (): Promise<boolean> => {
  ctx.dashboard.show();
  return true;
};

async function pickProvider(ctx: CommandContext, title: string, filter: (p: KeysListResult['providers'][number]) => boolean): Promise<string | undefined> {
  const list = await ctx.daemon.call('keys/list', {});
  const candidates = list.providers.filter(filter);
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage('LLM Router: no provider keys are stored in the keychain.');
    return undefined;
  }
  const describe: Record<string, string> = { keychain: 'key in the OS keychain', env: 'key from an environment variable', none: 'no key' };
  const picked = await vscode.window.showQuickPick(
    candidates.map((p) => ({ label: p.provider, description: describe[p.source] ?? p.source })),
    { title, placeHolder: 'Provider', ignoreFocusOut: true },
  );
  return picked?.label;
}

export const setApiKey: Factory = (ctx) => async (): Promise<KeysSetResult | undefined> => {
  try {
    const provider = await pickProvider(ctx, 'LLM Router: Set Provider API Key', () => true);
    if (!provider) {
      return undefined;
    }
    const apiKey = await vscode.window.showInputBox({
      title: `LLM Router: API key for ${provider}`,
      prompt: 'Stored by the LLM Router daemon in the OS keychain; the extension keeps no copy.',
      password: true,
      ignoreFocusOut: true,
      validateInput: (value) => (value.trim() === '' ? 'Enter a key, or press Escape to cancel.' : undefined),
    });
    if (!apiKey) {
      return undefined;
    }
    const result = await ctx.daemon.call('keys/set', { provider, apiKey: apiKey.trim() });
    void vscode.window.showInformationMessage(`LLM Router: the ${provider} key is stored in the OS keychain.`);
    return result;
  } catch (err) {
    // keychainUnavailable names what is missing (e.g. no session bus): show the daemon's words.
    void vscode.window.showErrorMessage(toRouterError(err).message);
    return undefined;
  }
};

export const removeApiKey: Factory = (ctx) => async (): Promise<KeysDeleteResult | undefined> => {
  try {
    const provider = await pickProvider(ctx, 'LLM Router: Remove Provider API Key', (p) => p.source === 'keychain');
    if (!provider) {
      return undefined;
    }
    const result = await ctx.daemon.call('keys/delete', { provider });
    void vscode.window.showInformationMessage(
      result.deleted ? `LLM Router: the ${provider} key was removed from the OS keychain.` : `LLM Router: no ${provider} key was stored in the OS keychain.`,
    );
    return result;
  } catch (err) {
    void vscode.window.showErrorMessage(toRouterError(err).message);
    return undefined;
  }
};

export const showDaemonStatus: Factory = (ctx) => async (): Promise<DaemonStatusResult | undefined> => {
  try {
    const status = await ctx.daemon.call('daemon/status', {});
    ctx.log.info(`daemon status: ${JSON.stringify(status)}`);
    const mode = status.simulate ? 'simulated providers' : 'real providers';
    // Not awaited: the command resolves now, the notification stays until dismissed.
    void vscode.window
      .showInformationMessage(
        `LLM Router daemon ${status.version} (pid ${status.pid}) · ${mode} · ${status.clients} client${status.clients === 1 ? '' : 's'} · up ${formatMs(status.uptimeMs)} · http://127.0.0.1:${status.port} · home ${status.home}`,
        'Show Log',
      )
      .then((choice) => {
        if (choice === 'Show Log') {
          ctx.log.show(true);
        }
      });
    return status;
  } catch (err) {
    void vscode.window.showErrorMessage(`LLM Router: ${toRouterError(err).message}`);
    return undefined;
  }
};

const factories: Record<CommandId, Factory> = {
  [Commands.ask]: ask,
  [Commands.openDashboard]: openDashboard,
  [Commands.setApiKey]: setApiKey,
  [Commands.removeApiKey]: removeApiKey,
  [Commands.showDaemonStatus]: showDaemonStatus,
};

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return Object.entries(factories).map(([id, factory]) => vscode.commands.registerCommand(id, factory(ctx)));
}
