// The HTML shell every panel loads: a strict Content Security Policy (nothing by default, our one
// script by nonce, styles only from the extension's dist folder) and a data-view attribute telling
// dist/webview.js which view to render. Pure: unit-tested without VS Code.
import { randomBytes } from 'node:crypto';
import type { ViewKind } from '../webview/bridge';

export interface WebviewHtmlInput {
  view: ViewKind;
  title: string;
  /** `webview.cspSource` */
  cspSource: string;
  /** asWebviewUri(dist/webview.js) and asWebviewUri(dist/webview.css), as strings. */
  scriptUri: string;
  styleUri: string;
  nonce?: string;
}

export function newNonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

export function renderWebviewHtml(input: WebviewHtmlInput): string {
  const nonce = input.nonce ?? newNonce();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(contentSecurityPolicy(input.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttr(input.styleUri)}">
<title>${escapeText(input.title)}</title>
</head>
<body data-view="${escapeAttr(input.view)}">
<main id="app" aria-live="polite"></main>
<script nonce="${nonce}" src="${escapeAttr(input.scriptUri)}"></script>
</body>
</html>`;
}

function escapeAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
