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
