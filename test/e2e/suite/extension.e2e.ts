// vscode-API tests in a real workbench (code-server's extension host), against a real daemon
// started by the extension in simulate mode under the run's private LLM_ROUTER_HOME.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ChatCompleteResult, DaemonStatusResult, MethodName, ParamsIn, Result } from '../../../daemon/protocol';
import { createHttpRpcClient } from '../../../daemon/client/httpClient';
import type { RouterError } from '../../../daemon/protocol/errors';
import { Commands, EXTENSION_ID } from '../../../extension/constants';
import type { LlmRouterApi } from '../../../extension/extension';
import { formatPercent, formatUsd } from '../../../webview/format';

const POLL_MS = 100;

async function eventually<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Writes go to the daemon itself, with the token from daemon.json: the extension's exported API is read-only. */
async function daemonRpc<M extends MethodName>(home: string, method: M, params: ParamsIn<M>): Promise<Result<M>> {
  const info = JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8')) as { port: number; token: string };
  const client = createHttpRpcClient({ port: info.port, token: info.token });
  try {
    return await client.call(method, params);
  } finally {
    client.close();
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function registerExtensionSuite(): void {
  describe('LLM Router in a real workbench', () => {
    let api: LlmRouterApi;
    const home = process.env.LLM_ROUTER_HOME ?? '';

    before(async () => {
      assert.ok(home, 'the harness sets LLM_ROUTER_HOME for the extension host');
      const ext = vscode.extensions.getExtension<LlmRouterApi>(EXTENSION_ID);
      assert.ok(ext, `${EXTENSION_ID} is loaded`);
      api = await ext.activate();
    });

    it('activation starts the daemon in the private home and attaches to it', async () => {
      const info = await api.ready();
      assert.ok(existsSync(join(home, 'daemon.json')), 'discovery file written');
      assert.ok(pidAlive(info.pid), `daemon pid ${info.pid} is alive`);
      const status = await api.call('daemon/status', {});
      assert.equal(status.pid, info.pid);
      assert.equal(status.home, home);
      assert.equal(status.simulate, true, 'the run sets llmRouter.simulate to always');
      assert.ok(status.clients >= 1, `at least this window is attached (clients=${status.clients})`);
    });

    it('the commands are registered', async () => {
      const all = await vscode.commands.getCommands(true);
      for (const id of Object.values(Commands)) {
        assert.ok(all.includes(id), `${id} registered`);
      }
    });

    it('Ask returns a routed answer from the simulator, streamed, and the answer panel shows it', async () => {
      const deltas: string[] = [];
      const sub = api.onChatDelta((d) => deltas.push(d.text));
      let result: ChatCompleteResult | undefined;
      try {
        result = await vscode.commands.executeCommand<ChatCompleteResult | undefined>(Commands.ask, { question: 'In one sentence: what does a binary search do?' });
      } finally {
        sub.dispose();
      }
      assert.ok(result, 'Ask returned a result (it returns undefined after showing an error)');
      assert.ok(deltas.length > 1, `the answer arrived in pieces (${deltas.length} chat/delta notifications)`);
      assert.equal(deltas.join(''), result.text, 'the pieces add up to the answer');
      assert.ok(result.text.trim().length > 0, 'the answer has text');
      assert.ok(result.routing.model.length > 0 && result.routing.provider.length > 0, 'the routing names a model and provider');
      assert.ok(result.routing.reason.length > 0, 'the routing gives a reason');
      assert.ok(result.usage.outputTokens > 0, 'usage is reported');
      assert.ok(result.routing.costState === 'unknown' || (result.routing.actualCostUsd !== null && result.routing.actualCostUsd >= 0), 'cost is known or explicitly unknown');
      const shown = api.lastAnswer();
      assert.ok(shown?.done, 'the answer panel finished');
      assert.equal(shown.done.result.requestId, result.requestId);
      assert.equal(shown.text, result.text);
      const rows = await api.call('spend/requests', { limit: 5 });
      const row = rows.rows.find((r) => r.id === result.requestId);
      assert.ok(row, 'the request is in the ledger');
      assert.equal(row.clientKind, 'editor');
      assert.equal(row.workspace, vscode.workspace.workspaceFolders?.[0]?.uri.fsPath);
      assert.equal(row.model, result.routing.model);
    });

    it('Ask on a selection sends the instruction with the selected code', async () => {
      const folder = vscode.workspace.workspaceFolders?.[0];
      assert.ok(folder, 'the harness opens a workspace folder');
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, 'src', 'search.ts'));
      const editor = await vscode.window.showTextDocument(doc);
      editor.selection = new vscode.Selection(0, 0, doc.lineCount, 0);
      const result = await vscode.commands.executeCommand<ChatCompleteResult | undefined>(Commands.ask, { question: 'What does this function return when x is missing?' });
      assert.ok(result && result.text.length > 0);
      assert.equal(api.lastAnswer()?.question, 'What does this function return when x is missing?');
      const rows = await api.call('spend/requests', { limit: 5 });
      const row = rows.rows.find((r) => r.id === result.requestId);
      assert.ok(row, 'the request is in the ledger');
      assert.ok(row.tokensIn > 60, `the selection went with the question (${row.tokensIn} input tokens)`);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });

    it('feedback on the last answer is recorded; an unknown request id comes back as notFound', async () => {
      // The answer panel's 👍/👎 send exactly this through the bridge (the UI phase clicks them).
      const answered = api.lastAnswer()?.done?.result.requestId;
      assert.ok(answered, 'an earlier test answered a question');
      const recorded = await daemonRpc(home, 'feedback/submit', { requestId: answered, thumbs: 'down' });
      assert.equal(recorded.requestId, answered);
      assert.equal(recorded.value, 0, 'thumbs down is 0 on the 0..1 scale');
      assert.ok(recorded.feedbackId.length > 0);
      await assert.rejects(daemonRpc(home, 'feedback/submit', { requestId: 'req_not_a_real_request', thumbs: 'up' }), (err: RouterError) => {
        assert.equal(err.code, 'notFound');
        return true;
      });
    });

    it('the status bar shows today\'s spend and follows spend/changed', async () => {
      const before = await api.refreshStatusBar();
      assert.ok(before, 'spend/summary answered');
      assert.equal(api.statusBarText(), `$(pulse) ${formatUsd(before.costUsd)} today`);
      const result = await vscode.commands.executeCommand<ChatCompleteResult | undefined>(Commands.ask, { question: 'Name a prime number.' });
      assert.ok(result);
      // No explicit refresh: the daemon's spend/changed notification drives the update.
      const after = await eventually('the status bar to count the new request', () => {
        const s = api.statusBarSummary();
        return s && s.requests > before.requests ? s : undefined;
      });
      assert.equal(after.requests, before.requests + 1);
      assert.equal(api.statusBarText(), `$(pulse) ${formatUsd(after.costUsd)} today`);
    });

    it('Open Dashboard opens the dashboard panel', async () => {
      await vscode.commands.executeCommand(Commands.openDashboard);
      assert.equal(api.dashboardOpen(), true);
    });

    it('Show Daemon Status returns the daemon status', async () => {
      const status = await vscode.commands.executeCommand<DaemonStatusResult | undefined>(Commands.showDaemonStatus);
      assert.ok(status);
      assert.equal(status.home, home);
    });

    it('the exported API is read-only: writes are refused as methodNotFound and ready() carries no token', async () => {
      const anyCall = api.call as (method: string, params: unknown) => Promise<unknown>;
      for (const [method, params] of [
        ['keys/set', { provider: 'openai', apiKey: 'sk-test-not-a-real-key' }],
        ['budget/delete', { id: 'x' }],
        ['daemon/shutdown', {}],
        ['chat/complete', { messages: [{ role: 'user', content: 'hi' }] }],
      ] as const) {
        await assert.rejects(anyCall(method, params), (err: RouterError) => {
          assert.equal(err.code, 'methodNotFound', `${method}: ${err.message}`);
          return true;
        });
      }
      const info = await api.ready();
      assert.equal('token' in info, false);
      assert.equal((await api.call('daemon/status', {})).pid, info.pid, 'the daemon is still up');
    });

    it('an unreachable keychain comes back as keychainUnavailable with a message naming what is missing', async () => {
      // The harness gives the server no session bus, so the daemon cannot reach a keychain.
      await assert.rejects(daemonRpc(home, 'keys/set', { provider: 'openai', apiKey: 'sk-test-not-a-real-key' }), (err: RouterError) => {
        assert.equal(err.code, 'keychainUnavailable');
        assert.ok(err.message.length > 20, `a message a person can act on: ${err.message}`);
        return true;
      });
    });

    it('a global daily budget shows as a share of the day in the status bar', async () => {
      // Small enough to show a visible share, large enough that the run's few requests stay under it.
      const status = await daemonRpc(home, 'budget/set', { name: 'Daily', scope: 'global', period: 'day', limitUsd: 0.005 });
      assert.equal(status.budget.period, 'day');
      // budget/changed drives the refresh; no explicit refresh here.
      const text = await eventually('the status bar to show the daily share', () => {
        const t = api.statusBarText();
        return / · <?\d+% of daily$/.test(t) ? t : undefined;
      });
      const spent = api.statusBarSummary();
      assert.ok(spent);
      assert.equal(text, `$(pulse) ${formatUsd(spent.costUsd)} today · ${formatPercent(status.fraction)} of daily`);
    });

    describe('LLM Router as a VS Code chat model provider', () => {
      let models: vscode.LanguageModelChat[] = [];

      async function collect(response: vscode.LanguageModelChatResponse, onText?: (t: string) => void): Promise<{ texts: string[]; calls: vscode.LanguageModelToolCallPart[] }> {
        const texts: string[] = [];
        const calls: vscode.LanguageModelToolCallPart[] = [];
        for await (const part of response.stream) {
          if (part instanceof vscode.LanguageModelTextPart) {
            texts.push(part.value);
            onText?.(part.value);
          } else if (part instanceof vscode.LanguageModelToolCallPart) {
            calls.push(part);
          }
        }
        return { texts, calls };
      }

      async function ledgerRow(predicate: (r: { clientName: string | null; status: string }) => boolean) {
        return eventually('the chat request in the ledger', async () => (await api.call('spend/requests', { limit: 20 })).rows.find(predicate));
      }

      it('selectChatModels({ vendor: "llm-router" }) lists auto, each tradeoff and each policy with capabilities from the candidates', async () => {
        models = await eventually('the llm-router chat models', async () => {
          const found = await vscode.lm.selectChatModels({ vendor: 'llm-router' });
          return found.length > 0 ? found : undefined;
        });
        const ids = models.map((m) => m.id);
        for (const id of ['auto', 'auto:quality', 'auto:cost', 'auto:latency', 'auto:balanced']) {
          assert.ok(ids.includes(id), `${id} offered (got ${ids.join(', ')})`);
        }
        const policies = await daemonRpc(home, 'policy/list', {});
        for (const p of policies.policies) {
          assert.ok(ids.includes(`policy:${p.name}`), `policy ${p.name} offered`);
        }
        const catalog = await api.call('models/list', {});
        const auto = models.find((m) => m.id === 'auto');
        assert.ok(auto);
        assert.equal(auto.vendor, 'llm-router');
        assert.equal(auto.name, 'LLM Router (auto)');
        assert.equal(auto.maxInputTokens, Math.max(...catalog.models.map((m) => m.contextWindow)), 'the widest candidate window (simulate mode: every model is a candidate)');
      });

      it('sendRequest streams a routed answer, and the ledger records it for client vscode-chat', async () => {
        const auto = models.find((m) => m.id === 'auto:cost');
        assert.ok(auto);
        const { texts } = await collect(await auto.sendRequest([vscode.LanguageModelChatMessage.User('In one sentence: what is a hash map?')], {}));
        assert.ok(texts.length > 1, `the answer streamed in pieces (${texts.length})`);
        const answer = texts.join('');
        assert.ok(answer.length > 0);
        const last = api.lastRouting();
        assert.equal(last?.source, 'vscode-chat');
        const row = await ledgerRow((r) => r.clientName === 'vscode-chat');
        assert.equal(row.id, last?.routing.requestId);
        assert.equal(row.clientKind, 'editor');
        assert.equal(row.status, 'ok');
        assert.equal(row.model, last?.routing.model);
        assert.equal(row.workspace, vscode.workspace.workspaceFolders?.[0]?.uri.fsPath);
        await eventually('the status bar tooltip to name the last answer', () => (api.statusBarTooltip().includes(`Last answer (vscode-chat): ${row.model}`) ? true : undefined));
      });

      it('a tool call round trip: the model asks for a tool, the tool result goes back, the answer uses it', async () => {
        const auto = models.find((m) => m.id === 'auto');
        assert.ok(auto);
        const tools: vscode.LanguageModelChatTool[] = [{ name: 'get_weather', description: 'The weather in a city', inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];
        const ask = vscode.LanguageModelChatMessage.User('What is the weather in Paris?');
        const first = await collect(await auto.sendRequest([ask], { tools, toolMode: vscode.LanguageModelChatToolMode.Auto }));
        assert.equal(first.calls.length, 1, 'one tool call');
        const call = first.calls[0];
        assert.ok(call);
        assert.equal(call.name, 'get_weather');
        assert.equal(typeof call.input, 'object');
        const second = await collect(
          await auto.sendRequest(
            [ask, vscode.LanguageModelChatMessage.Assistant([call]), vscode.LanguageModelChatMessage.User([new vscode.LanguageModelToolResultPart(call.callId, [new vscode.LanguageModelTextPart('sunny and 21 degrees')])])],
            { tools },
          ),
        );
        assert.equal(second.calls.length, 0);
        assert.match(second.texts.join(''), /sunny and 21 degrees/, 'the simulator answers from the tool result it was sent');
      });

      it('cancelling the request cancels the upstream call: the stream stops and the ledger says cancelled', async () => {
        const auto = models.find((m) => m.id === 'auto');
        assert.ok(auto);
        const source = new vscode.CancellationTokenSource();
        // [sim-fault:drip]: the simulator sends one piece every 400 ms, so the cancel lands mid-answer.
        const response = await auto.sendRequest([vscode.LanguageModelChatMessage.User('Write a long essay about rivers. [sim-fault:drip]')], {}, source.token);
        const started = Date.now();
        let pieces = 0;
        await collect(response, () => {
          pieces += 1;
          if (pieces === 1) {
            source.cancel();
          }
        }).catch(() => undefined);
        assert.ok(Date.now() - started < 20_000, 'the stream ended soon after the cancel');
        const row = await ledgerRow((r) => r.clientName === 'vscode-chat' && r.status === 'cancelled');
        assert.equal(row.status, 'cancelled');
      });

      it('countTokens uses the daemon\'s tokenizer', async () => {
        const auto = models.find((m) => m.id === 'auto');
        assert.ok(auto);
        const text = 'The quick brown fox jumps over the lazy dog.';
        const counted = await auto.countTokens(text);
        const daemon = await daemonRpc(home, 'tokens/count', { text });
        assert.equal(counted, daemon.tokens);
        assert.equal(counted, 10);
      });
    });

    it('Pause All Spending refuses Ask and chat, turns the status bar red; Resume lifts it', async () => {
      await vscode.commands.executeCommand(Commands.pauseSpending, { reason: 'e2e test' });
      await eventually('the status bar to show paused', () => (api.statusBarText().includes('paused') ? true : undefined));
      assert.equal(api.statusBarBackground(), 'statusBarItem.errorBackground');
      await assert.rejects(daemonRpc(home, 'chat/complete', { messages: [{ role: 'user', content: 'hi' }] }), (err: RouterError) => err.code === 'spendingPaused');
      await vscode.commands.executeCommand(Commands.resumeSpending);
      await eventually('the status bar to leave paused', () => (api.statusBarText().includes('paused') ? undefined : true));
      const ok = await daemonRpc(home, 'chat/complete', { messages: [{ role: 'user', content: 'hi' }] });
      assert.ok(ok.text.length > 0);
    });

    it('Show Environment lines name this daemon\'s endpoint and token for Claude Code and the OpenAI SDK', async () => {
      const info = JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8')) as { port: number; token: string };
      const text = await vscode.commands.executeCommand<string | undefined>(Commands.showClientSetup);
      assert.ok(text);
      assert.ok(text.includes(`export ANTHROPIC_BASE_URL=http://127.0.0.1:${info.port}`));
      assert.ok(text.includes(`export OPENAI_BASE_URL=http://127.0.0.1:${info.port}/v1`));
      assert.ok(text.includes(`export OPENAI_API_KEY=${info.token}`));
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });

    it('the status bar tooltip lists each budget window and the mode; the background turns at the alert threshold', async () => {
      await daemonRpc(home, 'budget/set', { name: 'Weekly tiny', scope: 'global', period: 'week', limitUsd: 0.000001, alertThreshold: 0.5 });
      // Spend so far is above this limit: the budget is exceeded (error background).
      await eventually('the error background', () => (api.statusBarBackground() === 'statusBarItem.errorBackground' ? true : undefined));
      const tip = api.statusBarTooltip();
      assert.match(tip, /simulated providers/);
      assert.match(tip, /Budget "Daily"/);
      assert.match(tip, /Budget "Weekly tiny".*limit reached/);
      const list = await api.call('budget/list', {});
      const weekly = list.budgets.find((b) => b.name === 'Weekly tiny');
      assert.ok(weekly);
      await daemonRpc(home, 'budget/delete', { id: weekly.id });
      await eventually('the background to clear', () => (api.statusBarBackground() !== 'statusBarItem.errorBackground' ? true : undefined));
    });

    it('activation time is measured in the extension host', () => {
      const ms = api.activationMs();
      assert.ok(ms > 0 && ms < 5_000, `activate() took ${ms} ms`);
      console.log(`[measure] activation ${ms.toFixed(1)} ms`);
    });

    it('a killed daemon is restarted by the next call', async () => {
      const first = await api.ready();
      process.kill(first.pid, 'SIGKILL');
      await eventually('the old daemon to exit', () => (pidAlive(first.pid) ? undefined : true));
      const status = await eventually('a new daemon to answer', async () => {
        try {
          return await api.call('daemon/status', {});
        } catch {
          return undefined;
        }
      }, 30_000);
      assert.notEqual(status.pid, first.pid);
      const result = await vscode.commands.executeCommand<ChatCompleteResult | undefined>(Commands.ask, { question: 'Still there?' });
      assert.ok(result && result.text.length > 0, 'Ask works against the new daemon');
    });
  });
}
