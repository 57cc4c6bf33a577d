// Where an Ask answer streams in: a webview panel beside the editor, headed by the model that
// answered, why it was chosen and what it cost. The extension keeps the answer's state, so a view
// that loads late (or is re-shown) catches up from a snapshot instead of missing deltas.
import * as vscode from 'vscode';
import { z } from 'zod';
import type { AnswerDone, AnswerFailed, AnswerSnapshot, AnswerTurn } from '../webview/bridge';
import { Views } from './constants';
import type { DaemonClient } from './daemonClient';
import { createViewPanel, type ViewPanel } from './webviewPanel';

export interface AnswerActions {
  followUp(question: string): Promise<unknown>;
  askStronger(): Promise<unknown>;
  askWithPolicy(): Promise<unknown>;
}

const ViewText = z.object({ text: z.string().max(200_000) }).strict();
const ViewQuestion = z.object({ question: z.string().trim().min(1).max(20_000) }).strict();

function turnOf(s: AnswerSnapshot): AnswerTurn {
  const r = s.done?.result.routing;
  return { question: s.question, text: s.failed ? `(failed: ${s.failed.message})` : s.text, model: r?.model ?? null, provider: r?.provider ?? null, costUsd: r?.actualCostUsd ?? null, label: s.label };
}

export class AnswerPanel implements vscode.Disposable {
  private current: ViewPanel | undefined;
  private actions: AnswerActions | undefined;
  private state: AnswerSnapshot | null = null;
  /** Request ids of the answers this panel finished: the only ones its view may give feedback on. */
  private readonly answered = new Set<string>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly daemon: DaemonClient,
    private readonly log: vscode.LogOutputChannel,
    /** The editor Insert at cursor writes into (the one the user last worked in; see insertTarget.ts). */
    private readonly insertTarget: () => vscode.TextEditor | undefined,
  ) {}

  /** The latest answer as the view shows it (tests read this). */
  get snapshot(): AnswerSnapshot | null {
    return this.state;
  }

  /** What the panel's buttons run (set once by the commands module). */
  setActions(actions: AnswerActions): void {
    this.actions = actions;
  }

  /** A new question; `continues` keeps the earlier turns above it (a follow-up or a re-ask). */
  start(question: string, options: { continues?: boolean; label?: string } = {}): void {
    const history = options.continues && this.state ? [...this.state.history, turnOf(this.state)] : [];
    this.state = { question, history, label: options.label ?? null, startedAt: Date.now(), text: '', done: null, failed: null };
    this.ensurePanel();
    this.current?.bridge.notify('answer/start', { question, history, label: this.state.label, startedAt: this.state.startedAt });
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
      local: {
        'answer/snapshot': () => this.state,
        // The view is untrusted: every argument is checked before the editor acts on it.
        'answer/copy': async (params) => {
          await vscode.env.clipboard.writeText(ViewText.parse(params).text);
          void vscode.window.setStatusBarMessage('LLM Router: code copied', 2000);
          return true;
        },
        'answer/insert': async (params) => {
          const { text } = ViewText.parse(params);
          const editor = this.insertTarget();
          if (!editor) {
            void vscode.window.showWarningMessage('LLM Router: open a file to insert the code into.');
            return false;
          }
          return editor.edit((edit) => edit.replace(editor.selection, text));
        },
        'answer/followUp': (params) => {
          void this.actions?.followUp(ViewQuestion.parse(params).question);
          return true;
        },
        'answer/askStronger': () => {
          void this.actions?.askStronger();
          return true;
        },
        'answer/askWithPolicy': () => {
          void this.actions?.askWithPolicy();
          return true;
        },
      },
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
