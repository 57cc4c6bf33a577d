// Today's spend in the status bar: "$0.0123 today", refreshed when the daemon says the ledger
// changed and on a slow timer (the day rolls over, other windows and scripts spend too).
import * as vscode from 'vscode';
import type { BudgetStatus, SpendSummaryResult } from '../daemon/protocol';
import { formatPercent, formatUsd } from '../webview/format';
import { Commands, STATUS_REFRESH_MS } from './constants';
import { errorMessage, type DaemonClient } from './daemonClient';

const COALESCE_MS = 250;

export class SpendStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly timer: NodeJS.Timeout;
  private pending: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private lastSummary: SpendSummaryResult | undefined;
  private lastDailyBudget: BudgetStatus | undefined;

  constructor(private readonly daemon: DaemonClient) {
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
      daemon.onDidChangeState((state) => {
        if (state === 'connected') {
          this.scheduleRefresh();
        } else if (state === 'disconnected') {
          this.showOffline('the daemon connection was lost; reconnecting');
        }
      }),
    );
    this.timer = setInterval(() => this.scheduleRefresh(), STATUS_REFRESH_MS);
  }

  /** What the status bar shows now (tests and the Show Daemon Status command read it). */
  get text(): string {
    return this.item.text;
  }

  get summary(): SpendSummaryResult | undefined {
    return this.lastSummary;
  }

  get dailyBudget(): BudgetStatus | undefined {
    return this.lastDailyBudget;
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

  private async load(): Promise<void> {
    try {
      const [summary, budgets] = await Promise.all([
        this.daemon.call('spend/summary', { period: 'day' }),
        // Spend still shows when budgets cannot be read.
        this.daemon.call('budget/status', {}).catch(() => undefined),
      ]);
      const daily = budgets?.statuses.find(isGlobalDaily);
      this.lastSummary = summary;
      this.lastDailyBudget = daily;
      this.item.text = statusText(summary, daily);
      this.item.tooltip = statusTooltip(summary, daily, budgets?.statuses.filter(isOtherGlobalWindow));
      this.item.backgroundColor =
        daily?.state === 'exceeded'
          ? new vscode.ThemeColor('statusBarItem.errorBackground')
          : daily?.state === 'alert'
            ? new vscode.ThemeColor('statusBarItem.warningBackground')
            : undefined;
    } catch (err) {
      this.showOffline(errorMessage(err));
    }
  }

  private showOffline(reason: string): void {
    this.item.text = '$(warning) LLM Router offline';
    this.item.tooltip = `LLM Router: ${reason}`;
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
  }

  dispose(): void {
    clearInterval(this.timer);
    clearTimeout(this.pending);
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}

/** The budget the status bar measures against: the global one per day, when it exists. */
function isGlobalDaily(status: BudgetStatus): boolean {
  return status.budget.scope === 'global' && status.budget.period === 'day';
}

/** The global budget's other windows (hour, week, month): the tooltip shows each one too. */
function isOtherGlobalWindow(status: BudgetStatus): boolean {
  return status.budget.scope === 'global' && status.budget.period !== 'day' && status.budget.period !== 'request';
}

export function statusText(summary: SpendSummaryResult, daily?: BudgetStatus): string {
  const spend = `$(pulse) ${formatUsd(summary.costUsd)} today`;
  return daily ? `${spend} · ${formatPercent(daily.fraction)} of daily` : spend;
}

export function statusTooltip(summary: SpendSummaryResult, daily?: BudgetStatus, otherWindows: readonly BudgetStatus[] = []): vscode.MarkdownString {
  const lines = [
    `**LLM Router** — today`,
    '',
    `Spent: ${formatUsd(summary.costUsd)}`,
    `Requests: ${summary.requests}${summary.errors > 0 ? ` (${summary.errors} failed)` : ''}`,
  ];
  if (summary.unknownPriceRequests > 0) {
    lines.push(`Price unknown: ${summary.unknownPriceRequests} request${summary.unknownPriceRequests === 1 ? '' : 's'} (not included in the total)`);
  }
  if (daily) {
    const reserved = daily.reservedUsd > 0 ? ` (+${formatUsd(daily.reservedUsd)} in flight)` : '';
    lines.push(`Daily budget "${daily.budget.name}": ${formatUsd(daily.spentUsd)}${reserved} of ${formatUsd(daily.budget.limitUsd)} — ${formatPercent(daily.fraction)}${daily.state === 'ok' ? '' : `, ${daily.state}`}`);
  }
  for (const w of otherWindows) {
    const per = w.budget.period.charAt(0).toUpperCase() + w.budget.period.slice(1);
    lines.push(`${per}ly budget "${w.budget.name}": ${formatUsd(w.spentUsd)} used, ${formatUsd(w.leftUsd)} left of ${formatUsd(w.budget.limitUsd)}${w.state === 'ok' ? '' : `, ${w.state}`}`);
  }
  lines.push('', 'Click to open the dashboard.');
  return new vscode.MarkdownString(lines.join('  \n'));
}
