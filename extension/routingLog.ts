// "LLM Router: Routing" — a LogOutputChannel with one line per routed request from any client (this
// window, other windows, scripts): model, provider, reason, cost, tokens, client. It is fed by the
// daemon's spend/changed notification and reads only the rows it names (webview/newRows.ts), which
// hold no prompt and no key; a prompt is logged only for this window's own requests and only with llmRouter.logPrompts.
import * as vscode from 'vscode';
import type { LedgerRow } from '../daemon/protocol';
import { formatUsd } from '../webview/format';
import { NewRows } from '../webview/newRows';
import type { Config } from './config';
import { errorMessage, type DaemonClient } from './daemonClient';

export const ROUTING_LOG_NAME = 'LLM Router: Routing';
const PAGE = 50;

export function routingLine(row: LedgerRow): string {
  const cost = row.costState === 'unknown' ? 'price unknown' : formatUsd(row.costUsd ?? 0);
  const client = row.clientName ? `${row.clientKind}/${row.clientName}` : row.clientKind;
  const status = row.status === 'ok' ? '' : ` [${row.status}${row.errorCode ? `: ${row.errorCode}` : ''}]`;
  const policy = row.policy ? ` policy ${row.policy}` : '';
  const experiment = row.experimentId ? ` experiment ${row.experimentId}/${row.arm ?? '?'}` : '';
  const fallbacks = row.fallbacks.length > 0 ? ` after ${row.fallbacks.join(', ')}` : '';
  return `${row.id} ${client} → ${row.model} (${row.provider})${fallbacks} ${cost} · ${row.tokensIn}→${row.tokensOut} tok · ${row.latencyMs} ms${policy}${experiment}${status} — ${row.reason ?? 'no reason recorded'}`;
}

export class RoutingLog implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;
  private readonly rows: NewRows;
  private readonly subscriptions: vscode.Disposable[];
  private pending: NodeJS.Timeout | undefined;

  constructor(
    private readonly daemon: DaemonClient,
    private readonly config: Config,
  ) {
    this.channel = vscode.window.createOutputChannel(ROUTING_LOG_NAME, { log: true });
    this.rows = new NewRows((params) => this.daemon.call('spend/requests', params), PAGE);
    this.subscriptions = [
      this.channel,
      daemon.onSpendChanged((event) => {
        this.rows.noticed(event.requestId);
        this.schedule();
      }),
      daemon.onSpendingChanged((s) => this.channel.warn(s.paused ? `all spending paused${s.reason ? ` (${s.reason})` : ''}: every client is refused` : 'spending resumed')),
      daemon.onBudgetAlert((a) => this.channel.warn(`budget "${a.name}" ${a.state}: ${formatUsd(a.spentUsd)} of ${formatUsd(a.limitUsd)}`)),
    ];
  }

  /** This window's own question, logged only when the user enabled it. */
  prompt(requestId: string, text: string): void {
    if (this.config.logPrompts) {
      this.channel.info(`${requestId} prompt: ${text}`);
    }
  }

  show(): void {
    this.channel.show(true);
  }

  /** Logs the rows noticed since the last read, oldest first (the first read only marks what was there). */
  async catchUp(): Promise<void> {
    try {
      const step = await this.rows.next();
      if (!step.initial) {
        for (const row of [...step.rows].reverse()) {
          (row.status === 'ok' ? this.channel.info : this.channel.warn).call(this.channel, routingLine(row));
        }
      }
    } catch (err) {
      this.channel.warn(`could not read the ledger: ${errorMessage(err)}`);
    }
  }

  private schedule(): void {
    clearTimeout(this.pending);
    this.pending = setTimeout(() => void this.catchUp(), 200);
  }

  dispose(): void {
    clearTimeout(this.pending);
    for (const s of this.subscriptions) {
      s.dispose();
    }
  }
}
