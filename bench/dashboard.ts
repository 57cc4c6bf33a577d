// npm run bench:dashboard — the dashboard over a 1M-row ledger, in the real workbench
// (code-server + Chromium, as the workbench suite runs them). Prints, asserts nothing:
//  - the daemon's start over that store (the extension starts it),
//  - first paint: "LLM Router: Open Dashboard" → every section drawn (wall clock), and the view's
//    own figure (its document start → first full draw),
//  - refresh: the Refresh button → every section drawn again (the view's own timing), median of 5.
// Every row in the hot window (this month and the previous one, as the daemon keeps them) also gets
// its stored routing decision (request_decisions: ten candidates from the catalog, as the router
// records them), so the store the daemon loads is the size a real one of that many rows is.
// BENCH_ROWS overrides the row count (default 1,000,000). Needs what the workbench suite needs.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium, type Frame, type Page } from 'playwright-core';
import { hotCutoff } from '../daemon/ledger/archive';
import { insertRequest } from '../daemon/ledger/requests';
import { recordInRollups } from '../daemon/ledger/rollups';
import type { LedgerRow } from '../daemon/protocol/ledger';
import type { CandidateEstimate, RoutingDecision } from '../daemon/protocol/routing';
import { encodeDecision, packDecision } from '../daemon/service/requestDecisions';
import { Store } from '../daemon/store/database';
// @ts-expect-error: plain .mjs test helper without types
import { ensureCodeServer, startCodeServer, stopCodeServer } from '../test/e2e/lib/codeServer.mjs';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const repo = resolve(__dirname, '..');
const MODELS = [['gpt-4.1-mini', 'openai'], ['claude-sonnet-4', 'anthropic'], ['gemini-2.5-flash', 'google'], ['deepseek-chat', 'deepseek'], ['mistral-small', 'mistral']] as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const CATALOG = (JSON.parse(readFileSync(join(repo, 'daemon', 'routing', 'data', 'models.json'), 'utf8')) as { models: { id: string; provider: string }[] }).models;

/** A decision shaped like the router's: the answering model first, then nine other catalog candidates. */
function decisionOf(r: LedgerRow, i: number): RoutingDecision {
  const others = Array.from({ length: 9 }, (_, k) => CATALOG[(i + k * 3) % CATALOG.length] ?? { id: 'gpt-5', provider: 'openai' });
  const candidates: CandidateEstimate[] = [{ model: r.model ?? 'gpt-4.1-mini', provider: r.provider ?? 'openai', quality: 0.66, costUsd: r.estimatedCostUsd, latencyMs: r.latencyMs ?? 500, score: 0.71 }];
  others.forEach((m, k) => {
    const c: CandidateEstimate = { model: m.id, provider: m.provider, quality: 0.5 + ((i + k) % 40) / 100, costUsd: 0.0001 * (1 + ((i * 7 + k) % 90)), latencyMs: 400 + ((i + k * 131) % 20_000), score: 0.7 - k / 20 };
    candidates.push(k >= 7 ? { ...c, excluded: `no key for ${m.provider}` } : c);
  });
  return {
    model: candidates[0]?.model ?? 'gpt-4.1-mini', provider: candidates[0]?.provider ?? 'openai', fallbacks: [candidates[1]?.model ?? 'gpt-5'], reason: r.reason ?? '', strategy: r.strategy ?? 'learned',
    policy: r.policy ?? 'normal', rule: null, tradeoff: 'balanced', taskType: 'chat', confidence: 0.6 + (i % 30) / 100, inputTokens: r.tokensIn, estimatedOutputTokens: r.tokensOut,
    estimatedCostUsd: r.estimatedCostUsd, baselineModel: 'gpt-5', estimatedSavingsUsd: 0.004, candidates, effort: null, expectedWallMs: r.latencyMs ?? 500,
  };
}

function row(i: number, ts: number): LedgerRow {
  const [model, provider] = MODELS[i % MODELS.length] ?? MODELS[0];
  const tokensIn = 200 + (i % 1800);
  const tokensOut = 50 + (i % 700);
  return {
    id: `req_${ts.toString(36).padStart(9, '0')}${i.toString(36).padStart(12, '0')}`, ts, clientKind: i % 3 === 0 ? 'editor' : 'script', clientName: null, workspace: `/ws/${i % 5}`,
    endpoint: 'chat.completions', requestedModel: 'auto', model, provider, policy: 'normal', strategy: 'learned', taskType: 'chat', reason: `chat prompt (${200 + (i % 1800)} tokens, looks typical); chat/learned, balanced: ${model} predicted quality 0.66 for ~$0.0007 in ~2.1 s, best of 7`, stream: false,
    tokensIn, tokensOut, tokensCached: 0, tokensReasoning: 0, estimatedCostUsd: tokensIn * 1.5e-7, costUsd: tokensIn * 1.5e-7 + tokensOut * 6e-7, costState: 'known',
    latencyMs: 300 + (i % 900), ttftMs: 120, status: 'ok', errorCode: null, fallbacks: [], experimentId: null, arm: null,
  };
}

