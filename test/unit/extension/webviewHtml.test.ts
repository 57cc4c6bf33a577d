import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentSecurityPolicy, newNonce, renderWebviewHtml } from '../../../extension/webviewHtml';

test('the CSP allows nothing by default, our script by nonce and styles from the webview source only', () => {
  const csp = contentSecurityPolicy('https://x.vscode-cdn.net', 'abc123');
  assert.match(csp, /^default-src 'none'; /);
  assert.match(csp, /script-src 'nonce-abc123'/);
  assert.match(csp, /style-src https:\/\/x\.vscode-cdn\.net(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
});

test('the HTML loads one nonce-tagged script and the stylesheet, and names the view', () => {
  const html = renderWebviewHtml({ view: 'dashboard', title: 'A <b> title', cspSource: 'vscode-resource:', scriptUri: 'vscode-resource:/dist/webview.js', styleUri: 'vscode-resource:/dist/webview.css', nonce: 'N0nce' });
  assert.equal((html.match(/<script/g) ?? []).length, 1);
  assert.match(html, /<script nonce="N0nce" src="vscode-resource:\/dist\/webview.js"><\/script>/);
  assert.match(html, /<link rel="stylesheet" href="vscode-resource:\/dist\/webview.css">/);
  assert.match(html, /<body data-view="dashboard">/);
  assert.match(html, /<title>A &lt;b&gt; title<\/title>/);
});

test('nonces are fresh and alphanumeric', () => {
  const a = newNonce();
  const b = newNonce();
  assert.notEqual(a, b);
  assert.match(a, /^[A-Za-z0-9]{16,}$/);
});
