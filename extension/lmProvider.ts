// LLM Router in VS Code's chat model picker (`vscode.lm.registerLanguageModelChatProvider`, stable
// since 1.104): each model is a routing mode. A request goes through the daemon's chat/complete —
// the same routing, budgets, experiments and ledger as every other client — attributed to the
// client `vscode-chat`; text streams back as chat/delta notifications, tool calls come back whole,
// and cancelling the chat sends $/cancelRequest, which aborts the upstream call.
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import type { ChatCompleteParams, ClientContext, RoutingOptions } from '../daemon/protocol';
import type { z } from 'zod';
import type { Config } from './config';
import { errorMessage, toRouterError, type DaemonClient } from './daemonClient';
import type { LastAnswerTracker } from './lastAnswer';
import { countableText, toChatMessages, toolCallInput, toToolDefinitions } from './lm/messages';
import { LM_VENDOR, routerChatModels, type RouterChatModel } from './lm/models';

export const CHAT_CLIENT_NAME = 'vscode-chat';

type ModelInformation = vscode.LanguageModelChatInformation & { routing: RoutingOptions };

export class RouterChatProvider implements vscode.LanguageModelChatProvider<ModelInformation>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeLanguageModelChatInformation = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly daemon: DaemonClient,
    private readonly config: Config,
    private readonly lastAnswer: LastAnswerTracker,
    private readonly log: vscode.LogOutputChannel,
  ) {
    // Attaching, a new key, a catalog or policy change: the list may differ.
    this.subscriptions = [daemon.onDidChangeState((s) => s === 'connected' && this.changed.fire())];
  }

  async provideLanguageModelChatInformation(_options: vscode.PrepareLanguageModelChatModelOptions, token: vscode.CancellationToken): Promise<ModelInformation[]> {
    let models: RouterChatModel[];
    try {
      const [list, policies, status] = await Promise.all([
        this.daemon.call('models/list', {}, token),
        this.daemon.call('policy/list', {}, token),
        this.daemon.call('daemon/status', {}, token),
      ]);
      models = routerChatModels({ models: list.models, policies: policies.policies, simulate: status.simulate, defaultTradeoff: this.config.defaultTradeoff });
    } catch (err) {
      // The picker still lists the routing modes; a request then reports why the daemon is unreachable.
      this.log.warn(`chat models: could not read the daemon's catalog (${errorMessage(err)}); listing the routing modes only`);
      models = routerChatModels({ models: [], policies: [], simulate: false, defaultTradeoff: this.config.defaultTradeoff });
    }
    return models.map((m) => ({
      id: m.id,
      name: m.name,
      family: m.family,
      version: m.version,
      tooltip: m.tooltip,
      detail: m.detail,
      maxInputTokens: m.maxInputTokens,
      maxOutputTokens: m.maxOutputTokens,
      capabilities: m.capabilities,
      routing: m.routing,
    }));
  }

  async provideLanguageModelChatResponse(
    model: ModelInformation,
    messages: readonly vscode.LanguageModelChatRequestMessage[],
    options: vscode.ProvideLanguageModelChatResponseOptions,
    progress: vscode.Progress<vscode.LanguageModelResponsePart>,
    token: vscode.CancellationToken,
  ): Promise<void> {
    const chatMessages = toChatMessages(messages);
    if (chatMessages.length === 0) {
      throw new Error('LLM Router: the request has no messages with text, images or tool results.');
    }
    const tools = toToolDefinitions(options.tools);
    const required = new Set(model.routing.requiredCapabilities ?? []);
    if (tools) {
      required.add('tools');
    }
    if (chatMessages.some((m) => Array.isArray(m.content) && m.content.some((p) => p.type === 'image_url'))) {
      required.add('vision');
    }
    const routing: RoutingOptions = { ...model.routing, ...(required.size > 0 ? { requiredCapabilities: [...required] } : {}) };
    const streamId = randomUUID();
    const params: z.input<typeof ChatCompleteParams> = {
      model: 'auto',
      messages: chatMessages,
      routing,
      context: editorContext(),
      streamId,
      ...(tools ? { tools, tool_choice: options.toolMode === vscode.LanguageModelChatToolMode.Required ? 'required' : 'auto' } : {}),
    };
    let streamed = '';
    const deltas = this.daemon.onChatDelta((d) => {
      if (d.streamId === streamId && !token.isCancellationRequested) {
        streamed += d.text;
        progress.report(new vscode.LanguageModelTextPart(d.text));
      }
    });
    try {
      const result = await this.daemon.call('chat/complete', params, token);
      // A fallback model may have answered without streaming: what was not streamed is sent now.
      if (result.text.startsWith(streamed) && result.text.length > streamed.length) {
        progress.report(new vscode.LanguageModelTextPart(result.text.slice(streamed.length)));
      }
      for (const call of result.toolCalls ?? []) {
        progress.report(new vscode.LanguageModelToolCallPart(call.id, call.function.name, toolCallInput(call.function.arguments)));
      }
      this.lastAnswer.record(CHAT_CLIENT_NAME, result.routing);
    } catch (err) {
      if (token.isCancellationRequested) {
        throw new vscode.CancellationError();
      }
      const error = toRouterError(err);
      this.log.warn(`chat request (${model.id}) failed: ${error.code}: ${error.message}`);
      throw new Error(`LLM Router: ${error.message}`, { cause: err });
    } finally {
      deltas.dispose();
    }
  }

  async provideTokenCount(_model: ModelInformation, text: string | vscode.LanguageModelChatRequestMessage, token: vscode.CancellationToken): Promise<number> {
    const counted = await this.daemon.call('tokens/count', { text: countableText(text) }, token);
    return counted.tokens;
  }

  dispose(): void {
    this.changed.dispose();
    for (const s of this.subscriptions) {
      s.dispose();
    }
  }
}

/** What the editor knows about where the request comes from (rules and features can match on it). */
export function editorContext(command = 'chat', name = CHAT_CLIENT_NAME): ClientContext {
  const editor = vscode.window.activeTextEditor;
  return {
    kind: 'editor',
    name,
    workspace: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    command,
    languageId: editor?.document.languageId,
    selectionChars: editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection).length : 0,
    diagnosticsCount: editor ? vscode.languages.getDiagnostics(editor.document.uri).length : 0,
  };
}

export function registerChatProvider(provider: RouterChatProvider): vscode.Disposable {
  return vscode.lm.registerLanguageModelChatProvider(LM_VENDOR, provider);
}
