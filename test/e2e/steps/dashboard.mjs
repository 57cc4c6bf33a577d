// Workbench steps for the dashboard sections of issue 16 (issue-16d): conversations (affinity) and
// what routing learned, in tabs reached by keyboard; a decision's detail read from the store with
// its conversation turn; the same sections in a narrow panel. run-workbench.mjs calls
// dashboardSteps() after its own dashboard steps, with its helpers; each step stands alone.
// Screenshots (test-results/workbench/): dashboard-conversations.png, dashboard-learned.png,
// dashboard-decision-conversation.png, dashboard-narrow-learned.png, dashboard-narrow-conversations.png.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * @param {{ page: import('playwright-core').Page, home: string, results: string, soft: (name: string, fn: () => Promise<void>) => Promise<void>,
 *   findViewFrame: (page: import('playwright-core').Page, view: string, ms: number) => Promise<import('playwright-core').Frame>,
 *   runCommand: (page: import('playwright-core').Page, title: string) => Promise<void>, rpc: (method: string, params: unknown) => Promise<any>,
 *   log: (m: string) => void, sleep: (ms: number) => Promise<void> }} ctx
 */
export async function dashboardSteps(ctx) {
  const { page, home, results, soft, findViewFrame, runCommand, rpc, log, sleep } = ctx;
  const chat = async (messages, session) => {
    const { port, token } = JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8'));
    const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-llm-router-session': session },
      body: JSON.stringify({ model: 'auto', messages }),
    });
    const body = await res.json();
    if (res.status !== 200) {
      throw new Error(`script call failed: ${res.status} ${JSON.stringify(body)}`);
    }
    return { id: res.headers.get('x-llm-router-request-id'), text: body.choices?.[0]?.message?.content ?? '' };
  };
  const openDashboard = async () => {
    await runCommand(page, 'LLM Router: Open Dashboard');
    const frame = await findViewFrame(page, 'dashboard', 30_000);
    await frame.waitForSelector('body[data-loaded="true"]', { timeout: 30_000 });
    return frame;
  };
  const shoot = async (frame, selector, file) => {
    await frame.evaluate((sel) => globalThis.document.querySelector(sel)?.scrollIntoView({ block: 'start' }), selector);
    await sleep(400);
    await page.screenshot({ path: join(results, file) });
  };
  let secondTurn = null;

  await soft('dashboard: a script\'s conversation stays on its model, feedback is learned; both shown in tabs reached by keyboard', async () => {
    const session = `e2e-dashboard-${Date.now()}`;
    const q1 = { role: 'user', content: 'Write a TypeScript function that debounces another function.' };
    const first = await chat([q1], session);
    const second = await chat([q1, { role: 'assistant', content: first.text }, { role: 'user', content: 'Now add a cancel() method to it.' }], session);
    secondTurn = second.id;
    await rpc('feedback/submit', { requestId: second.id, thumbs: 'up' });
    const frame = await openDashboard();
    // The dashboard may be open from an earlier step, its table still drawn from before these two
    // turns: wait for the refresh to finish (the view counts its loads) before reading the row.
    const loads = await frame.evaluate(() => Number(globalThis.document.body.dataset.loads ?? 0));
    await frame.click('text=Refresh');
    await frame.waitForFunction((n) => Number(globalThis.document.body.dataset.loads ?? 0) > n, loads, { timeout: 15_000 });
    const conv = frame.locator('[data-testid="conversations-table"] tbody tr', { hasText: 'script' }).first();
    await conv.waitFor({ timeout: 15_000 });
    const convText = (await conv.textContent())?.replace(/\s+/g, ' ').trim();
    const turns = (await conv.locator('td').nth(2).textContent())?.trim() ?? '';
    if (!/^2\b/.test(turns)) {
      throw new Error(`the conversation row does not show its 2 turns (turns cell "${turns}"): ${convText}`);
    }
    await shoot(frame, '.routing-state-section', 'dashboard-conversations.png');
    // The tab strip by keyboard (the ARIA tabs pattern, manual activation): focus the first tab,
    // ArrowRight moves to "Learned per model", Enter shows it.
    await frame.locator('[data-testid="conversations-tab"]').focus();
    await page.keyboard.press('ArrowRight');
    const focused = await frame.evaluate(() => globalThis.document.activeElement?.getAttribute('data-testid'));
    if (focused !== 'learned-tab') {
      throw new Error(`ArrowRight left the focus on ${focused}, not the learned tab`);
    }
    await page.keyboard.press('Enter');
    const learnedRow = frame.locator('[data-testid="learned-table"] tbody tr').first();
    await learnedRow.waitFor({ state: 'visible', timeout: 10_000 });
    const selected = await frame.locator('[data-testid="learned-tab"]').getAttribute('aria-selected');
    if (selected !== 'true') {
      throw new Error(`the learned tab is not announced as selected (aria-selected=${selected})`);
    }
    const learned = await rpc('routing/learnedState', {});
    await shoot(frame, '.routing-state-section', 'dashboard-learned.png');
    log(`conversations: "${convText}"; learned: ${learned.models.length} model(s), the first row "${(await learnedRow.textContent())?.replace(/\s+/g, ' ').trim()}"`);
  });

  await soft('dashboard: a decision\'s detail is read from the store, with its conversation turn and candidates', async () => {
    if (!secondTurn) {
      throw new Error('no conversation turn from the previous step');
    }
    const frame = await findViewFrame(page, 'dashboard', 10_000);
    const row = frame.locator(`[data-testid="requests-table"] tbody tr[data-request="${secondTurn}"]`);
    await row.waitFor({ timeout: 15_000 });
    await row.focus();
    await page.keyboard.press('Enter');
    const detail = frame.locator('[data-testid="decision-detail"]');
    await detail.locator('[data-testid="candidates"] tbody tr').first().waitFor({ timeout: 10_000 });
    const text = (await detail.textContent())?.replace(/\s+/g, ' ') ?? '';
    if (!/Conversation\s*turn 2/.test(text)) {
      throw new Error(`the detail lacks the conversation turn: ${text.slice(0, 400)}`);
    }
    const stored = await rpc('request/decision', { requestId: secondTurn });
    const shown = await detail.locator('[data-testid="candidates"] tbody tr').count();
    if (!stored.decision || shown !== stored.decision.candidates.length) {
      throw new Error(`the detail shows ${shown} candidates, the store holds ${stored.decision?.candidates.length}`);
    }
    await shoot(frame, '[data-testid="decision-detail"]', 'dashboard-decision-conversation.png');
    log(`decision detail from the store: ${shown} candidates, "${stored.decision.conversation?.why ?? ''}"`);
  });

  await soft('dashboard: conversations and learned state fit a narrow panel', async () => {
    const frame = await findViewFrame(page, 'dashboard', 10_000);
    await page.setViewportSize({ width: 640, height: 900 });
    try {
      await sleep(800);
      const clipped = async () =>
        frame.evaluate(() => [...globalThis.document.querySelectorAll('.routing-state-section .table-wrap')].filter((el) => el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1).length);
      await frame.locator('[data-testid="learned-tab"]').click();
      await frame.locator('[data-testid="learned-panel"] table, [data-testid="learned-empty"]').first().waitFor({ state: 'visible', timeout: 5_000 });
      const learnedClipped = await clipped();
      await shoot(frame, '.routing-state-section', 'dashboard-narrow-learned.png');
      await frame.locator('[data-testid="conversations-tab"]').click();
      await frame.locator('[data-testid="conversations-table"]').waitFor({ state: 'visible', timeout: 5_000 });
      const convClipped = await clipped();
      await shoot(frame, '.routing-state-section', 'dashboard-narrow-conversations.png');
      const width = await frame.evaluate(() => globalThis.document.documentElement.clientWidth);
      log(`narrow routing state: ${width} px wide`);
      if (learnedClipped + convClipped > 0) {
        throw new Error(`tables clipped (scrolling) in a narrow panel: learned ${learnedClipped}, conversations ${convClipped}`);
      }
    } finally {
      await page.setViewportSize({ width: 1440, height: 900 });
    }
  });
}
