// Workbench helpers shared by the UI steps: the command palette, notifications (toast or center),
// and the frame of one of the extension's webviews (by its body's data-view).
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function findViewFrame(page, view, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      try {
        if ((await frame.evaluate(() => globalThis.document?.body?.dataset.view)) === view) {
          return frame;
        }
      } catch {
        // frame navigating or detached
      }
    }
    await sleep(200);
  }
  throw new Error(`no ${view} webview within ${timeoutMs} ms`);
}

/**
 * Runs a command from the palette. Under load an editor closed by the command before may take the
 * focus back after the palette opened, which closes it: then it is opened once more.
 */
export async function runCommand(page, title) {
  const input = page.locator('.quick-input-widget input');
  for (let attempt = 1; ; attempt++) {
    try {
      await page.keyboard.press('Control+Shift+P');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill(`>${title}`, { timeout: 5_000 });
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
      await row.waitFor({ state: 'visible', timeout: 10_000 });
      // Enter runs the highlighted row, which is not always this one (another command's title may
      // rank first): then the row itself is clicked.
      const highlighted = page.locator('.quick-input-list .monaco-list-row.focused', { hasText: title });
      if ((await highlighted.count()) > 0) {
        await page.keyboard.press('Enter');
      } else {
        await row.click({ timeout: 5_000 });
      }
      return;
    } catch (err) {
      if (attempt >= 2) {
        throw err;
      }
      await page.keyboard.press('Escape').catch(() => {});
      await sleep(500);
    }
  }
}

/**
 * A notification with this text: as a toast, or (VS Code 1.13x keeps some toasts back while the
 * page has no OS focus, as in headless Chromium) in the notification center, opened for it.
 */
export async function notification(page, text) {
  const toast = page.locator('.notification-toast', { hasText: text }).first();
  try {
    await toast.waitFor({ state: 'visible', timeout: 4_000 });
    return toast;
  } catch {
    await runCommand(page, 'Notifications: Show Notifications');
    const item = page.locator('.notifications-center .notification-list-item', { hasText: text }).first();
    await item.waitFor({ state: 'visible', timeout: 10_000 });
    return item;
  }
}


/** How many notifications (toasts and the notification center together) carry this text. */
export async function notificationCount(page, text) {
  await runCommand(page, 'Notifications: Show Notifications');
  const center = page.locator('.notifications-center');
  await center.waitFor({ state: 'visible', timeout: 10_000 });
  await sleep(300);
  return center.locator('.notification-list-item', { hasText: text }).count();
}

/** The system clipboard as the page reads it (the browser context needs clipboard-read). */
export async function readClipboard(page) {
  return page.evaluate(() => globalThis.navigator.clipboard.readText());
}

/** The lines of the active editor as Monaco renders them (the visible part; non-breaking spaces as spaces). */
export async function editorLines(page) {
  const lines = page.locator('.editor-group-container.active .monaco-editor .view-lines .view-line');
  const tops = await lines.evaluateAll((els) => els.map((e) => [Number.parseFloat(e.style.top || '0'), (e.textContent ?? '').replace(/\u00a0/g, ' ')]));
  return tops.sort((a, b) => a[0] - b[0]).map(([, text]) => text);
}
