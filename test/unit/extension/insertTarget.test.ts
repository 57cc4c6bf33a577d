// Insert at cursor writes into the editor the user last worked in, not the first visible one: with
// split editors those differ, and the answer panel (a webview) has the focus when its button is clicked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseInsertTarget, LastTextEditor, type EditorLike, type EditorWindow } from '../../../extension/insertTarget';

interface FakeEditor extends EditorLike {
  name: string;
  document: { uri: { scheme: string }; isClosed: boolean };
}

const editor = (name: string, scheme = 'file'): FakeEditor => ({ name, document: { uri: { scheme }, isClosed: false } });

/** vscode.window as far as the tracker sees it: focus moves fire onDidChangeActiveTextEditor. */
class FakeWindow implements EditorWindow<FakeEditor> {
  activeTextEditor: FakeEditor | undefined;
  visibleTextEditors: FakeEditor[] = [];
  private listeners: ((e: FakeEditor | undefined) => unknown)[] = [];
  onDidChangeActiveTextEditor(listener: (e: FakeEditor | undefined) => unknown) {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  }
  focus(e: FakeEditor | undefined): void {
    this.activeTextEditor = e;
    for (const l of this.listeners) {
      l(e);
    }
  }
}

test('split editors: the editor worked in last gets the code after the answer panel takes the focus', () => {
  const left = editor('left');
  const right = editor('right');
  const window = new FakeWindow();
  window.visibleTextEditors = [left, right];
  const tracker = new LastTextEditor(window);
  window.focus(left);
  window.focus(right);
  window.focus(undefined); // the answer panel's webview takes the focus
  assert.equal(tracker.target()?.name, 'right');
  tracker.dispose();
});

test('the output panel taking the focus does not make it the target', () => {
  const left = editor('left');
  const right = editor('right');
  const output = editor('output', 'output');
  const window = new FakeWindow();
  window.visibleTextEditors = [output, left, right];
  const tracker = new LastTextEditor(window);
  window.focus(right);
  window.focus(output);
  assert.equal(tracker.target()?.name, 'right');
});

test('the editor active at activation counts as worked in', () => {
  const left = editor('left');
  const right = editor('right');
  const window = new FakeWindow();
  window.visibleTextEditors = [left, right];
  window.activeTextEditor = right;
  const tracker = new LastTextEditor(window);
  window.focus(undefined);
  assert.equal(tracker.target()?.name, 'right');
});

test('a last editor no longer on screen or closed falls back to the active, then the first visible insertable one', () => {
  const left = editor('left');
  const right = editor('right');
  const output = editor('output', 'output');
  assert.equal(chooseInsertTarget(right, undefined, [left])?.name, 'left', 'hidden: the first visible');
  assert.equal(chooseInsertTarget(right, left, [left, right])?.name, 'right');
  const closed = { ...right, document: { ...right.document, isClosed: true } };
  assert.equal(chooseInsertTarget(closed, undefined, [output, left, closed])?.name, 'left', 'closed: never the output, never the closed one');
  assert.equal(chooseInsertTarget(undefined, undefined, [output]), undefined, 'only an output channel: nothing to insert into');
});
