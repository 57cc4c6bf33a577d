// Every command is a factory `(ctx) => handler` (vscode_deno's shape): registration is one loop and
// each handler can be exercised alone. Handlers return what they did, so tests can assert on it.
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { z } from 'zod';
import {
  BudgetPeriod,
  RouterError,
  type BudgetSetResult,
  type SpendingState,
} from '../daemon/protocol';
import type {
  ChatMessage,
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
import type { LastAnswerTracker } from './lastAnswer';
import { editorContext } from './lmProvider';
import type { RoutingLog } from './routingLog';
import type { WalkthroughProgress } from './walkthroughProgress';

export interface CommandContext {
  daemon: DaemonClient;
  lastAnswer: LastAnswerTracker;
  routingLog: RoutingLog;
  /** The last question Ask sent (for "Ask Again with a Stronger Model") and what came before it. */
  lastQuestion?: { question: string; content: string };
  lastHistory?: ChatMessage[];
  /** The answer panel's conversation so far (follow-ups continue it; a new Ask starts over). */
  conversation?: ChatMessage[];
  config: Config;
  statusBar: SpendStatusBar;
  dashboard: DashboardPanel;
  answers: AnswerPanel;
  log: vscode.LogOutputChannel;
  walkthrough: WalkthroughProgress;
}

type Handler = (...args: unknown[]) => Promise<unknown>;
type Factory = (ctx: CommandContext) => Handler;

/** Scripted callers (tests, keybindings with args) may pass the question instead of typing it. */
const AskArgs = z.object({ question: z.string().min(1).max(200_000) });
const DEFAULT_SELECTION_INSTRUCTION = 'Explain this code.';

export const ask: Factory = (ctx) => async (arg?: unknown): Promise<ChatCompleteResult | undefined> => {
  const question = await askQuestion(ctx, arg);
  if (!question) {
    return undefined;
  }
  return runAsk(ctx, question, { tradeoff: ctx.config.defaultTradeoff }, 'ask');
};

/** Scripted callers may pass `{ question, policy }`; otherwise a quick pick lists the daemon's policies. */
const AskWithPolicyArgs = z.object({ question: z.string().min(1).max(200_000), policy: z.string().min(1).max(100) });

export const askWithPolicy: Factory = (ctx) => async (arg?: unknown): Promise<ChatCompleteResult | undefined> => {
  const scripted = AskWithPolicyArgs.safeParse(arg);
  let policy = scripted.data?.policy;
  if (policy === undefined) {
    try {
      const list = await ctx.daemon.call('policy/list', {});
      const picked = await vscode.window.showQuickPick(
        list.policies.map((p) => ({ label: p.name, description: p.tradeoff ? `tradeoff ${p.tradeoff}` : undefined, detail: p.description })),
        { title: 'LLM Router: Ask with Policy…', placeHolder: 'Policy to route this question with', ignoreFocusOut: true },
      );
      policy = picked?.label;
    } catch (err) {
      void vscode.window.showErrorMessage(`LLM Router: ${toRouterError(err).message}`);
      return undefined;
    }
  }
  if (!policy) {
    return undefined;
  }
  const question = scripted.data ? { question: scripted.data.question, content: await withSelection(scripted.data.question) } : await askQuestion(ctx, undefined);
  if (!question) {
    return undefined;
  }
  return runAsk(ctx, question, { policy }, 'ask-policy');
};

/** A follow-up in the answer panel: the same conversation, routed again (it may pick another model). */
export async function followUp(ctx: CommandContext, question: string): Promise<ChatCompleteResult | undefined> {
  const q = { question, content: question };
  return runAsk(ctx, q, { tradeoff: ctx.config.defaultTradeoff }, 'ask-follow-up', { history: ctx.conversation ?? [] });
}

/**
 * Re-asks the last question on a stronger tier: the quality tradeoff, with the model that answered
 * excluded; both answers' costs are shown side by side.
 */
export const askStronger: Factory = (ctx) => async (): Promise<ChatCompleteResult | undefined> => {
  const last = ctx.answers.snapshot;
  const first = last?.done?.result;
  if (!last || !first || !ctx.lastQuestion) {
    void vscode.window.showInformationMessage('LLM Router: ask something first; this re-asks the last question on a stronger model.');
    return undefined;
  }
  const result = await runAsk(ctx, ctx.lastQuestion, { tradeoff: 'quality', excludedModels: [first.routing.model] }, 'ask-stronger', {
    history: ctx.lastHistory ?? [],
    label: `stronger model than ${first.routing.model}`,
  });
  if (result) {
    const cost = (r: ChatCompleteResult) => (r.routing.actualCostUsd === null ? 'price unknown' : formatUsd(r.routing.actualCostUsd));
    void vscode.window.showInformationMessage(`LLM Router: first answer ${first.routing.model} ${cost(first)} · stronger answer ${result.routing.model} ${cost(result)}.`);
  }
  return result;
};

interface Question {
  /** What the user asked (shown as the answer's heading). */
  question: string;
  /** What is sent: the question with the selection, if any. */
  content: string;
}

async function withSelection(question: string): Promise<string> {
  const editor = vscode.window.activeTextEditor;
  const selection = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : '';
  return selection ? `${question}\n\n\`\`\`${editor?.document.languageId ?? ''}\n${selection}\n\`\`\`` : question;
}

async function askQuestion(_ctx: CommandContext, arg: unknown): Promise<Question | undefined> {
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
  return { question, content: await withSelection(question) };
}

interface AskTurnOptions {
  /** Earlier messages of the conversation this question continues (follow-ups, re-asks). */
  history?: ChatMessage[];
  /** Shown above the answer, e.g. "stronger model". */
  label?: string;
}

async function runAsk(ctx: CommandContext, q: Question, routing: RoutingOptions, command: string, turn: AskTurnOptions = {}): Promise<ChatCompleteResult | undefined> {
  const messages: ChatMessage[] = [...(turn.history ?? []), { role: 'user', content: q.content }];
  const request = {
    model: 'auto',
    messages,
    routing,
    context: editorContext(command, vscode.env.appName),
  };
  const confirmed = await confirmCost(ctx, request);
  if (confirmed === false) {
    return undefined;
  }
  ctx.lastQuestion = q;
  ctx.lastHistory = turn.history ?? [];
  const streamId = randomUUID();
  ctx.answers.start(q.question, { continues: turn.history !== undefined, ...(turn.label ? { label: turn.label } : {}) });
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
    ctx.conversation = [...messages, { role: 'assistant', content: result.text }];
    ctx.lastAnswer.record('ask', result.routing);
    ctx.routingLog.prompt(result.requestId, q.question);
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
}

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
  ctx.walkthrough.done('dashboard');
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
    ctx.walkthrough.done('key');
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

export const showRoutingLog: Factory = (ctx) => async (): Promise<boolean> => {
  await ctx.routingLog.catchUp();
  ctx.routingLog.show();
  return true;
};

/** Stops the daemon gracefully (in-flight requests finish, the store is flushed), then starts a new one. */
export const restartDaemon: Factory = (ctx) => async (): Promise<DaemonStatusResult | undefined> => {
  try {
    const { pid } = await ctx.daemon.call('daemon/status', {});
    // The daemon closes this channel as it stops. It flushes its answer first (socketServer.ts), but
    // an older daemon may not, and the close may still win (the command then failed although the
    // daemon went on to restart): its exit is what counts.
    // Only a refusal (e.g. a daemon embedded in another program) stops the restart here.
    const refused = await ctx.daemon.call('daemon/shutdown', { reason: 'Restart Daemon command' }).then(
      () => undefined,
      (err: unknown) => toRouterError(err),
    );
    if (refused && refused.code !== 'internal') {
      throw refused;
    }
    await waitForExit(pid, 15_000);
    await ctx.daemon.reconnect();
    const status = await ctx.daemon.call('daemon/status', {});
    ctx.log.info(`daemon restarted: pid ${pid} → ${status.pid}`);
    void vscode.window.showInformationMessage(`LLM Router: daemon restarted (pid ${status.pid}, ${status.simulate ? 'simulated providers' : 'real providers'}).`);
    return status;
  } catch (err) {
    void vscode.window.showErrorMessage(`LLM Router: restart failed: ${toRouterError(err).message}`);
    return undefined;
  }
};

async function waitForExit(pid: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new RouterError('internal', `the daemon (pid ${pid}) did not exit within ${ms / 1000} s`);
}

export interface Endpoint {
  baseUrl: string;
  token: string;
}

async function endpoint(ctx: CommandContext): Promise<Endpoint> {
  const info = await ctx.daemon.start();
  return { baseUrl: `http://127.0.0.1:${info.port}`, token: info.token };
}

/** The lines a shell needs to point Claude Code and the OpenAI SDK at the daemon. */
export function clientSetupLines(e: Endpoint): string {
  return [
    '# LLM Router: the daemon on this machine (the token changes when the daemon restarts)',
    `LLM_ROUTER_URL=${e.baseUrl}`,
    `LLM_ROUTER_TOKEN=${e.token}`,
    '',
    '# Claude Code and the Anthropic SDK',
    `export ANTHROPIC_BASE_URL=${e.baseUrl}`,
    `export ANTHROPIC_API_KEY=${e.token}`,
    '',
    '# The OpenAI SDK (Python and Node) and tools built on it; model "auto" routes every request',
    `export OPENAI_BASE_URL=${e.baseUrl}/v1`,
    `export OPENAI_API_KEY=${e.token}`,
    '',
  ].join('\n');
}

export const copyEndpoint: Factory = (ctx) => async (): Promise<Endpoint | undefined> => {
  try {
    const e = await endpoint(ctx);
    await vscode.env.clipboard.writeText(`LLM_ROUTER_URL=${e.baseUrl}\nLLM_ROUTER_TOKEN=${e.token}\n`);
    ctx.walkthrough.done('scripts');
    void vscode.window.showInformationMessage(`LLM Router: copied the endpoint ${e.baseUrl} and its token (valid until the daemon restarts).`);
    return e;
  } catch (err) {
    void vscode.window.showErrorMessage(`LLM Router: ${toRouterError(err).message}`);
    return undefined;
  }
};

export const showClientSetup: Factory = (ctx) => async (): Promise<string | undefined> => {
  try {
    const text = clientSetupLines(await endpoint(ctx));
    const doc = await vscode.workspace.openTextDocument({ language: 'shellscript', content: text });
    await vscode.window.showTextDocument(doc, { preview: true });
    ctx.walkthrough.done('scripts');
    return text;
  } catch (err) {
    void vscode.window.showErrorMessage(`LLM Router: ${toRouterError(err).message}`);
    return undefined;
  }
};

export const pauseSpending: Factory = (ctx) => async (arg?: unknown): Promise<SpendingState | undefined> => {
  try {
    const reason = z.object({ reason: z.string().max(200) }).safeParse(arg).data?.reason ?? 'paused from the editor';
    const state = await ctx.daemon.call('spending/pause', { reason });
    void vscode.window.showWarningMessage('LLM Router: all spending is paused. Every request from the editor, scripts and the CLI is refused until you resume.', 'Resume').then((choice) => {
      if (choice === 'Resume') {
        void vscode.commands.executeCommand(Commands.resumeSpending);
      }
    });
    return state;
  } catch (err) {
    void vscode.window.showErrorMessage(`LLM Router: ${toRouterError(err).message}`);
    return undefined;
  }
};

export const resumeSpending: Factory = (ctx) => async (): Promise<SpendingState | undefined> => {
  try {
    const state = await ctx.daemon.call('spending/resume', {});
    void vscode.window.showInformationMessage('LLM Router: spending resumed.');
    return state;
  } catch (err) {
    void vscode.window.showErrorMessage(`LLM Router: ${toRouterError(err).message}`);
    return undefined;
  }
};

const BUDGET_NAMES: Record<BudgetPeriod, string> = { request: 'Per request', hour: 'Hourly', day: 'Daily', week: 'Weekly', month: 'Monthly' };
const BudgetArgs = z.object({ period: BudgetPeriod, limitUsd: z.number().positive(), name: z.string().min(1).max(200).optional() });

/** A global budget for a period; the daemon validates (its message is shown as is). */
export const setBudget: Factory = (ctx) => async (arg?: unknown): Promise<BudgetSetResult | undefined> => {
  let input = BudgetArgs.safeParse(arg).data;
  if (!input) {
    const periods = [
      { label: 'day', description: 'resets at midnight' },
      { label: 'week', description: 'resets Monday' },
      { label: 'month', description: 'resets on the 1st' },
      { label: 'hour', description: 'resets every hour' },
      { label: 'request', description: 'a ceiling on any one request' },
    ];
    const period = await vscode.window.showQuickPick(periods, { title: 'LLM Router: Set Budget… (1/2)', placeHolder: 'Period of the global budget', ignoreFocusOut: true });
    if (!period) {
      return undefined;
    }
    const limit = await vscode.window.showInputBox({
      title: 'LLM Router: Set Budget… (2/2)',
      prompt: `Limit in US dollars per ${period.label} (all clients together)`,
      placeHolder: '5.00',
      ignoreFocusOut: true,
      validateInput: (v) => (Number.isFinite(Number(v)) && Number(v) > 0 ? undefined : 'A positive number of dollars, e.g. 5 or 0.50'),
    });
    if (!limit) {
      return undefined;
    }
    input = { period: BudgetPeriod.parse(period.label), limitUsd: Number(limit) };
  }
  try {
    const existing = (await ctx.daemon.call('budget/list', {})).budgets.find((b) => b.scope === 'global' && b.period === input.period);
    const result = await ctx.daemon.call('budget/set', {
      ...(existing ? { id: existing.id } : {}),
      name: input.name ?? existing?.name ?? BUDGET_NAMES[input.period],
      scope: 'global',
      period: input.period,
      limitUsd: input.limitUsd,
    });
    void vscode.window.showInformationMessage(`LLM Router: budget "${result.budget.name}" is ${formatUsd(result.budget.limitUsd)} per ${result.budget.period} (${formatUsd(result.spentUsd)} spent so far).`);
    return result;
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
  [Commands.askWithPolicy]: askWithPolicy,
  [Commands.askStronger]: askStronger,
  [Commands.showRoutingLog]: showRoutingLog,
  [Commands.restartDaemon]: restartDaemon,
  [Commands.copyEndpoint]: copyEndpoint,
  [Commands.showClientSetup]: showClientSetup,
  [Commands.pauseSpending]: pauseSpending,
  [Commands.resumeSpending]: resumeSpending,
  [Commands.setBudget]: setBudget,
};

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  ctx.answers.setActions({
    followUp: (question) => followUp(ctx, question),
    askStronger: () => askStronger(ctx)(),
    askWithPolicy: () => askWithPolicy(ctx)(),
  });
  return Object.entries(factories).map(([id, factory]) => vscode.commands.registerCommand(id, factory(ctx)));
}
