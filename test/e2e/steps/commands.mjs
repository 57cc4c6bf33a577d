// Workbench steps for the commands a user reaches for (issue 16 §2, §3, §7): Set Budget…, Ask with
// Policy…, budget alerts once per window and threshold (across a daemon restart), Restart Daemon,
// Copy Endpoint and Token, and the environment lines. Each step runs on its own through `t.soft`
// (a failure is recorded with a screenshot and the next step runs) and saves a screenshot.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listenToDaemon } from '../lib/daemonEvents.mjs';
import { editorLines, findViewFrame, notification, notificationCount, readClipboard, runCommand, sleep } from '../lib/ui.mjs';

const ANSWER_TIMEOUT_MS = 60_000;
const ALERT_BUDGET = 'Hourly alert test';

/**
 * @param t {{ page, soft, rpc, home, results, log, dismissToasts, sendModal, spentToday, setDaily }}
 */
export async function commandSteps(t) {
  const { page, soft, rpc, home, results, log, dismissToasts, sendModal } = t;
  const shot = (file) => page.screenshot({ path: join(results, file) });
  const discovery = () => JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8'));
  /** A script's call to the daemon's OpenAI endpoint (the discovery file's port and token). */
  const script = async (content) => {
    const { port, token } = discovery();
    const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content }] }),
    });
    const body = await res.text();
    return { status: res.status, body };
  };
  const waitFor = async (what, check, ms = 10_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await check();
      if (value) {
        return value;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${ms} ms waiting for ${what}`);
      }
      await sleep(200);
    }
  };

  await soft('Set Budget…: a weekly budget from the quick pick and input box (−1 is refused in the box); the daemon holds it', async () => {
    await dismissToasts();
    await runCommand(page, 'LLM Router: Set Budget…');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Set Budget… (1/2)' }).waitFor({ state: 'visible', timeout: 10_000 });
    await page.locator('.quick-input-list .monaco-list-row', { hasText: /^week/ }).first().click();
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Set Budget… (2/2)' }).waitFor({ state: 'visible', timeout: 10_000 });
    const input = page.locator('.quick-input-widget input');
    await input.fill('-1');
    await page.locator('.quick-input-widget', { hasText: 'A positive number of dollars' }).waitFor({ state: 'visible', timeout: 5_000 });
    await sleep(300);
    await shot('set-budget-input.png');
    await input.fill('7.5');
    await page.keyboard.press('Enter');
    await notification(page, /budget "Weekly" is \$7\.50 per week/);
    await sleep(500);
    await shot('set-budget.png');
    const weekly = (await rpc('budget/list', {})).budgets.find((b) => b.scope === 'global' && b.period === 'week');
    if (weekly?.limitUsd !== 7.5) {
      throw new Error(`the daemon holds ${JSON.stringify(weekly)}, not a $7.50 weekly budget`);
    }
    log(`Set Budget…: the daemon holds "${weekly.name}" $${weekly.limitUsd} per ${weekly.period}`);
  });

  await soft('Ask with Policy…: the quick pick lists the daemon\'s policies; the answer is routed by the one picked (the ledger row names it)', async () => {
    await dismissToasts();
    const { policies } = await rpc('policy/list', {});
    await runCommand(page, 'LLM Router: Ask with Policy…');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Ask with Policy…' }).waitFor({ state: 'visible', timeout: 10_000 });
    for (const p of policies) {
      await page.locator('.quick-input-list .monaco-list-row', { hasText: p.name }).first().waitFor({ timeout: 10_000 });
    }
    await sleep(300);
    await shot('ask-policy-pick.png');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: /^ops/ }).first().click();
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Ask (auto-routed)' }).waitFor({ state: 'visible', timeout: 10_000 });
    await page.locator('.quick-input-widget input').fill('Write a one-line commit message for fixing a typo in the README.');
    await page.keyboard.press('Enter');
    await sendModal();
    const frame = await findViewFrame(page, 'answer', ANSWER_TIMEOUT_MS);
    await frame.waitForSelector('body[data-answer-state="done"]', { timeout: ANSWER_TIMEOUT_MS });
    const model = (await frame.textContent('[data-testid="answer-model"]'))?.trim();
    // VS Code's chat may add rows of its own meanwhile: the Ask's row is the latest editor row not from chat.
    const row = (await rpc('spend/requests', { limit: 10 })).rows.find((r) => r.clientName !== 'vscode-chat' && r.clientKind === 'editor');
    const ops = policies.find((p) => p.name === 'ops');
    if (row?.policy !== 'ops') {
      throw new Error(`the ledger row says policy ${row?.policy}, not ops`);
    }
    if (row.model !== model || (ops?.models.length && !ops.models.includes(row.model))) {
      throw new Error(`answered by ${row.model} (panel: ${model}), which is not one of the ops policy's models`);
    }
    await sleep(400);
    await shot('ask-policy-answer.png');
    log(`Ask with Policy…: ${policies.length} policies listed; "ops" answered by ${row.model} (${row.strategy})`);
    await runCommand(page, 'View: Close All Editors');
  });

  // Budget alerts: a global hourly budget past its 50 % threshold, then past its limit. The daemon
  // announces the limit again after a restart (its "already announced" set is per process); the
  // window must still show each threshold once. A listener on the daemon's channel counts what the
  // daemon sent, so the check cannot pass only because nothing was announced twice.
  let alertBudget;
  let sent = [];
  const shown = async () => ({
    alert: await notificationCount(page, `budget "${ALERT_BUDGET}" is at`),
    exhausted: await notificationCount(page, `budget "${ALERT_BUDGET}" is exhausted`),
  });
  try {
    await soft('budget alerts: one notification at the alert threshold and one at the limit, however often the daemon announces them', async () => {
      await dismissToasts();
      const listener = await listenToDaemon(home, ['budget/alert']);
      try {
        const set = (limitUsd) => rpc('budget/set', { ...(alertBudget ? { id: alertBudget } : {}), name: ALERT_BUDGET, scope: 'global', period: 'hour', limitUsd, alertThreshold: 0.5, actions: ['notify'] });
        let result = await set(1000);
        alertBudget = result.budget.id;
        // This hour's spend must dwarf one cheap request, so the budget can sit past 50 % and still admit it.
        const prompt = 'What is 2 + 2?';
        const one = (await rpc('route/estimate', { model: 'auto', messages: [{ role: 'user', content: prompt }] })).estimatedCostUsd ?? 0;
        for (let i = 0; i < 6 && !(result.spentUsd >= 5 * one && result.spentUsd > 0); i++) {
          await script('Explain the difference between a process and a thread in a paragraph.');
          result = await set(1000);
        }
        await set(result.spentUsd / 0.6);
        for (const content of [prompt, 'Name a prime number.']) {
          const r = await script(content);
          if (r.status !== 200) {
            throw new Error(`a request under the limit was refused: ${r.status} ${r.body.slice(0, 200)}`);
          }
        }
        const warning = await notification(page, new RegExp(`budget "${ALERT_BUDGET}" is at`));
        await warning.hover().catch(() => {});
        await sleep(500);
        await shot('budget-alert.png');
        // The limit: below what is spent, so the next calls are refused and the daemon announces it.
        const spent = (await set(1000)).spentUsd;
        await set(spent / 2);
        for (const content of ['Refused one.', 'Refused two.']) {
          const r = await script(content);
          if (r.status !== 402) {
            throw new Error(`expected 402 past the limit, got ${r.status} ${r.body.slice(0, 200)}`);
          }
        }
        await notification(page, new RegExp(`budget "${ALERT_BUDGET}" is exhausted`));
        await waitFor('the daemon\'s "exceeded" announcement', () => listener.received.some((n) => n.params.budgetId === alertBudget && n.params.state === 'exceeded'));
        await sleep(1_000);
        const counts = await shown();
        await sleep(300);
        await shot('budget-exceeded.png');
        await page.keyboard.press('Escape');
        sent = listener.received.filter((n) => n.params.budgetId === alertBudget).map((n) => n.params.state);
        if (counts.alert !== 1 || counts.exhausted !== 1) {
          throw new Error(`the window shows ${counts.alert} alert and ${counts.exhausted} limit notifications (the daemon sent ${sent.join(', ')})`);
        }
        log(`budget alerts: the daemon sent ${sent.join(', ')}; the window shows 1 alert and 1 limit notification`);
      } finally {
        listener.close();
      }
    });

    await soft('Restart Daemon: the old daemon exits, a new pid answers, and this window attaches to it', async () => {
      // No clearing here: the alert notifications stay, so the next step can count them.
      const before = discovery();
      await runCommand(page, 'LLM Router: Restart Daemon');
      const toast = await notification(page, /daemon restarted \(pid \d+/);
      const text = (await toast.textContent()) ?? '';
      const pid = Number(/pid (\d+)/.exec(text)?.[1]);
      const after = discovery();
      if (!(pid > 0) || pid === before.pid || after.pid !== pid) {
        throw new Error(`restart reported pid ${pid}; daemon.json says ${after.pid} (before ${before.pid})`);
      }
      await waitFor(`the old daemon (pid ${before.pid}) to exit`, () => {
        try {
          process.kill(before.pid, 0);
          return false;
        } catch {
          return true;
        }
      });
      const status = await rpc('daemon/status', {});
      if (status.pid !== pid) {
        throw new Error(`daemon/status answers from pid ${status.pid}, not ${pid}`);
      }
      // This window listens to the new daemon: a budget change moves its status bar.
      const spent = await t.spentToday();
      await t.setDaily(spent * 10);
      await page.waitForFunction(() => [...globalThis.document.querySelectorAll('.statusbar-item')].some((e) => /today · 10% of daily/.test(e.textContent ?? '')), null, { timeout: 10_000 });
      await sleep(300);
      await shot('restart-daemon.png');
      await t.setDaily(spent * 20);
      log(`Restart Daemon: pid ${before.pid} → ${pid}; ${status.clients} client(s) attached; the status bar follows the new daemon`);
    });

    await soft('budget alerts after the restart: the new daemon announces the limit again; the window still shows it once', async () => {
      if (!alertBudget) {
        throw new Error('no alert budget: the step before failed');
      }
      const listener = await listenToDaemon(home, ['budget/alert']);
      try {
        const r = await script('Refused after the restart.');
        if (r.status !== 402) {
          throw new Error(`expected 402 past the limit, got ${r.status} ${r.body.slice(0, 200)}`);
        }
        await waitFor('the new daemon\'s "exceeded" announcement', () => listener.received.some((n) => n.params.budgetId === alertBudget && n.params.state === 'exceeded'));
        // Time for the window to (wrongly) show it a second time.
        await sleep(1_500);
        const counts = await shown();
        await sleep(300);
        await shot('budget-alert-once.png');
        await page.keyboard.press('Escape');
        const again = listener.received.filter((n) => n.params.budgetId === alertBudget).map((n) => n.params.state);
        if (counts.alert !== 1 || counts.exhausted !== 1) {
          throw new Error(`after the restart the window shows ${counts.alert} alert and ${counts.exhausted} limit notifications`);
        }
        log(`budget alerts after the restart: the daemon sent ${[...sent, ...again].join(', ')} in all; the window still shows 1 and 1`);
      } finally {
        listener.close();
      }
    });
  } finally {
    if (alertBudget) {
      await rpc('budget/delete', { id: alertBudget }).catch((err) => log(`could not delete the alert budget: ${err}`));
    }
  }

  await soft('Copy Endpoint and Token: the clipboard holds this daemon\'s URL and token, and a script can use them', async () => {
    await dismissToasts();
    await runCommand(page, 'LLM Router: Copy Endpoint and Token');
    await notification(page, /copied the endpoint/);
    const { port, token } = discovery();
    const clip = await waitFor('the clipboard to hold the endpoint', async () => {
      const text = await readClipboard(page).catch(() => '');
      return text.includes('LLM_ROUTER_URL=') ? text : undefined;
    });
    if (clip !== `LLM_ROUTER_URL=http://127.0.0.1:${port}\nLLM_ROUTER_TOKEN=${token}\n`) {
      throw new Error(`the clipboard holds ${JSON.stringify(clip.replace(token, '<token>'))}, not this daemon's endpoint and token`);
    }
    const url = /LLM_ROUTER_URL=(\S+)/.exec(clip)?.[1];
    const key = /LLM_ROUTER_TOKEN=(\S+)/.exec(clip)?.[1];
    const res = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    if (res.status !== 200) {
      throw new Error(`GET ${url}/v1/models with the copied token: ${res.status}`);
    }
    await sleep(500);
    await shot('copy-endpoint.png');
    log(`Copy Endpoint and Token: ${url} and a ${key?.length}-character token; GET /v1/models with them → 200`);
  });

  await soft('Show Environment for Claude Code and the OpenAI SDK: the shell lines reach this daemon the way each SDK calls it', async () => {
    await dismissToasts();
    await runCommand(page, 'LLM Router: Show Environment for Claude Code and the OpenAI SDK');
    await page.waitForFunction(() => /OPENAI_API_KEY/.test(globalThis.document.querySelector('.editor-group-container.active .monaco-editor .view-lines')?.textContent ?? ''), null, { timeout: 15_000 });
    const lines = await editorLines(page);
    const env = Object.fromEntries(lines.map((l) => /^export (\w+)=(\S+)\s*$/.exec(l)).filter(Boolean).map((m) => [m[1], m[2]]));
    for (const name of ['ANTHROPIC_BASE_URL', 'ANTHROPIC_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_API_KEY']) {
      if (!env[name]) {
        throw new Error(`no ${name} line in ${JSON.stringify(lines)}`);
      }
    }
    await sleep(300);
    await shot('environment-lines.png');
    // The OpenAI SDK appends /chat/completions to OPENAI_BASE_URL and sends a bearer key.
    const openai = await fetch(`${env.OPENAI_BASE_URL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.OPENAI_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'Hello through the OpenAI SDK lines.' }] }),
    });
    // Claude Code and the Anthropic SDK append /v1/messages to ANTHROPIC_BASE_URL and send x-api-key.
    const anthropic = await fetch(`${env.ANTHROPIC_BASE_URL}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': env.ANTHROPIC_API_KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', max_tokens: 64, messages: [{ role: 'user', content: 'Hello through the Claude Code lines.' }] }),
    });
    if (openai.status !== 200 || anthropic.status !== 200) {
      throw new Error(`with the shown lines: OpenAI-style call ${openai.status} ${(await openai.text()).slice(0, 160)}; Anthropic-style call ${anthropic.status} ${(await anthropic.text()).slice(0, 160)}`);
    }
    log(`environment lines: ${Object.keys(env).join(', ')}; an OpenAI-style and an Anthropic-style call with them → 200, 200`);
    await runCommand(page, 'View: Revert and Close Editor');
  });
}
