// Private files without relying on the folder: the LSP socket is created 0600 (under a umask, not
// chmod'ed after listen), the ledger's journal and snapshots are 0600, and only a home folder the
// daemon creates is chmod'ed — one the user chose keeps its mode and is reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePrivateDir } from '../../daemon/server';
import { startTestDaemon } from './daemonHarness';

// A common desktop umask: files are created 0644 and sockets 0755 unless the code says otherwise.
process.umask(0o022);
const modeOf = (path: string): number => statSync(path).mode & 0o777;
const octal = (mode: number): string => mode.toString(8).padStart(4, '0');

test('the socket is created 0600 and the journal and snapshot 0600, under a 0022 umask; the umask is restored', { skip: process.platform === 'win32' }, async () => {
  const h = await startTestDaemon();
  try {
    assert.equal(octal(modeOf(h.daemon.socketPath)), '0600', 'daemon.sock');
    assert.equal(process.umask(), 0o022, 'the process umask is back to what it was');
    const res = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(res.status, 200);
    await h.daemon.deps.store.snapshot();
    const ledgerFiles = readdirSync(h.home).filter((f) => f.startsWith('ledger-'));
    assert.ok(ledgerFiles.some((f) => f.endsWith('.journal')) && ledgerFiles.some((f) => f.endsWith('.snapshot')), ledgerFiles.join(', '));
    for (const f of ledgerFiles) {
      // The cold-segment folder is private like the home; every file, there or here, is 0600.
      const path = join(h.home, f);
      if (statSync(path).isDirectory()) {
        assert.equal(octal(modeOf(path)), '0700', f);
        for (const g of readdirSync(path)) {
          assert.equal(octal(modeOf(join(path, g))), '0600', `${f}/${g}`);
        }
      } else {
        assert.equal(octal(modeOf(path)), '0600', f);
      }
    }
  } finally {
    await h.close();
  }
});

test('only a home folder the daemon creates is chmod\'ed 0700; one the user chose keeps its mode and is reported', { skip: process.platform === 'win32' }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'lr-home-'));
  try {
    const warnings: string[] = [];
    const created = join(root, 'new', 'home');
    ensurePrivateDir(created, (m) => warnings.push(m));
    assert.equal(octal(modeOf(created)), '0700');
    assert.equal(warnings.length, 0);

    const chosen = join(root, 'shared');
    mkdirSync(chosen);
    chmodSync(chosen, 0o755);
    ensurePrivateDir(chosen, (m) => warnings.push(m));
    assert.equal(octal(modeOf(chosen)), '0755', 'left as the user made it');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /open to other users \(mode 0755\).*chmod 700/);

    const privateOne = join(root, 'private');
    mkdirSync(privateOne, { mode: 0o700 });
    ensurePrivateDir(privateOne, (m) => warnings.push(m));
    assert.equal(warnings.length, 1, 'a private folder is not reported');

    // Through the daemon: it starts, warns, and does not touch the folder.
    const daemonWarnings: string[] = [];
    const h = await startTestDaemon({ home: chosen, warn: (m) => daemonWarnings.push(m) });
    await h.close();
    assert.equal(octal(modeOf(chosen)), '0755');
    assert.equal(daemonWarnings.length, 1);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
