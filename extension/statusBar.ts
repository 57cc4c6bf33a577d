// Today's spend in the status bar: "$0.0123 today · 12% of daily". It changes when the daemon says
// so (spend/changed, budget/changed, budget/alert, spending/changed) and when this window gets an
// answer — no polling; one timer fires at midnight, when "today" starts over. The background turns
// to the theme's warning color when a budget passes its alert threshold and to the error color at
// a limit or while all spending is paused. The tooltip lists every budget window, the last answer's
// model and cost, and the daemon's mode.
import * as vscode from 'vscode';
import type { BudgetStatus, SpendingState, SpendSummaryResult } from '../daemon/protocol';
import { formatPercent, formatUsd } from '../webview/format';
import { Commands } from './constants';
import { errorMessage, type DaemonClient } from './daemonClient';
import type { LastAnswer, LastAnswerTracker } from './lastAnswer';

const COALESCE_MS = 250;
const WARNING = 'statusBarItem.warningBackground';
const ERROR = 'statusBarItem.errorBackground';

export interface StatusFacts {
  summary: SpendSummaryResult;
  budgets: BudgetStatus[];
  spending: SpendingState;
  simulate: boolean | undefined;
  lastAnswer: LastAnswer | undefined;
}

export class SpendStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private midnight: NodeJS.Timeout | undefined;
  private pending: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private facts: StatusFacts | undefined;
  private simulate: boolean | undefined;

  constructor(
    private readonly daemon: DaemonClient,
    private readonly lastAnswer: LastAnswerTracker,
  ) {
    this.item = vscode.window.createStatusBarItem('llmRouter.spend', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'LLM Router spend';
    this.item.command = Commands.openDashboard;
    this.item.text = '$(loading~spin) LLM Router';
    this.item.tooltip = 'LLM Router: connecting to the daemon…';
    this.item.show();
    this.disposables.push(
      this.item,
      daemon.onSpendChanged(() => this.scheduleRefresh()),
      daemon.onBudgetChanged(() => this.scheduleRefresh()),
      daemon.onBudgetAlert(() => this.scheduleRefresh()),
      daemon.onSpendingChanged(() => this.scheduleRefresh()),
      lastAnswer.onDidChange(() => this.scheduleRefresh()),
      daemon.onDidChangeState((state) => {
        if (state === 'connected') {
          this.simulate = undefined; // a new daemon may run in another mode
          this.scheduleRefresh();
        } else if (state === 'disconnected') {
          this.showOffline('the daemon connection was lost; reconnecting');
        }
      }),
    );
    this.armMidnight();
  }

  /** What the status bar shows now (tests and the Show Daemon Status command read it). */
  get text(): string {
    return this.item.text;
  }

  get tooltipText(): string {
    const t = this.item.tooltip;
    return t instanceof vscode.MarkdownString ? t.value : (t ?? '');
  }

  get background(): string | undefined {
    return this.item.backgroundColor?.id;
  }

  get summary(): SpendSummaryResult | undefined {
    return this.facts?.summary;
  }

  /** Re-reads today's spend; concurrent callers share one request. */
  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private scheduleRefresh(): void {
    clearTimeout(this.pending);
    this.pending = setTimeout(() => void this.refresh(), COALESCE_MS);
  }

  /** The one timer: "today" starts over at local midnight. */
  private armMidnight(): void {
    const next = new Date();
    next.setHours(24, 0, 5, 0);
    clearTimeout(this.midnight);
    this.midnight = setTimeout(() => {
      this.scheduleRefresh();
      this.armMidnight();
    }, next.getTime() - Date.now());
  }

  private async load(): Promise<void> {
    try {
      const [summary, budgets, spending, simulate] = await Promise.all([
        this.daemon.call('spend/summary', { period: 'day' }),
        // Spend still shows when budgets or the switch cannot be read.
        this.daemon.call('budget/status', {}).catch(() => undefined),
        this.daemon.call('spending/status', {}).catch((): SpendingState => ({ paused: false, since: null, reason: null })),
        this.simulate ?? this.daemon.call('daemon/status', {}).then((s) => s.simulate, () => undefined),
      ]);
      this.simulate = simulate;
      this.facts = { summary, budgets: budgets?.statuses ?? [], spending, simulate, lastAnswer: this.lastAnswer.current };
      this.item.text = statusText(this.facts);
      this.item.tooltip = new vscode.MarkdownString(statusTooltip(this.facts));
      const bg = statusBackground(this.facts);
      this.item.backgroundColor = bg ? new vscode.ThemeColor(bg) : undefined;
    } catch (err) {
      this.showOffline(errorMessage(err));
    }
  }

  private showOffline(reason: string): void {
    this.item.text = '$(warning) LLM Router offline';
    this.item.tooltip = `LLM Router: ${reason}`;
    this.item.backgroundColor = new vscode.ThemeColor(WARNING);
  }

  dispose(): void {
    clearTimeout(this.midnight);
    clearTimeout(this.pending);
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}

/** The budget the text measures against: the global one per day, when it exists. */
export function globalDaily(budgets: BudgetStatus[]): BudgetStatus | undefined {
  return budgets.find((s) => s.budget.scope === 'global' && s.budget.period === 'day');
}

export function statusText(f: Pick<StatusFacts, 'summary' | 'budgets' | 'spending'>): string {
  if (f.spending.paused) {
    return `$(debug-pause) LLM Router paused · ${formatUsd(f.summary.costUsd)} today`;
  }
  const daily = globalDaily(f.budgets);
  const spend = `$(pulse) ${formatUsd(f.summary.costUsd)} today`;
  return daily ? `${spend} · ${formatPercent(daily.fraction)} of daily` : spend;
}

/** Error at any budget's limit or while paused, warning past any alert threshold. */
export function statusBackground(f: Pick<StatusFacts, 'budgets' | 'spending'>): string | undefined {
  if (f.spending.paused || f.budgets.some((b) => b.state === 'exceeded')) {
    return ERROR;
  }
  return f.budgets.some((b) => b.state === 'alert') ? WARNING : undefined;
}

const PERIOD_WORD: Record<string, string> = { request: 'per request', hour: 'this hour', day: 'today', week: 'this week', month: 'this month' };

export function statusTooltip(f: StatusFacts): string {
  const lines = [`**LLM Router** — ${f.simulate === undefined ? 'mode unknown' : f.simulate ? 'simulated providers (no real calls; costs at list prices)' : 'live providers'}`, ''];
  if (f.spending.paused) {
    lines.push(`**All spending is paused**${f.spending.reason ? ` (${f.spending.reason})` : ''}: every client is refused until you resume.`, '');
  }
  lines.push(`Today: ${formatUsd(f.summary.costUsd)} · ${f.summary.requests} request${f.summary.requests === 1 ? '' : 's'}${f.summary.errors > 0 ? ` (${f.summary.errors} failed)` : ''}`);
  if (f.summary.unknownPriceRequests > 0) {
    lines.push(`Price unknown: ${f.summary.unknownPriceRequests} request${f.summary.unknownPriceRequests === 1 ? '' : 's'} (not in the total)`);
  }
  if (f.budgets.length === 0) {
    lines.push('No budgets (LLM Router: Set Budget…)');
  }
  for (const b of f.budgets) {
    const scope = b.budget.scope === 'global' ? '' : ` ${b.budget.scope} ${b.budget.scopeValue ?? ''}`;
    const reserved = b.reservedUsd > 0 ? ` (+${formatUsd(b.reservedUsd)} in flight)` : '';
    const state = b.state === 'ok' ? '' : b.state === 'alert' ? ' — **alert**' : ' — **limit reached**';
    const amount = b.budget.period === 'request' ? `limit ${formatUsd(b.budget.limitUsd)} per request` : `${formatUsd(b.spentUsd)}${reserved} of ${formatUsd(b.budget.limitUsd)} ${PERIOD_WORD[b.budget.period] ?? b.budget.period} — ${formatPercent(b.fraction)}`;
    lines.push(`Budget "${b.budget.name}"${scope}: ${amount}${state}`);
  }
  if (f.lastAnswer) {
    const r = f.lastAnswer.routing;
    const cost = r.actualCostUsd === null ? 'price unknown' : formatUsd(r.actualCostUsd);
    lines.push('', `Last answer (${f.lastAnswer.source}): ${r.model} (${r.provider}) · ${cost} — ${r.reason}`);
  }
  lines.push('', 'Click to open the dashboard.');
  return lines.join('  \n');
}
