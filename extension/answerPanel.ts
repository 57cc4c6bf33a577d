// Where an Ask answer streams in: a webview panel beside the editor, headed by the model that
// answered, why it was chosen and what it cost. The extension keeps the answer's state, so a view
// that loads late (or is re-shown) catches up from a snapshot instead of missing deltas.
import * as vscode from 'vscode';
import type { AnswerDone, AnswerFailed, AnswerSnapshot } from '../webview/bridge';
import { Views } from './constants';
import type { DaemonClient } from './daemonClient';
import { createViewPanel, type ViewPanel } from './webviewPanel';

export class AnswerPanel implements vscode.Disposable {
  private current: ViewPanel | undefined;
  private state: AnswerSnapshot | null = null;
  /** Request ids of the answers this panel finished: the only ones its view may give feedback on. */
  private readonly answered = new Set<string>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly daemon: DaemonClient,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** The latest answer as the view shows it (tests read this). */
  get snapshot(): AnswerSnapshot | null {
    return this.state;
  }

  start(question: string): void {
    this.state = { question, startedAt: Date.now(), text: '', done: null, failed: null };
    this.ensurePanel();
    this.current?.bridge.notify('answer/start', { question, startedAt: this.state.startedAt });
  }

  append(text: string): void {
    if (!this.state || this.state.done || this.state.failed) {
      return;
    }
    this.state.text += text;
    this.current?.bridge.notify('answer/delta', { text });
  }

  finish(done: AnswerDone): void {
    if (!this.state) {
      return;
    }
    // The result's text is authoritative (deltas may be absent, e.g. when a fallback answered).
    this.state.text = done.result.text;
    this.state.done = done;
    this.answered.add(done.result.requestId);
    this.current?.bridge.notify('answer/done', done);
  }

  fail(failed: AnswerFailed): void {
    if (!this.state) {
      return;
    }
    this.state.failed = failed;
    this.current?.bridge.notify('answer/failed', failed);
  }

  private ensurePanel(): void {
    if (this.current) {
      this.current.panel.reveal(this.current.panel.viewColumn ?? vscode.ViewColumn.Beside, true);
      return;
    }
    const created = createViewPanel({
      viewType: Views.answerPanel,
      view: 'answer',
      title: 'LLM Router: Answer',
      column: vscode.ViewColumn.Beside,
      extensionUri: this.extensionUri,
      daemon: this.daemon,
      log: this.log,
      local: { 'answer/snapshot': () => this.state },
      writes: {
        // Thumbs only on answers this window finished, so a view cannot rate arbitrary requests.
        'feedback/submit': ({ requestId }) => (this.answered.has(requestId) ? null : `request ${requestId} is not an answer shown in this panel`),
      },
    });
    created.panel.onDidDispose(() => {
      this.current = undefined;
    });
    this.current = created;
  }

  dispose(): void {
    this.current?.panel.dispose();
  }
}
