// Which editor "Insert at cursor" writes into: the text editor the user last worked in. By the time
// the button is clicked the answer panel (a webview) has the focus, so `activeTextEditor` is gone,
// and the first visible editor is wrong as soon as the editor area is split.
// The window comes in as a parameter (only types from 'vscode'), so unit tests drive it with a fake.
import type * as vscode from 'vscode';

/** The parts of a vscode.TextEditor the choice looks at (so the rule is tested without a workbench). */
export interface EditorLike {
  readonly document: { readonly uri: { readonly scheme: string }; readonly isClosed: boolean };
}

/** Output channels and the like show as text editors too; code never goes there. */
const NOT_INSERTABLE = new Set(['output', 'debug', 'vscode-terminal']);

export function insertable(editor: EditorLike): boolean {
  return !NOT_INSERTABLE.has(editor.document.uri.scheme) && !editor.document.isClosed;
}

/**
 * The last worked-in editor while it is still on screen (an editor object whose tab was hidden or
 * closed cannot be edited); otherwise the active one, otherwise the first visible one.
 */
export function chooseInsertTarget<E extends EditorLike>(last: E | undefined, active: E | undefined, visible: readonly E[]): E | undefined {
  if (last && insertable(last) && visible.includes(last)) {
    return last;
  }
  if (active && insertable(active)) {
    return active;
  }
  return visible.find(insertable);
}

/** What LastTextEditor needs of `vscode.window`. */
export interface EditorWindow<E extends EditorLike> {
  readonly activeTextEditor: E | undefined;
  readonly visibleTextEditors: readonly E[];
  onDidChangeActiveTextEditor(listener: (editor: E | undefined) => unknown): { dispose(): unknown };
}

/** Follows the active text editor, keeping the last real one when a webview or panel takes the focus. */
export class LastTextEditor<E extends EditorLike = vscode.TextEditor> {
  private last: E | undefined;
  private readonly subscription: { dispose(): unknown };

  constructor(private readonly window: EditorWindow<E>) {
    this.remember(window.activeTextEditor);
    // A webview taking the focus fires this with `undefined`: that is not a new editor to write into.
    this.subscription = window.onDidChangeActiveTextEditor((editor) => this.remember(editor));
  }

  private remember(editor: E | undefined): void {
    if (editor && insertable(editor)) {
      this.last = editor;
    }
  }

  /** Where Insert at cursor writes now (see chooseInsertTarget). */
  target(): E | undefined {
    return chooseInsertTarget(this.last, this.window.activeTextEditor, this.window.visibleTextEditors);
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
