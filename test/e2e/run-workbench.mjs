// Real-workbench tests in code-server 4.139.1 on Node 24 from npm (see shared TESTING.md):
//  (a) mocha inside the extension host: activation starts the daemon, Ask answers from the
//      simulator, the status bar follows spend, a killed daemon is restarted;
//  (b) Playwright + Debian's Chromium: Ask from the command palette, then screenshots of the
//      answer, the status bar and the dashboard under test-results/workbench/.
// Everything runs in a temp dir: code-server's user data, extensions, XDG dirs, the workspace and
// LLM_ROUTER_HOME. code-server and the daemon the extension started are stopped by pid at the end.
//
// Needs (apt): chromium ripgrep libkrb5-dev build-essential python3. Run with `npm run test:workbench`
// (which builds dist/ first). Flags: --only=mocha|ui, --keep (leave the temp dir), --vsix=<file>
// (the UI run installs this .vsix instead of loading the extension from the checkout).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { ensureCodeServer, installVsix, startCodeServer, stopCodeServer } from './lib/codeServer.mjs';
import { findViewFrame, notification, readClipboard, runCommand, sleep } from './lib/ui.mjs';
import { commandSteps } from './steps/commands.mjs';
import { dashboardSteps } from './steps/dashboard.mjs';

const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const argv = process.argv.slice(2);
const flag = (name) => argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`))?.split('=')[1] ?? (argv.includes(`--${name}`) ? true : undefined);
const only = flag('only');
const keep = flag('keep') === true;
const vsix = typeof flag('vsix') === 'string' ? resolve(flag('vsix')) : undefined;

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const MOCHA_TIMEOUT_MS = Number(process.env.WORKBENCH_MOCHA_TIMEOUT_MS ?? 180_000);
const ANSWER_TIMEOUT_MS = 60_000;
const results = join(repo, 'test-results', 'workbench');
const cacheDir = join(repo, '.cache', 'code-server');

const started = Date.now();
const timings = {};
const outcomes = []; // { name, ok, ms, error? }
const log = (m) => console.log(`[workbench] ${m}`);

async function timed(name, fn) {
  const t0 = Date.now();
  try {
    return await fn();
  } finally {
    timings[name] = Date.now() - t0;
  }
}

function record(name, ok, ms, error) {
  outcomes.push({ name, ok, ms, error });
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${name} (${ms} ms)${error ? `\n       ${String(error).split('\n').join('\n       ')}` : ''}`);
}

