// The last answer this window got (from Ask or from VS Code's chat through the model provider):
// its model, reason and cost, for the status bar's tooltip and the routing log.
import * as vscode from 'vscode';
import type { RoutingInfo } from '../daemon/protocol';

export interface LastAnswer {
  /** `ask` or `vscode-chat`. */
  source: string;
  routing: RoutingInfo;
  at: number;
}

export class LastAnswerTracker implements vscode.Disposable {
  private last: LastAnswer | undefined;
  private readonly emitter = new vscode.EventEmitter<LastAnswer>();
  readonly onDidChange = this.emitter.event;

  get current(): LastAnswer | undefined {
    return this.last;
  }

  record(source: string, routing: RoutingInfo): void {
    this.last = { source, routing, at: Date.now() };
    this.emitter.fire(this.last);
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