async function fill(home: string): Promise<{ ms: number; decisions: number }> {
  const started = performance.now();
  const store = await Store.open({ dir: home });
  const now = Date.now();
  const span = 90 * 86_400_000;
  const hot = hotCutoff(now, Intl.DateTimeFormat().resolvedOptions().timeZone);
  let decisions = 0;
  for (let i = 0; i < ROWS; i += 20_000) {
    await store.withWrite((tx) => {
      for (let j = i; j < Math.min(ROWS, i + 20_000); j++) {
        // Oldest first over the last 90 days, so the newest rows are today's.
        const r = row(j, now - span + Math.floor((j / ROWS) * span));
        insertRequest(tx, r, []);
        recordInRollups(tx, r);
        if (r.ts >= hot) {
          // As RequestDecisions.onRecord stores it, inside the row's transaction.
          tx.run('INSERT OR REPLACE INTO request_decisions (request_id, ts, detail) VALUES (?, ?, ?)', [r.id, r.ts, packDecision(encodeDecision(decisionOf(r, j), r.reason))]);
          decisions++;
        }
      }
    });
  }
  await store.close();
  return { ms: performance.now() - started, decisions };
}

async function dashboardFrame(page: Page): Promise<Frame> {
  for (;;) {
    for (const f of page.frames()) {
      if ((await f.evaluate(() => document.body?.dataset.view).catch(() => undefined)) === 'dashboard') {
        return f;
      }
    }
    await sleep(50);
  }
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'llmr-bench-dash-'));
  const home = join(root, 'home');
  const cacheDir = join(repo, '.cache', 'code-server');
  let server: { url: string; port: number } | undefined;
  try {
    mkdirSync(home, { recursive: true });
    const filled = await fill(home);
    console.log(`filled ${ROWS.toLocaleString('en-US')} ledger rows (${filled.decisions.toLocaleString('en-US')} of them in the hot window with a stored decision) in ${(filled.ms / 1000).toFixed(1)} s`);
    ensureCodeServer(cacheDir, console.log);
    mkdirSync(join(root, 'user', 'User'), { recursive: true });
    writeFileSync(join(root, 'user', 'User', 'settings.json'), JSON.stringify({ 'llmRouter.simulate': 'always', 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false }));
    const ws = join(root, 'ws');
    mkdirSync(ws);
    const started: { url: string; port: number } = await startCodeServer({ cacheDir, root, env: { LLM_ROUTER_HOME: home }, log: () => undefined, name: 'bench' });
    server = started;
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
      const payload = [['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${started.port}${repo}`], ['skipWelcome', 'true']];
      const t0 = performance.now();
      await page.goto(`${started.url}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
      await page.locator('.statusbar-item', { hasText: /\$[\d.,]+ today/ }).first().waitFor({ timeout: 300_000 });
      console.log(`workbench open → status bar shows today's spend (daemon started over the store): ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      await page.keyboard.press('Control+Shift+P');
      await page.locator('.quick-input-widget input').fill('>LLM Router: Open Dashboard');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Open Dashboard' }).first().waitFor();
      const t1 = performance.now();
      await page.keyboard.press('Enter');
      const frame = await dashboardFrame(page);
      await frame.waitForSelector('body[data-loaded="true"]', { timeout: 300_000 });
      const wall = performance.now() - t1;
      const own = Number(await frame.evaluate(() => document.body.dataset.firstLoadMs));
      console.log(`first paint: ${wall.toFixed(0)} ms from the command to every section drawn (the view: ${own} ms from its document start)`);
      const refreshes: number[] = [];
      for (let i = 0; i < 5; i++) {
        const loads = Number(await frame.evaluate(() => document.body.dataset.loads));
        await frame.click('text=Refresh');
        await frame.waitForFunction((n) => Number(document.body.dataset.loads) > n, loads, { timeout: 300_000 });
        refreshes.push(Number(await frame.evaluate(() => document.body.dataset.lastLoadMs)));
      }
      refreshes.sort((a, b) => a - b);
      console.log(`refresh: median ${refreshes[2]} ms, max ${refreshes[4]} ms (${refreshes.join(', ')}), every section`);
    } finally {
      await browser.close();
    }
  } finally {
    await stopCodeServer(server);
    try {
      const { pid } = JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8')) as { pid: number };
      process.kill(pid, 'SIGTERM');
      await sleep(2000);
    } catch {
      // no daemon
    }
    rmSync(root, { recursive: true, force: true });
  }
}

void main();
