// Creates a webview panel wired to the bridge: strict CSP, assets only from dist/, and every
// message from the view handed to the validating WebviewBridge.
import * as vscode from 'vscode';
import type { BridgedMethod, BridgedWriteMethod, ViewKind } from '../webview/bridge';
import type { DaemonClient } from './daemonClient';
import { WebviewBridge, type BridgeDeps, type LocalHandlers } from './webviewBridge';
import { renderWebviewHtml } from './webviewHtml';

export interface ViewPanelOptions {
  viewType: string;
  view: ViewKind;
  title: string;
  column: vscode.ViewColumn;
  extensionUri: vscode.Uri;
  daemon: DaemonClient;
  log: vscode.LogOutputChannel;
  local?: Partial<LocalHandlers>;
  writes?: BridgeDeps['writes'];
}

export interface ViewPanel {
  panel: vscode.WebviewPanel;
  bridge: WebviewBridge;
}

export function createViewPanel(options: ViewPanelOptions): ViewPanel {
  const dist = vscode.Uri.joinPath(options.extensionUri, 'dist');
  const panel = vscode.window.createWebviewPanel(options.viewType, options.title, { viewColumn: options.column, preserveFocus: false }, {
    enableScripts: true,
    localResourceRoots: [dist],
  });
  const bridge = new WebviewBridge({
    callDaemon: (method: BridgedMethod | BridgedWriteMethod, params: unknown) => options.daemon.call(method, params as never),
    local: options.local ?? {},
    writes: options.writes,
    post: (message) => panel.webview.postMessage(message),
    log: (message) => options.log.warn(`[${options.view} view] ${message}`),
  });
  panel.webview.onDidReceiveMessage((message: unknown) => {
    bridge.receive(message).catch((err: unknown) => options.log.error(`[${options.view} view] ${String(err)}`));
  });
  panel.webview.html = renderWebviewHtml({
    view: options.view,
    title: options.title,
    cspSource: panel.webview.cspSource,
    scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
    styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.css')).toString(),
  });
  return { panel, bridge };
}