function preflight() {
  for (const f of ['dist/extension.js', 'dist/daemon.js', 'dist/webview.js', 'dist/webview.css']) {
    if (!existsSync(join(repo, f))) {
      throw new Error(`${f} is missing: run \`npm run build\` first (npm run test:workbench does)`);
    }
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
}

async function buildSuite(outDir) {
  await esbuild.build({
    entryPoints: { index: join(repo, 'test/e2e/suite/index.ts') },
    outdir: outDir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    // vscode is the extension host's; mocha resolves from the checkout's node_modules.
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return join(outDir, 'index.js');
}

function workbenchUrl(server, workspace, { extensionPath, testsPath }) {
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [];
  if (extensionPath) {
    payload.push(['extensionDevelopmentPath', remote(extensionPath)]);
  }
  if (testsPath) {
    payload.push(['extensionTestsPath', remote(testsPath)]);
  }
  payload.push(['skipWelcome', 'true']);
  return `${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

function writeWorkspace(root) {
  const workspace = join(root, 'workspace');
  mkdirSync(join(workspace, 'src'), { recursive: true });
  // A second file for Insert at cursor with split editors (the code goes where the user worked last).
  writeFileSync(join(workspace, 'src', 'notes.ts'), '// Notes\nexport const notes: string[] = [];\n');
  writeFileSync(join(workspace, 'src', 'search.ts'), 'export function binarySearch(xs: number[], x: number): number {\n  let lo = 0;\n  let hi = xs.length - 1;\n  while (lo <= hi) {\n    const mid = (lo + hi) >> 1;\n    if (xs[mid] === x) return mid;\n    if (xs[mid] < x) lo = mid + 1; else hi = mid - 1;\n  }\n  return -1;\n}\n');
  return workspace;
}

function writeUserSettings(userDir, extra = {}) {
  mkdirSync(join(userDir, 'User'), { recursive: true });
  writeFileSync(
    join(userDir, 'User', 'settings.json'),
    JSON.stringify(
      {
        'llmRouter.simulate': 'always',
        'llmRouter.idleTimeoutMinutes': 10,
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'chat.commandCenter.enabled': false,
        'security.workspace.trust.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'update.mode': 'none',
        'window.zoomLevel': 0,
        ...extra,
      },
      null,
      2,
    ),
  );
}

async function newPage(browser) {
  // Clipboard permissions: Copy steps read what the workbench put on the system clipboard.
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await context.newPage();
  return { context, page };
}

// ---- (a) mocha in the extension host -------------------------------------------------------
async function runMocha(browser, server, workspace, testsPath, resultsFile) {
  const { context, page } = await newPage(browser);
  const t0 = Date.now();
  try {
    let exitCode;
    const exited = new Promise((r) => {
      exitCode = r;
    });
    const consoleLines = [];
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const text = Array.isArray(args) ? args.map(String).join(' ') : String(args);
      consoleLines.push(`[${type}] ${text}`);
      // The gallery lookups fail offline by design; everything else that is an error is shown.
      if ((/error/i.test(String(type)) && !/ENOTFOUND|open-vsx/.test(text)) || /\[measure\]/.test(text)) {
        console.log(`  [ext host ${type}] ${text}`);
      }
    });
    await page.exposeFunction('codeAutomationExit', (code) => exitCode(code));
    await page.goto(workbenchUrl(server, workspace, { extensionPath: repo, testsPath }));
    const code = await Promise.race([exited, sleep(MOCHA_TIMEOUT_MS).then(() => 'timeout')]);
    writeFileSync(join(results, 'mocha-console.log'), consoleLines.join('\n') + '\n');
    if (code === 'timeout') {
      await page.screenshot({ path: join(results, 'failure-mocha-timeout.png') }).catch(() => {});
    }
    if (!existsSync(resultsFile)) {
      record('mocha suite in the extension host', false, Date.now() - t0, `no results file (workbench exit: ${code}); see ${server.logFile}`);
      return;
    }
    const report = JSON.parse(readFileSync(resultsFile, 'utf8'));
    for (const o of report.outcomes) {
      record(`[ext host] ${o.title}`, o.state === 'passed', o.durationMs, o.error);
    }
    if (code === 'timeout') {
      record('mocha suite finished', false, Date.now() - t0, `no codeAutomationExit within ${MOCHA_TIMEOUT_MS} ms`);
    }
  } finally {
    await context.close();
  }
}

// ---- (b) the user's path, in the browser ---------------------------------------------------
async function runUi(browser, server, workspace, home) {
  const { context, page } = await newPage(browser);
  const step = async (name, fn) => {
    const t0 = Date.now();
    try {
      await fn();
      record(`[ui] ${name}`, true, Date.now() - t0);
    } catch (err) {
      record(`[ui] ${name}`, false, Date.now() - t0, err?.stack ?? String(err));
      await page.screenshot({ path: join(results, `failure-${name.replace(/[^a-z0-9]+/gi, '-')}.png`) }).catch(() => {});
      throw err;
    }
  };
  // The daemon's HTTP /rpc, as a script would call it (the discovery file's port and token).
  const rpc = async (method, params) => {
    const { port, token } = JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8'));
    const r = await fetch(`http://127.0.0.1:${port}/rpc`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    const body = await r.json();
    if (body.error) {
      throw new Error(`${method}: ${body.error.message}`);
    }
    return body.result;
  };
  let experiment;
  try {
    await step('the workbench loads with the spend item in the status bar', async () => {
      await page.goto(workbenchUrl(server, workspace, { extensionPath: vsix ? undefined : repo }));
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      await page.locator('.statusbar-item', { hasText: /today/ }).first().waitFor({ timeout: 60_000 });
    });

    await step('an A/B experiment is created over the daemon\'s HTTP /rpc', async () => {
      // Per-request assignment, so this run's few requests reach both arms.
      experiment = await rpc('experiment/create', {
        // Two cheap-leaning strategies: the mocha phase's small daily budget must still admit the run's requests.
        name: 'Learned router vs cost-aggressive',
        arms: [
          { name: 'cheap', weight: 0.5, strategy: 'cost-aggressive' },
          { name: 'learned', weight: 0.5, strategy: 'learned' },
        ],
        unit: 'request',
        primaryMetric: 'costPerRequest',
        guardrails: [{ metric: 'feedbackScore', tolerance: 0.1 }],
        minSamplesPerArm: 10,
        salt: 'workbench-ui-phase',
      });
      log(`experiment ${experiment.id} running`);
    });

    if (vsix) {
      await step('the daemon runs from the installed .vsix', async () => {
        const { pid } = JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8'));
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        const script = cmdline.find((a) => a.endsWith('daemon.js'));
        if (!script?.startsWith(server.dirs.ext)) {
          throw new Error(`daemon pid ${pid} runs ${script}, not the .vsix's copy under ${server.dirs.ext}`);
        }
        log(`daemon ${pid} runs ${script}`);
      });
    }

    let answer;
    await step('Ask (auto-routed) from the command palette confirms the estimate, then streams an answer headed by model, reason and cost', async () => {
      await page.locator('.monaco-workbench').click({ position: { x: 700, y: 400 } });
      await runCommand(page, 'LLM Router: Ask (auto-routed)');
      const title = page.locator('.quick-input-widget .quick-input-title', { hasText: 'LLM Router: Ask (auto-routed)' });
      await title.waitFor({ state: 'visible', timeout: 10_000 });
      await page.keyboard.type('How do I reverse a linked list in TypeScript?');
      await page.keyboard.press('Enter');
      // The UI phase's daemon config asks to confirm every estimate above a tiny amount.
      const dialog = page.locator('.monaco-dialog-box', { hasText: 'Send anyway?' });
      await dialog.waitFor({ state: 'visible', timeout: 15_000 });
      const prompt = (await dialog.textContent())?.replace(/\s+/g, ' ').match(/This request.*Send anyway\?/)?.[0];
      if (!/estimated at ~\$[\d.]+ on \S+, above your \$[\d.]+ confirmation amount/.test(prompt ?? '')) {
        throw new Error(`unexpected confirmation text: ${prompt}`);
      }
      await sleep(300);
      await page.screenshot({ path: join(results, 'cost-confirmation.png') });
      log(`confirmation: ${prompt}`);
      await dialog.locator('.monaco-button', { hasText: 'Send' }).first().click();
      const frame = await findViewFrame(page, 'answer', ANSWER_TIMEOUT_MS);
      await frame.waitForSelector('body[data-answer-state="done"]', { timeout: ANSWER_TIMEOUT_MS });
      answer = {
        model: (await frame.textContent('[data-testid="answer-model"]'))?.trim(),
        cost: (await frame.textContent('[data-testid="answer-cost"]'))?.trim(),
        reason: (await frame.textContent('[data-testid="answer-reason"]'))?.trim(),
        text: (await frame.textContent('.answer-body'))?.trim(),
      };
      if (!answer.model || !answer.reason || !answer.text) {
        throw new Error(`answer incomplete: ${JSON.stringify(answer)}`);
      }
      if (!/^\$[\d.]+$|^price unknown$/.test(answer.cost ?? '')) {
        throw new Error(`cost badge reads ${JSON.stringify(answer.cost)}`);
      }
      await sleep(500);
      await page.screenshot({ path: join(results, 'answer.png') });
      log(`answer by ${answer.model} for ${answer.cost}: ${answer.reason}`);
    });

    await step('👍 on the answer records feedback (the experiment counts it)', async () => {
      const frame = await findViewFrame(page, 'answer', 10_000);
      await frame.click('[data-testid="thumbs-up"]');
      const status = frame.locator('[data-testid="feedback-status"]');
      await status.waitFor({ timeout: 15_000 });
      const text = (await status.textContent())?.trim();
      if (text !== 'Thanks — recorded') {
        throw new Error(`feedback status reads ${JSON.stringify(text)}`);
      }
      const { results: r } = await rpc('experiment/get', { id: experiment.id });
      const counted = r.arms.reduce((n, a) => n + a.feedbackCount, 0);
      if (counted !== 1) {
        throw new Error(`expected the experiment to count 1 feedback, it counts ${counted} (${JSON.stringify(r.arms.map((a) => [a.arm, a.requests, a.feedbackCount]))})`);
      }
      await sleep(300);
      await page.screenshot({ path: join(results, 'feedback.png') });
      log(`feedback recorded; experiment arms: ${r.arms.map((a) => `${a.arm} ${a.requests} req / ${a.feedbackCount} feedback`).join(', ')}`);
    });

    await step('the status bar shows today\'s spend with a tooltip', async () => {
      // The mocha phase sets a global daily budget in the shared home.
      const item = page.locator('.statusbar-item', { hasText: only === 'ui' ? /\$[\d.]+ today/ : /\$[\d.]+ today · <?\d+% of daily/ }).first();
      await item.waitFor({ timeout: 15_000 });
      const text = (await item.textContent())?.trim();
      await item.hover();
      const hover = page.locator('.monaco-hover, .workbench-hover', { hasText: 'Today:' }).first();
      await hover.waitFor({ state: 'visible', timeout: 10_000 });
      await sleep(500);
      const box = await page.locator('.part.statusbar').boundingBox();
      const viewport = page.viewportSize();
      const height = 260;
      await page.screenshot({ path: join(results, 'statusbar.png'), clip: { x: viewport.width - 720, y: (box?.y ?? viewport.height) + (box?.height ?? 22) - height, width: 720, height } });
      log(`status bar: ${text}`);
    });

    await step('clicking the status bar opens the dashboard with today\'s spend and the latest requests', async () => {
      await page.locator('.statusbar-item', { hasText: /\$[\d.]+ today/ }).first().click();
      const frame = await findViewFrame(page, 'dashboard', 30_000);
      await frame.waitForSelector('body[data-loaded="true"]', { timeout: 30_000 });
      await frame.waitForSelector('[data-testid="requests-table"] tbody tr', { timeout: 10_000 });
      if (only !== 'ui') {
        await frame.waitForSelector('[data-testid="budgets"] .budget', { timeout: 10_000 });
      }
      const rows = await frame.locator('[data-testid="requests-table"] tbody tr').count();
      const firstRow = await frame.textContent('[data-testid="requests-table"] tbody tr');
      if (answer?.model && !firstRow?.includes(answer.model)) {
        throw new Error(`the latest row does not name ${answer.model}: ${firstRow}`);
      }
      await page.mouse.move(10, 10);
      await sleep(500);
      await page.screenshot({ path: join(results, 'dashboard.png') });
      log(`dashboard: ${rows} request rows`);
    });

    await step('a second window and a script share the one daemon and its ledger', async () => {
      const second = await context.newPage();
      await second.goto(workbenchUrl(server, workspace, { extensionPath: vsix ? undefined : repo }));
      await second.locator('.statusbar-item', { hasText: /today/ }).first().waitFor({ timeout: 60_000 });
      // A script, as a user would write one: the discovery file's port and token, model "auto".
      const { port, token } = JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8'));
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'Hello from a script: name one sorting algorithm.' }] }),
      });
      if (res.status !== 200) {
        throw new Error(`script call failed: ${res.status} ${await res.text()}`);
      }
      const scriptRequestId = res.headers.get('x-llm-router-request-id');
      const status = await rpc('daemon/status', {});
      if (status.clients < 2) {
        throw new Error(`expected both windows attached to one daemon, daemon/status says ${status.clients} client(s)`);
      }
      const ledger = await rpc('spend/requests', { limit: 50 });
      const kinds = new Set(ledger.rows.map((r) => r.clientKind));
      if (!ledger.rows.some((r) => r.id === scriptRequestId) || !kinds.has('editor') || !kinds.has('script')) {
        throw new Error(`the ledger lacks the script's request or the editor's: ${JSON.stringify([...kinds])}`);
      }
      // The first window's dashboard refreshes on spend/changed and lists the script's request.
      const frame = await findViewFrame(page, 'dashboard', 10_000);
      await frame.locator('[data-testid="requests-table"] tbody tr', { hasText: 'script' }).first().waitFor({ timeout: 15_000 });
      // Both windows show the same spend.
      const spendOf = async (p) => (await p.locator('.statusbar-item', { hasText: /today/ }).first().textContent())?.trim();
      const deadline = Date.now() + 10_000;
      while ((await spendOf(page)) !== (await spendOf(second)) && Date.now() < deadline) {
        await sleep(200);
      }
      const [a, b] = [await spendOf(page), await spendOf(second)];
      if (a !== b) {
        throw new Error(`the windows disagree on spend: "${a}" vs "${b}"`);
      }
      await second.close();
      await page.bringToFront();
      await sleep(500);
      await page.screenshot({ path: join(results, 'shared-ledger.png') });
      log(`one daemon (pid ${status.pid}), ${status.clients} windows attached, ${ledger.rows.length} ledger rows from ${[...kinds].join(' and ')}; both status bars read "${a}"`);
    });

    await step('the dashboard draws spend over time, shares, savings, model health and the A/B test', async () => {
      // A few more requests from a script, so both experiment arms and several models have data.
      const { port, token } = JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8'));
      const prompts = ['Explain a hash map in two sentences.', 'Write a haiku about unit tests.', 'What is the capital of Portugal?', 'Prove that the square root of 2 is irrational, step by step, with every lemma.', 'Summarize the CAP theorem.', 'Translate "good morning" into German.', 'Refactor a nested loop into a map/filter chain in TypeScript and explain the complexity.', 'List three HTTP status codes for client errors.'];
      let refused = 0;
      for (const content of prompts) {
        const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content }] }),
        });
        // A 402 is the mocha phase's small daily budget doing its job, not a failure of this step.
        if (res.status !== 200 && res.status !== 402) {
          throw new Error(`script call failed: ${res.status} ${await res.text()}`);
        }
        refused += res.status === 402 ? 1 : 0;
        await res.arrayBuffer();
      }
      const { results: r } = await rpc('experiment/get', { id: experiment.id });
      const frame = await findViewFrame(page, 'dashboard', 10_000);
      await frame.click('text=Refresh');
      await frame.locator('[data-testid="experiment"] table.arms tbody tr').first().waitFor({ timeout: 15_000 });
      // Empty buckets are zero-height rects (hidden to Playwright); today's bar is the one with height.
      await frame.locator('[data-testid="spend-chart"] rect.chart-bar:not([height="0.0"])').first().waitFor({ timeout: 15_000 });
      await frame.locator('[data-testid="by-model"] tbody tr').first().waitFor({ timeout: 15_000 });
      await frame.locator('[data-testid="by-provider"] tbody tr').first().waitFor({ timeout: 15_000 });
      await frame.locator('[data-testid="savings"]').waitFor({ timeout: 15_000 });
      await frame.locator('[data-testid="health-table"] tbody tr').first().waitFor({ timeout: 15_000 });
      const arms = await frame.locator('[data-testid="experiment"] table.arms tbody tr').count();
      if (arms !== 2) {
        throw new Error(`the A/B view shows ${arms} arm rows, expected 2`);
      }
      const verdict = (await frame.textContent('[data-testid="verdict-kind"]'))?.trim();
      const facts = {
        models: await frame.locator('[data-testid="by-model"] tbody tr').count(),
        providers: await frame.locator('[data-testid="by-provider"] tbody tr').count(),
        health: await frame.locator('[data-testid="health-table"] tbody tr').count(),
        bars: await frame.locator('[data-testid="spend-chart"] rect.chart-bar:not([height="0.0"])').count(),
        savings: (await frame.textContent('[data-testid="savings"]'))?.replace(/\s+/g, ' ').trim(),
      };
      await page.mouse.move(10, 10);
      const shoot = async (selector, file) => {
        await frame.evaluate((sel) => globalThis.document.querySelector(sel)?.scrollIntoView({ block: 'start' }), selector);
        await sleep(400);
        await page.screenshot({ path: join(results, file) });
      };
      await shoot('.over-time', 'dashboard-spend.png');
      await shoot('.health', 'dashboard-health-ab.png');
      await shoot('.experiments-section', 'dashboard-ab.png');
      await frame.evaluate(() => globalThis.scrollTo(0, 0));
      log(`dashboard: ${facts.bars} non-empty bars, ${facts.models} models, ${facts.providers} providers, ${facts.health} health rows; savings "${facts.savings}"`);
      log(`script requests: ${prompts.length - refused} answered, ${refused} refused by the daily budget`);
      log(`A/B: verdict "${verdict}"; ${r.arms.map((a) => `${a.arm} ${a.requests} req`).join(', ')}`);
    });

    await step('Set Provider API Key without a reachable keychain shows the daemon\'s message', async () => {
      await runCommand(page, 'LLM Router: Set Provider API Key');
      const pick = page.locator('.quick-input-widget .quick-input-title', { hasText: 'Set Provider API Key' });
      await pick.waitFor({ state: 'visible', timeout: 10_000 });
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'openai' }).first().waitFor({ timeout: 10_000 });
      // fill, not typing: under load keys typed before the box has the focus are lost.
      await page.locator('.quick-input-widget input').fill('openai');
      await page.keyboard.press('Enter');
      await page.locator('.quick-input-widget .quick-input-title', { hasText: 'API key for openai' }).waitFor({ state: 'visible', timeout: 10_000 });
      await page.locator('.quick-input-widget input').fill('sk-test-not-a-real-key');
      await page.keyboard.press('Enter');
      const toast = await notification(page, /keychain|Secret Service|D-Bus|session bus/i);
      // Long messages are collapsed to one line; expand so the screenshot shows all of it.
      await toast.hover();
      const expand = toast.locator('.codicon-notifications-expand');
      if (await expand.count()) {
        await expand.first().click();
      }
      await sleep(500);
      await page.screenshot({ path: join(results, 'keychain-unavailable.png') });
      log(`keychain message: ${(await toast.locator('.notification-list-item-message').first().textContent())?.trim()}`);
    });
  } catch {
    // recorded by step(); later steps depend on earlier ones
  }
  // The editor features of issue 16: each step stands alone (a failure is recorded, the next runs).
  const soft = async (name, fn) => {
    try {
      await step(name, fn);
    } catch {
      // recorded
    }
    await page.keyboard.press('Escape').catch(() => {});
  };
  const dismissToasts = async () => {
    await runCommand(page, 'Notifications: Clear All Notifications').catch(() => {});
    await sleep(300);
  };
  const sendModal = async () => {
    const dialog = page.locator('.monaco-dialog-box', { hasText: 'Send anyway?' });
    await dialog.waitFor({ state: 'visible', timeout: 15_000 });
    await dialog.locator('.monaco-button', { hasText: 'Send' }).first().click();
  };
  const spentToday = async () => (await rpc('spend/summary', { period: 'day' })).costUsd;
  const statusItem = () => page.locator('.statusbar-item', { hasText: /today/ }).first();
  const statusBackground = async () => statusItem().evaluate((el) => globalThis.getComputedStyle(el).backgroundColor);
  const shootStatus = async (file) => {
    await statusItem().hover();
    await page.locator('.monaco-hover, .workbench-hover', { hasText: 'Today:' }).first().waitFor({ state: 'visible', timeout: 10_000 });
    await sleep(500);
    const box = await page.locator('.part.statusbar').boundingBox();
    const viewport = page.viewportSize();
    const height = 330;
    await page.screenshot({ path: join(results, file), clip: { x: viewport.width - 760, y: (box?.y ?? viewport.height) + (box?.height ?? 22) - height, width: 760, height } });
    await page.mouse.move(700, 300);
  };
  const setDaily = async (limitUsd) => {
    const daily = (await rpc('budget/list', {})).budgets.find((b) => b.scope === 'global' && b.period === 'day');
    return rpc('budget/set', { ...(daily ? { id: daily.id } : {}), name: 'Daily', scope: 'global', period: 'day', limitUsd, alertThreshold: 0.8 });
  };

  await soft('walkthrough: every step of "Get started with LLM Router"', async () => {
    await dismissToasts();
    await page.keyboard.press('Control+Shift+P');
    await page.locator('.quick-input-widget input').waitFor({ state: 'visible', timeout: 10_000 });
    await page.locator('.quick-input-widget input').fill('>Welcome: Open Walkthrough');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Welcome: Open Walkthrough' }).first().click();
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Get started with LLM Router' }).first().click();
    const steps = page.locator('.getting-started-step');
    await steps.first().waitFor({ timeout: 15_000 });
    const count = await steps.count();
    if (count !== 5) {
      throw new Error(`the walkthrough shows ${count} steps, expected 5`);
    }
    const names = ['key', 'ask', 'chat', 'dashboard', 'scripts'];
    const done = async () => Object.fromEntries(await Promise.all(names.map(async (n) => [n, (await page.locator(`.getting-started-step[data-step-id$="${n}"]`).first().getAttribute('aria-checked')) === 'true'])));
    // VS Code's walkthrough service starts counting when first opened (see README): what the steps
    // before did is not counted yet; from now on each step is marked as the user does it.
    const first = await done();
    for (let i = 0; i < count; i++) {
      await steps.nth(i).locator('.step-title, h3').first().click();
      await sleep(700);
      await page.screenshot({ path: join(results, `walkthrough-${i + 1}-${names[i]}.png`) });
    }
    // The user opens the dashboard from the status bar and shows the environment lines from the
    // walkthrough's button: both steps are marked done.
    await page.locator('.statusbar-item', { hasText: /\$[\d.]+ today/ }).first().click();
    await findViewFrame(page, 'dashboard', 30_000);
    await page.locator('.editor-group-container .tab', { hasText: 'Welcome' }).first().click();
    await page.locator('.getting-started-step[data-step-id$="scripts"]').first().click();
    await page.locator('.getting-started-step[data-step-id$="scripts"]').getByText('Show the environment lines').first().click();
    await page.locator('.editor-group-container .monaco-editor .view-lines', { hasText: 'OPENAI_BASE_URL' }).first().waitFor({ timeout: 15_000 });
    await runCommand(page, 'View: Revert and Close Editor');
    await page.locator('.editor-group-container .monaco-editor .view-lines', { hasText: 'OPENAI_BASE_URL' }).first().waitFor({ state: 'detached', timeout: 10_000 });
    await runCommand(page, 'Welcome: Open Walkthrough');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Get started with LLM Router' }).first().click();
    for (const n of ['dashboard', 'scripts']) {
      await page.locator(`.getting-started-step[data-step-id$="${n}"][aria-checked="true"]`).first().waitFor({ state: 'visible', timeout: 10_000 });
    }
    await page.locator('.getting-started-step[data-step-id$="scripts"]').first().click();
    await sleep(700);
    await page.screenshot({ path: join(results, 'walkthrough-progress.png') });
    const after = await done();
    log(`walkthrough: done on first opening: ${names.filter((n) => first[n]).join(', ') || 'none'}; after the dashboard and the environment lines: ${names.filter((n) => after[n]).join(', ')}`);
    await runCommand(page, 'View: Close All Editors');
  });

  await soft('LLM Router in VS Code\'s model picker and its language-model list', async () => {
    await runCommand(page, 'Chat: Manage Language Models');
    const list = page.locator('.monaco-list-row, tr', { hasText: 'LLM Router (auto)' }).first();
    await list.waitFor({ timeout: 15_000 });
    for (const name of ['LLM Router: Quality first', 'LLM Router: Cheapest good enough', 'LLM Router: Fastest', 'LLM Router: Balanced', 'LLM Router policy: code']) {
      await page.getByText(name, { exact: true }).first().waitFor({ timeout: 5_000 });
    }
    await sleep(500);
    await page.screenshot({ path: join(results, 'chat-language-models.png') });
    await page.keyboard.press('Escape');
    await runCommand(page, 'View: Close All Editors');
    // The chat view's model picker lists LLM Router.
    await runCommand(page, 'Chat: Open Chat');
    const picker = page.locator('.interactive-input-part [aria-label^="Models, LLM Router"]').first();
    await picker.waitFor({ timeout: 15_000 });
    await picker.click();
    await page.locator('.action-widget .monaco-list-row, [role="menuitemcheckbox"], [role="option"]', { hasText: 'LLM Router (auto)' }).first().waitFor({ timeout: 10_000 });
    await sleep(500);
    await page.screenshot({ path: join(results, 'chat-model-picker.png') });
    await page.keyboard.press('Escape');
  });

  await soft('the chat view answers from LLM Router in agent mode: a tool call, its result, the routed answer (ledger client vscode-chat)', async () => {
    // VS Code's chat agent is the built-in Copilot Chat extension, disabled until chat setup; the UI
    // phase's chat.allowAnonymousAccess lets setup skip the sign-in, and Copilot Chat then runs on
    // "BYOK models available" (ours) without a Copilot token. See test/e2e/README.md.
    const chatRows = async () => (await rpc('spend/requests', { limit: 50 })).rows.filter((r) => r.clientName === 'vscode-chat');
    const before = (await chatRows()).length;
    const picker = page.locator('.interactive-input-part [aria-label^="Models, LLM Router (auto)"]').first();
    if (!(await picker.isVisible().catch(() => false))) {
      await runCommand(page, 'Chat: Open Chat');
      await picker.waitFor({ timeout: 15_000 });
    }
    await page.locator('.interactive-input-part .monaco-editor').first().click();
    // The simulator calls the tool a `[sim-tool:…]` directive names: VS Code's own list_dir, run by the agent.
    await page.keyboard.type(`What is in the src folder? [sim-tool:list_dir {"path":${JSON.stringify(join(workspace, 'src'))}}]`);
    await page.keyboard.press('Enter');
    const answer = page.locator('.interactive-session .interactive-item-container', { hasText: 'Simulated answer from' }).last();
    await answer.waitFor({ timeout: ANSWER_TIMEOUT_MS });
    await page.waitForFunction(() => !globalThis.document.querySelector('.interactive-session .chat-most-recent-response.chat-response-loading'), null, { timeout: ANSWER_TIMEOUT_MS }).catch(() => {});
    const text = ((await answer.textContent()) ?? '').replace(/\s+/g, ' ');
    const rows = (await chatRows()).slice(0, (await chatRows()).length - before);
    const model = /Simulated answer from ([\w.-]+)/.exec(text)?.[1];
    if (rows.length < 2 || !rows.some((r) => r.model === model)) {
      throw new Error(`expected the tool call and the answer in the ledger as vscode-chat (answer by ${model}); new chat rows: ${JSON.stringify(rows.map((r) => [r.model, r.status]))}`);
    }
    if (!/the tool said .*search\.ts/.test(text)) {
      throw new Error(`the answer does not carry the tool's result (search.ts): ${text.slice(0, 300)}`);
    }
    await sleep(600);
    await page.screenshot({ path: join(results, 'chat-answer.png') });
    log(`chat view: ${rows.length} requests as vscode-chat (${rows.map((r) => r.model).join(', ')}); answer: ${text.slice(0, 160)}`);
    // The walkthrough's chat step is done now that chat answered from LLM Router.
    await runCommand(page, 'Welcome: Open Walkthrough');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Get started with LLM Router' }).first().click();
    await page.locator('.getting-started-step[data-step-id$="chat"][aria-checked="true"]').first().waitFor({ timeout: 10_000 });
    await page.locator('.getting-started-step[data-step-id$="chat"]').first().click();
    await sleep(700);
    await page.screenshot({ path: join(results, 'walkthrough-chat-done.png') });
    await runCommand(page, 'View: Close All Editors');
    await runCommand(page, 'View: Hide Secondary Side Bar').catch(() => {});
  });

  await soft('Ask on a selection: the answer\'s code block highlighted, with Copy and Insert at cursor', async () => {
    // The chat view of the step before keeps the keyboard (its input grabs the focus back): close it.
    if (await page.locator('.part.auxiliarybar').isVisible().catch(() => false)) {
      await page.keyboard.press('Control+Alt+KeyB');
      await sleep(300);
    }
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').waitFor({ state: 'visible', timeout: 10_000 });
    await page.keyboard.type('search.ts');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'search.ts' }).first().waitFor({ timeout: 10_000 });
    await page.keyboard.press('Enter');
    await page.locator('.monaco-editor .view-lines').first().waitFor({ timeout: 10_000 });
    await page.locator('.monaco-editor .view-lines').first().click();
    // The editor takes the focus a moment after the click; a select-all before that selects nothing
    // and Ask sends only the question (seen on a fresh CI machine).
    await sleep(400);
    await page.keyboard.press('Control+A');
    const selection = page.locator('.editor-group-container .monaco-editor .selected-text').first();
    if (!(await selection.waitFor({ state: 'attached', timeout: 2_000 }).then(() => true, () => false))) {
      // The key went elsewhere: click into the text again and select once more.
      await page.locator('.editor-group-container .monaco-editor .view-lines').first().click();
      await sleep(300);
      await page.keyboard.press('Control+A');
    }
    await selection.waitFor({ state: 'attached', timeout: 5_000 });
    await runCommand(page, 'LLM Router: Ask (auto-routed)');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Ask (auto-routed)' }).waitFor({ state: 'visible', timeout: 10_000 });
    await page.keyboard.type('Explain this.');
    await page.keyboard.press('Enter');
    await sendModal();
    const frame = await findViewFrame(page, 'answer', ANSWER_TIMEOUT_MS);
    await frame.waitForSelector('body[data-answer-state="done"]', { timeout: ANSWER_TIMEOUT_MS });
    await frame.waitForSelector('.code-block pre code .tok-keyword', { timeout: 10_000 });
    await frame.waitForSelector('[data-testid="code-copy"]');
    await frame.waitForSelector('[data-testid="code-insert"]');
    await sleep(400);
    await page.screenshot({ path: join(results, 'ask-code-block.png') });
  });

  await soft('the answer\'s code block: Copy puts it on the clipboard, Insert at cursor puts it into the editor at the cursor', async () => {
    const frame = await findViewFrame(page, 'answer', 10_000);
    const code = (await frame.textContent('.answer-body .code-block pre code')) ?? '';
    if (!code.trim()) {
      throw new Error('the answer has no code block');
    }
    await frame.locator('.answer-body [data-testid="code-copy"]').first().click();
    let clip = '';
    for (const deadline = Date.now() + 5_000; clip !== code && Date.now() < deadline; await sleep(200)) {
      clip = await readClipboard(page).catch(() => '');
    }
    if (clip !== code) {
      throw new Error(`after Copy the clipboard holds ${JSON.stringify(clip.slice(0, 120))}, not the code block ${JSON.stringify(code.slice(0, 120))}`);
    }
    // Insert at cursor: the cursor at the end of the file the question was about.
    const file = join(workspace, 'src', 'search.ts');
    const original = readFileSync(file, 'utf8');
    const editor = page.locator('.editor-group-container .monaco-editor .view-lines').first();
    await editor.click();
    await sleep(300);
    await page.keyboard.press('Control+End');
    await frame.locator('.answer-body [data-testid="code-insert"]').first().click();
    // The editor grows by the code block's lines.
    const lines = original.split('\n').length;
    await page.waitForFunction((n) => (globalThis.document.querySelector('.editor-group-container .monaco-editor .view-lines')?.querySelectorAll('.view-line').length ?? 0) > n, lines, { timeout: 10_000 });
    await sleep(400);
    await page.screenshot({ path: join(results, 'ask-insert.png') });
    await editor.click();
    await page.keyboard.press('Control+S');
    let saved = original;
    for (const deadline = Date.now() + 5_000; saved === original && Date.now() < deadline; await sleep(200)) {
      saved = readFileSync(file, 'utf8');
    }
    writeFileSync(file, original);
    if (saved !== original + code) {
      throw new Error(`after Insert at cursor the file is ${JSON.stringify(saved.slice(-200))}; expected the original followed by the code block`);
    }
    log(`code block: Copy → clipboard (${code.length} chars), Insert at cursor → appended at the end of search.ts`);
  });

  await soft('Insert at cursor with split editors: the code goes into the editor worked in last, not the first one', async () => {
    // search.ts stays open in the first group; notes.ts opens in a group split below it and gets the
    // cursor. The answer panel (a third group) has the focus when Insert is clicked, so the old
    // choice (the first visible editor) wrote into search.ts.
    const frame = await findViewFrame(page, 'answer', 10_000);
    const code = (await frame.textContent('.answer-body .code-block pre code')) ?? '';
    const searchFile = join(workspace, 'src', 'search.ts');
    const notesFile = join(workspace, 'src', 'notes.ts');
    const searchOriginal = readFileSync(searchFile, 'utf8');
    const notesOriginal = readFileSync(notesFile, 'utf8');
    const notesGroup = page.locator('.editor-group-container', { has: page.locator('.tab.active', { hasText: 'notes.ts' }) });
    try {
      await page.locator('.editor-group-container .monaco-editor .view-lines').first().click();
      await sleep(300);
      await runCommand(page, 'View: Split Editor Down');
      await sleep(400);
      await page.keyboard.press('Control+P');
      await page.locator('.quick-input-widget input').waitFor({ state: 'visible', timeout: 10_000 });
      await page.locator('.quick-input-widget input').fill('notes.ts');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'notes.ts' }).first().waitFor({ timeout: 10_000 });
      await page.keyboard.press('Enter');
      const notesEditor = notesGroup.locator('.monaco-editor .view-lines').first();
      await notesEditor.waitFor({ timeout: 10_000 });
      const groups = await page.locator('.editor-group-container').count();
      if (groups < 3) {
        throw new Error(`expected three editor groups (search.ts, notes.ts, the answer), found ${groups}`);
      }
      await notesEditor.click();
      await sleep(300);
      await page.keyboard.press('Control+End');
      await frame.locator('.answer-body [data-testid="code-insert"]').first().click();
      const lines = notesOriginal.split('\n').length;
      await page.waitForFunction(
        (n) => [...globalThis.document.querySelectorAll('.editor-group-container')].some((g) => g.querySelector('.tab.active')?.textContent?.includes('notes.ts') && (g.querySelector('.monaco-editor .view-lines')?.querySelectorAll('.view-line').length ?? 0) > n),
        lines,
        { timeout: 10_000 },
      ).catch(() => undefined); // the file check below says what went wrong
      await sleep(400);
      await page.screenshot({ path: join(results, 'ask-insert-split.png') });
      await runCommand(page, 'File: Save All Files');
      let notes = notesOriginal;
      for (const deadline = Date.now() + 5_000; notes === notesOriginal && Date.now() < deadline; await sleep(200)) {
        notes = readFileSync(notesFile, 'utf8');
      }
      const search = readFileSync(searchFile, 'utf8');
      if (search !== searchOriginal) {
        throw new Error(`Insert at cursor wrote into search.ts (the first visible editor), not notes.ts where the cursor was: ${JSON.stringify(search.slice(-120))}`);
      }
      if (notes !== notesOriginal + code) {
        throw new Error(`after Insert at cursor notes.ts is ${JSON.stringify(notes.slice(-200))}; expected the original followed by the code block`);
      }
      log(`Insert at cursor, split editors: the code went into notes.ts (second group, worked in last); search.ts (first group) unchanged`);
    } finally {
      writeFileSync(searchFile, searchOriginal);
      writeFileSync(notesFile, notesOriginal);
      // Back to one editor group beside the answer, as the steps after this expect: the split
      // group's tabs closed by their own buttons (from the palette, "Close Editor Group" can match
      // "Close All Editor Groups" first, which took the answer panel too).
      const group = await notesGroup.elementHandle({ timeout: 2_000 }).catch(() => null);
      for (let i = 0; group && i < 4; i++) {
        const close = await group.$('.tab .tab-actions .action-label').catch(() => null);
        if (!close) {
          break;
        }
        await close.click({ force: true }).catch(() => {});
        await sleep(300);
      }
    }
  });

  await soft('Ask follow-up and "Ask again with a stronger model": both turns with their models and costs', async () => {
    const frame = await findViewFrame(page, 'answer', 10_000);
    await frame.fill('[data-testid="follow-up-input"]', 'And what is its time complexity?');
    await frame.click('[data-testid="follow-up-send"]');
    await sendModal();
    await frame.waitForSelector('[data-testid="turn"]', { timeout: ANSWER_TIMEOUT_MS });
    await frame.waitForSelector('body[data-answer-state="done"]', { timeout: ANSWER_TIMEOUT_MS });
    const followUpText = (await frame.textContent('.answer-body:not(.turn .answer-body)')) ?? '';
    if (!/time complexity/.test(followUpText)) {
      throw new Error(`the follow-up's answer does not answer it: ${followUpText.slice(0, 200)}`);
    }
    // The follow-up was sent with the conversation: its input counts the first turn too. (VS Code's
    // chat may add rows of its own meanwhile; only the Ask rows count here.)
    const rows = (await rpc('spend/requests', { limit: 20 })).rows.filter((r) => r.clientName !== 'vscode-chat');
    if (!(rows[0]?.tokensIn > rows[1]?.tokensIn)) {
      throw new Error(`the follow-up did not carry the conversation (tokens in ${rows[0]?.tokensIn} vs ${rows[1]?.tokensIn})`);
    }
    await sleep(400);
    await page.screenshot({ path: join(results, 'ask-follow-up.png') });
    await frame.click('[data-testid="ask-stronger"]');
    await sendModal();
    await frame.waitForFunction(() => globalThis.document.querySelectorAll('[data-testid="turn"]').length === 2 && globalThis.document.body.dataset.answerState === 'done', null, { timeout: ANSWER_TIMEOUT_MS });
    const metas = await frame.locator('[data-testid="turn-meta"]').allTextContents();
    const stronger = (await frame.textContent('[data-testid="answer-model"]'))?.trim();
    await sleep(400);
    await page.screenshot({ path: join(results, 'ask-stronger.png') });
    log(`ask: code block highlighted; follow-up carried ${rows[0]?.tokensIn} tokens; earlier turns ${metas.join(' | ')}; stronger answer by ${stronger}`);
    await runCommand(page, 'View: Close All Editors');
  });

  await soft('the status bar in normal, alert and over-limit states', async () => {
    const spent = await spentToday();
    if (!(spent > 0)) {
      throw new Error(`nothing spent today (${spent}): the states need spend`);
    }
    await setDaily(spent * 20);
    await page.waitForFunction(() => [...globalThis.document.querySelectorAll('.statusbar-item')].some((e) => /today · 5% of daily/.test(e.textContent ?? '')), null, { timeout: 10_000 });
    const normal = await statusBackground();
    await shootStatus('statusbar-normal.png');
    await setDaily(spent / 0.9);
    await page.waitForFunction(() => [...globalThis.document.querySelectorAll('.statusbar-item')].some((e) => /today · 90% of daily/.test(e.textContent ?? '')), null, { timeout: 10_000 });
    await sleep(400);
    const alert = await statusBackground();
    await shootStatus('statusbar-alert.png');
    await setDaily(spent / 2);
    await page.waitForFunction(() => [...globalThis.document.querySelectorAll('.statusbar-item')].some((e) => /today · 200% of daily/.test(e.textContent ?? '')), null, { timeout: 10_000 });
    await sleep(400);
    const limit = await statusBackground();
    await shootStatus('statusbar-limit.png');
    if (alert === normal || limit === normal || limit === alert) {
      throw new Error(`backgrounds do not differ: normal ${normal}, alert ${alert}, limit ${limit}`);
    }
    log(`status bar backgrounds: normal ${normal}, alert ${alert}, limit ${limit}`);
    await setDaily(spent * 20);
    await dismissToasts();
  });

  await soft('the routing log lists each decision with reason and cost, and no prompt', async () => {
    await runCommand(page, 'LLM Router: Show Routing Log');
    const view = page.locator('.part.panel .monaco-editor .view-lines').first();
    await view.waitFor({ timeout: 15_000 });
    await page.waitForFunction(() => /→\s.*\$[\d.]+/.test(globalThis.document.querySelector('.part.panel .monaco-editor .view-lines')?.textContent ?? ''), null, { timeout: 15_000 });
    const text = (await view.textContent()) ?? '';
    if (/Explain this\.|time complexity\?|reverse a linked list/.test(text)) {
      throw new Error('the routing log shows a prompt although llmRouter.logPrompts is off');
    }
    await sleep(400);
    await page.screenshot({ path: join(results, 'routing-log.png') });
    await runCommand(page, 'View: Hide Panel').catch(() => {});
  });

  await soft('Pause All Spending: a script\'s call is refused (423) until Resume', async () => {
    await dismissToasts();
    await runCommand(page, 'LLM Router: Pause All Spending');
    await notification(page, /all spending is paused/i);
    await page.locator('.statusbar-item', { hasText: 'LLM Router paused' }).first().waitFor({ timeout: 10_000 });
    const { port, token } = JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8'));
    const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'A script while paused' }] }),
    });
    const body = await res.text();
    if (res.status !== 423 || !/All spending is paused/.test(body)) {
      throw new Error(`expected the script to be refused with 423, got ${res.status}: ${body.slice(0, 200)}`);
    }
    await sleep(500);
    await page.screenshot({ path: join(results, 'kill-switch.png') });
    log(`kill switch: the script got ${res.status}: ${JSON.parse(body).error?.message}`);
    await runCommand(page, 'LLM Router: Resume Spending');
    await page.locator('.statusbar-item', { hasText: /\$[\d.]+ today/ }).first().waitFor({ timeout: 10_000 });
    await dismissToasts();
  });

  await soft('dashboard: a budget edited in place (the daemon\'s validation shown), a decision\'s detail, a narrow panel', async () => {
    await runCommand(page, 'LLM Router: Open Dashboard');
    const frame = await findViewFrame(page, 'dashboard', 30_000);
    await frame.waitForSelector('body[data-loaded="true"]', { timeout: 30_000 });
    const daily = frame.locator('[data-testid="budget"][data-budget="Daily"]');
    await daily.locator('[data-testid="budget-edit"]').click();
    await frame.fill('[data-testid="budget-limit"]', '-5');
    await frame.click('[data-testid="budget-save"]');
    const error = frame.locator('[data-testid="budget-error"]');
    await frame.waitForFunction(() => (globalThis.document.querySelector('[data-testid="budget-error"]')?.textContent ?? '').length > 0, null, { timeout: 10_000 });
    const message = (await error.textContent())?.trim();
    if (!/limitUsd/.test(message ?? '')) {
      throw new Error(`unexpected validation message: ${message}`);
    }
    await frame.evaluate(() => globalThis.document.querySelector('.budgets-section')?.scrollIntoView({ block: 'start' }));
    await sleep(300);
    await page.screenshot({ path: join(results, 'dashboard-budget-invalid.png') });
    await frame.fill('[data-testid="budget-limit"]', '2.5');
    await frame.click('[data-testid="budget-save"]');
    await frame.locator('[data-testid="budget"][data-budget="Daily"]', { hasText: '$2.50' }).waitFor({ timeout: 10_000 });
    const saved = (await rpc('budget/list', {})).budgets.find((b) => b.name === 'Daily');
    if (saved?.limitUsd !== 2.5) {
      throw new Error(`the daemon holds ${saved?.limitUsd}, not 2.5`);
    }
    await sleep(300);
    await page.screenshot({ path: join(results, 'dashboard-budget-edited.png') });
    log(`budget edit: "${message}" for -5; saved $2.50`);

    const row = frame.locator('[data-testid="requests-table"] tbody tr').first();
    await row.focus();
    await page.keyboard.press('Enter');
    await frame.locator('[data-testid="candidates"] tbody tr').first().waitFor({ timeout: 10_000 });
    const candidates = await frame.locator('[data-testid="candidates"] tbody tr').count();
    await frame.evaluate(() => globalThis.document.querySelector('[data-testid="decision-detail"]')?.scrollIntoView({ block: 'start' }));
    await sleep(300);
    await page.screenshot({ path: join(results, 'dashboard-decision.png') });
    log(`decision detail: ${candidates} candidates`);

    // A narrow panel: the workbench at 640 px with the side bars and the panel closed.
    await page.setViewportSize({ width: 640, height: 900 });
    for (const close of ['View: Close Primary Side Bar', 'View: Hide Secondary Side Bar', 'View: Hide Panel']) {
      await runCommand(page, close).catch(() => page.keyboard.press('Escape'));
    }
    if (await page.locator('.part.auxiliarybar').isVisible().catch(() => false)) {
      await page.keyboard.press('Control+Alt+KeyB'); // toggles the secondary side bar (the chat)
    }
    if (await page.locator('.part.panel').isVisible().catch(() => false)) {
      await page.keyboard.press('Control+KeyJ'); // toggles the panel (the routing log)
    }
    await sleep(800);
    const width = await frame.evaluate(() => globalThis.document.documentElement.clientWidth);
    log(`narrow dashboard: ${width} px wide`);
    const overflow = await frame.evaluate(() => [...globalThis.document.querySelectorAll('.table-wrap, .experiment')].filter((el) => el.scrollWidth > el.clientWidth + 1).map((el) => el.className));
    await frame.evaluate(() => globalThis.scrollTo(0, 0));
    await page.screenshot({ path: join(results, 'dashboard-narrow.png') });
    await frame.evaluate(() => globalThis.document.querySelector('.experiments-section')?.scrollIntoView({ block: 'start' }));
    await sleep(300);
    await page.screenshot({ path: join(results, 'dashboard-narrow-ab.png') });
    await page.setViewportSize({ width: 1440, height: 900 });
    if (overflow.length > 0) {
      throw new Error(`tables clipped (scrolling) in a narrow panel: ${overflow.join(', ')}`);
    }
  });
  await dashboardSteps({ page, home, results, soft, findViewFrame, runCommand, rpc, log, sleep });

  await commandSteps({ page, soft, rpc, home, results, log, dismissToasts, sendModal, spentToday, setDaily });
  try {
    // nothing: keeps the finally below shared with the main steps
  } finally {
    await context.close();
  }
}

