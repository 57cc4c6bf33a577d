// The dashboard: one panel per window, showing today's spend and the latest requests. The view
// reads through the bridge; the extension only tells it when the ledger changed.
import * as vscode from 'vscode';
import { Views } from './constants';
import type { DaemonClient } from './daemonClient';
import { createViewPanel, type ViewPanel } from './webviewPanel';

export class DashboardPanel implements vscode.Disposable {
  private current: ViewPanel | undefined;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly daemon: DaemonClient,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions = [
      daemon.onSpendChanged((event) => this.current?.bridge.notify('spend/changed', event)),
      daemon.onBudgetChanged((event) => this.current?.bridge.notify('budget/changed', event)),
    ];
  }

  get isOpen(): boolean {
    return this.current !== undefined;
  }

  show(): void {
    if (this.current) {
      this.current.panel.reveal();
      return;
    }
    const created = createViewPanel({
      viewType: Views.dashboardPanel,
      view: 'dashboard',
      title: 'LLM Router Dashboard',
      column: vscode.ViewColumn.Active,
      extensionUri: this.extensionUri,
      daemon: this.daemon,
      log: this.log,
      // Budgets are edited in place; the daemon validates and its message goes back to the view.
      writes: { 'budget/set': () => null, 'budget/delete': () => null },
    });
    created.panel.onDidDispose(() => {
      this.current = undefined;
    });
    this.current = created;
  }

  dispose(): void {
    for (const s of this.subscriptions) {
      s.dispose();
    }
    this.current?.panel.dispose();
  }
}
