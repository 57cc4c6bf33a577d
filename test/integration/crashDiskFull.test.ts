// A full disk under a running daemon (a real, tiny tmpfs; the test skips where mounting is not
// allowed): requests are refused with storeUnavailable — never served unrecorded — the daemon
// stays up, and once space is freed it records again. Tests run as root in CI, where chmod
// cannot make a folder read-only, so a mount is the honest way to fill a disk.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, rmdirSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestDaemon, type Harness } from './daemonHarness';

let mountPoint = '';
let mounted = false;
let h: Harness | null = null;

before(() => {
  mountPoint = mkdtempSync(join(tmpdir(), 'lr-diskfull-'));
  if (process.platform === 'linux') {
    mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', mountPoint]).status === 0;
  }
});

after(async () => {
  await h?.close();
  if (mounted) {
    spawnSync('umount', [mountPoint]);
  }
  try {
    rmdirSync(mountPoint);
  } catch {
    rmSync(mountPoint, { recursive: true, force: true });
  }
});

/** Fills the file system until it refuses more; returns the filler's path. */
function fillDisk(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (let i = 0; i < 10_000; i++) {
      writeSync(fd, chunk);
    }
    throw new Error('the disk never filled up');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') {
      throw e;
    }
    // Also take the last partial blocks.
    for (const size of [4096, 512, 1]) {
      try {
        for (;;) {
          writeSync(fd, chunk.subarray(0, size));
        }
      } catch {
        // full at this granularity
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

async function chat(port: number, token: string, content: string): Promise<{ status: number; code: string | null; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content }] }),
  });
  const text = await res.text();
  const parsed = JSON.parse(text) as { error?: { code?: string } };
  return { status: res.status, code: parsed.error?.code ?? null, text };
}

test('disk full: billable requests are refused with storeUnavailable, then recorded again once space is back', async (t) => {
  if (!mounted) {
    t.skip('cannot mount a tmpfs here (needs Linux and CAP_SYS_ADMIN); the store-level test in test/unit/store covers the logic');
    return;
  }
  h = await startTestDaemon({ home: mountPoint });
  const before = await chat(h.daemon.port, h.token, 'recorded before the disk fills');
  assert.equal(before.status, 200);
  const filler = fillDisk(mountPoint);

  // A full file system still has room in the journal's last, partly used page: a record that fits
  // there is written and durable, and so is answered. Once a record needs a new page, every
  // request is refused. Answered ones must all be recorded; refused ones never.
  const answered: string[] = [];
  const refused: { status: number; code: string | null; text: string }[] = [];
  for (let i = 0; i < 30 && refused.length < 3; i++) {
    const r = await chat(h.daemon.port, h.token, `disk is full ${i}`);
    if (refused.length === 0 && r.status === 200) {
      answered.push((JSON.parse(r.text) as { routing: { requestId: string } }).routing.requestId);
      continue;
    }
    refused.push(r);
  }
  assert.ok(answered.length <= 4, `${answered.length} requests answered on a full disk: more than one page tail holds`);
  assert.equal(refused.length, 3);
  for (const r of refused) {
    assert.equal(r.status, 503, r.text);
    assert.equal(r.code, 'storeUnavailable');
    assert.match(r.text, /free disk space/);
  }
  const health = await fetch(`http://127.0.0.1:${h.daemon.port}/health`);
  assert.equal(health.status, 200, 'the daemon stays up');
  const ids = h.daemon.deps.store.read((tx) => tx.all<{ id: string }>('SELECT id FROM requests')).map((r) => r.id);
  assert.equal(ids.length, 1 + answered.length, 'nothing half-written or unrecorded is visible');
  for (const id of answered) {
    assert.ok(ids.includes(id), `answered request ${id} is recorded`);
  }

  rmSync(filler);
  // Writes are retried a second after a failure.
  await new Promise((r) => setTimeout(r, 1100));
  const after = await chat(h.daemon.port, h.token, 'recorded after space is back');
  assert.equal(after.status, 200, after.text);
  const count = h.daemon.deps.store.read((tx) => tx.get<{ n: number }>('SELECT count(*) AS n FROM requests'))?.n;
  assert.equal(count, 2 + answered.length);
  assert.equal(h.daemon.deps.store.integrityCheck(), 'ok');
});