/** Stops the daemon the extension started (recorded in the run's discovery file) by its pid. */
async function stopDaemon(home) {
  const file = join(home, 'daemon.json');
  if (!existsSync(file)) {
    return;
  }
  let pid;
  try {
    pid = JSON.parse(readFileSync(file, 'utf8')).pid;
  } catch {
    return;
  }
  if (typeof pid !== 'number') {
    return;
  }
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  if (await waitForExit(pid, 10_000)) {
    log(`stopped the daemon (pid ${pid})`);
    return;
  }
  log(`the daemon (pid ${pid}) ignored SIGTERM for 10 s; killing it`);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone
  }
}

async function waitForExit(pid, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await sleep(100);
  }
  return false;
}

async function main() {
  preflight();
  rmSync(results, { recursive: true, force: true });
  mkdirSync(results, { recursive: true });
  await timed('install', () => ensureCodeServer(cacheDir, log));
  const root = mkdtempSync(join(tmpdir(), 'llm-router-workbench-'));
  const home = join(root, 'router-home');
  mkdirSync(home, { recursive: true });
  const workspace = writeWorkspace(root);
  writeUserSettings(join(root, 'mocha', 'user'));
  const resultsFile = join(root, 'mocha-results.json');
  // Inside the checkout (out/ is ignored) so `mocha` resolves from its node_modules.
  const testsPath = await buildSuite(join(repo, 'out', 'e2e-suite'));
  const env = {
    LLM_ROUTER_HOME: home,
    LLM_ROUTER_E2E_RESULTS: resultsFile,
    // No session bus: the keychain is unreachable on purpose (never the developer's real one).
    DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(root, 'no-session-bus')}`,
    // And a keychain service name of its own, should a bus ever be reachable.
    LLM_ROUTER_KEYCHAIN_SERVICE: `llm-router-test-workbench-${process.pid}`,
  };
  // One code-server per phase: stopping it ends its extension hosts, so no window of the first
  // phase can restart the daemon while the second phase starts its own (from the .vsix, if given).
  // Both phases share LLM_ROUTER_HOME, so the dashboard also shows the first phase's requests.
  const phase = async (name, fn) => {
    let server;
    let browser;
    try {
      // Each phase has a profile of its own (user data, extensions, XDG dirs): the UI phase starts
      // as a first-time user (walkthrough progress, chat setup), over the same daemon home.
      server = await timed(`${name}: code-server start`, () => startCodeServer({ cacheDir, root: join(root, name), env, log, name }));
      if (name === 'ui' && vsix) {
        log(`installing ${vsix}: ${installVsix(cacheDir, server, vsix)}`);
      }
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      await timed(name, () => fn(browser, server));
    } finally {
      await browser?.close().catch(() => {});
      await stopCodeServer(server);
      await stopDaemon(home);
      if (server?.logFile && existsSync(server.logFile)) {
        writeFileSync(join(results, `code-server-${name}.log`), readFileSync(server.logFile));
      }
    }
  };
  try {
    if (only !== 'ui') {
      await phase('mocha', (browser, server) => runMocha(browser, server, workspace, testsPath, resultsFile));
    }
    if (only !== 'mocha') {
      // The UI phase's daemon starts fresh with this config: Ask confirms estimates above $0.000001.
      writeFileSync(join(home, 'config.json'), JSON.stringify({ askConfirmAboveUsd: 0.000001 }, null, 2));
      // VS Code's chat view answers without a sign-in (see README: the chat view and Copilot Chat).
      writeUserSettings(join(root, 'ui', 'user'), { 'chat.allowAnonymousAccess': true });
      await phase('ui', (browser, server) => runUi(browser, server, workspace, home));
    }
  } finally {
    if (existsSync(join(home, 'daemon.log'))) {
      writeFileSync(join(results, 'daemon.log'), readFileSync(join(home, 'daemon.log')));
    }
    if (keep) {
      log(`kept ${root}`);
    } else {
      rmSync(root, { recursive: true, force: true });
    }
  }
}

try {
  await main();
} catch (err) {
  record('workbench harness', false, Date.now() - started, err?.stack ?? String(err));
}
timings.total = Date.now() - started;
const passed = outcomes.filter((o) => o.ok).length;
const failed = outcomes.length - passed;
log(`timings: ${Object.entries(timings).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', ')}`);
log(`screenshots and logs: ${results}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
