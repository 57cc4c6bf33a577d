// Tells the user when a budget crosses its alert threshold or its limit (the daemon broadcasts
// `budget/alert` to every attached window; budgets without the notify action stay quiet until exceeded).
import * as vscode from 'vscode';
import type { BudgetAlertNotification } from '../daemon/protocol';
import { formatPercent, formatUsd } from '../webview/format';
import { Commands } from './constants';
import type { DaemonClient } from './daemonClient';

export function budgetAlertMessage(alert: BudgetAlertNotification): string {
  const amounts = `${formatUsd(alert.spentUsd)} of ${formatUsd(alert.limitUsd)}`;
  const resets = alert.resetsAt === null ? '' : ` It resets ${new Date(alert.resetsAt).toLocaleString()}.`;
  if (alert.state === 'exceeded') {
    return `LLM Router: budget "${alert.name}" is exhausted (${amounts}); requests in its scope are refused.${resets}`;
  }
  const effects: string[] = [];
  if (alert.actions.includes('downgrade')) {
    effects.push('routing now prefers cheaper models');
  }
  if (alert.actions.includes('pauseAbovePrice')) {
    effects.push('expensive models are paused');
  }
  return `LLM Router: budget "${alert.name}" is at ${formatPercent(alert.fraction)} (${amounts})${effects.length > 0 ? `; ${effects.join(' and ')}` : ''}.${resets}`;
}

/** One notification per budget, budget window and threshold: the key of an alert. */
export function alertKey(alert: BudgetAlertNotification): string {
  return `${alert.budgetId}:${alert.resetsAt ?? 'request'}:${alert.state}`;
}

export function watchBudgetAlerts(daemon: DaemonClient): vscode.Disposable {
  const shown = new Set<string>();
  return daemon.onBudgetAlert((alert) => {
    if (alert.state !== 'exceeded' && !alert.actions.includes('notify')) {
      return;
    }
    // Every request past a threshold may re-announce it; the person hears it once per window.
    const key = alertKey(alert);
    if (shown.has(key)) {
      return;
    }
    shown.add(key);
    const show = alert.state === 'exceeded' ? vscode.window.showErrorMessage : vscode.window.showWarningMessage;
    void show(budgetAlertMessage(alert), 'Open Dashboard').then((choice) => {
      if (choice === 'Open Dashboard') {
        void vscode.commands.executeCommand(Commands.openDashboard);
      }
    });
  });
}
