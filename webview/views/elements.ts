// The VS Code look for controls: web components from @vscode-elements/elements (MIT), bundled by
// esbuild into dist/webview.js (no CDN; the CSP stays strict). Only the components the views use are
// imported. Their styles are constructed stylesheets, which the webview's CSP allows; they follow the
// editor's theme through its CSS variables. Tables stay native (<table>): they drop optional
// columns in a narrow panel and keep row selection by keyboard, which vscode-table's fixed
// percentage columns do not.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import { h } from './dom';

export interface ButtonOptions {
  /** What a screen reader says (and the tooltip), when the label alone is not enough. */
  title?: string;
  testId?: string;
  secondary?: boolean;
  type?: 'button' | 'submit';
  className?: string;
}

export function vsButton(label: string, run: (() => void) | null, o: ButtonOptions = {}): HTMLElement {
  const attrs: Record<string, string> = { type: o.type ?? 'button' };
  if (o.secondary ?? true) {
    attrs.secondary = '';
  }
  if (o.title) {
    attrs.title = o.title;
    attrs['aria-label'] = o.title;
  }
  if (o.testId) {
    attrs['data-testid'] = o.testId;
  }
  if (o.className) {
    attrs.class = o.className;
  }
  const b = h('vscode-button', attrs, label);
  if (run) {
    b.addEventListener('click', run);
  }
  return b;
}

/** Tabs with arrow-key navigation and the ARIA roles wired by the component; the first tab is shown. */
export function vsTabs(label: string, tabs: { title: string; panel: HTMLElement; testId?: string }[]): HTMLElement {
  const el = h('vscode-tabs', { 'aria-label': label, 'selected-index': '0' });
  for (const t of tabs) {
    el.append(h('vscode-tab-header', { slot: 'header', ...(t.testId ? { 'data-testid': `${t.testId}-tab` } : {}) }, t.title), h('vscode-tab-panel', t.testId ? { 'data-testid': `${t.testId}-panel` } : null, t.panel));
  }
  return el;
}
