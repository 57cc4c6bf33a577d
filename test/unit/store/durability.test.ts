import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store, type StoreLog } from '../../../daemon/store/database';
import { RouterError } from '../../../daemon/protocol/errors';
import { errno, FaultyFiles, type Mutation } from './faultyFiles';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'llmr-durable-'));
}

function collectingLog(): { log: StoreLog; lines: string[] } {
  const lines: string[] = [];
  return { log: (level, message) => lines.push(`${level}: ${message}`), lines };
}

function put(store: Store, key: string): Promise<void> {
  return store.withWrite((tx) => {
    tx.run('INSERT INTO settings(key, value) VALUES (?, ?)', [key, `v-${key}`]);
  });
}

function keys(store: Store): string[] {
  return store.read((tx) => tx.all<{ key: string }>('SELECT key FROM settings ORDER BY key')).map((r) => r.key);
}

function filesIn(dir: string, suffix: string): string[] {
  return readdirSync(dir).filter((n) => n.endsWith(suffix)).sort();
}

test('acknowledged writes survive a process that never closed the store (journal replay)', async () => {
  const dir = tempDir();
  try {
    const crashed = await Store.open({ dir });
    await Promise.all(Array.from({ length: 40 }, (_, i) => put(crashed, `k${String(i).padStart(2, '0')}`)));
    // No close(): as if the process were killed right after the acknowledgements.
    const again = await Store.open({ dir });
    assert.equal(keys(again).length, 40);
    assert.ok(again.recoveryInfo.replayed >= 40, `replayed ${again.recoveryInfo.replayed}`);
    assert.equal(again.integrityCheck(), 'ok');
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a torn journal tail is cut off at start-up and the store keeps appending after it', async () => {
  const dir = tempDir();
  try {
    const first = await Store.open({ dir });
    await put(first, 'a');
    await put(first, 'b');
    const journal = join(dir, filesIn(dir, '.journal').at(-1) ?? '');
    const validSize = statSync(journal).size;
    // Half a record: a header promising 500 bytes and only a few of them.
    appendFileSync(journal, Buffer.from([0xf4, 0x01, 0, 0, 1, 2, 3, 4, 5, 6]));
    const { log, lines } = collectingLog();
    const second = await Store.open({ dir, log });
    assert.deepEqual(keys(second), ['a', 'b']);
    assert.equal(statSync(journal).size, validSize);
    assert.ok(lines.some((l) => l.includes('cutting it')), lines.join('\n'));
    await put(second, 'c');
    const third = await Store.open({ dir });
    assert.deepEqual(keys(third), ['a', 'b', 'c']);
    await third.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('snapshots rotate the journal, keep the previous snapshot, and restore everything', async () => {
  const dir = tempDir();
  try {
    const store = await Store.open({ dir, snapshotPolicy: { maxRecords: 10, maxBytes: 1 << 30 } });
    for (let i = 0; i < 45; i++) {
      await put(store, `k${String(i).padStart(2, '0')}`);
    }
    await store.flush();
    const snapshots = filesIn(dir, '.snapshot');
    assert.ok(snapshots.length >= 1 && snapshots.length <= 2, snapshots.join(','));
    // The journals before the previous snapshot are gone; those after it stay as the fallback.
    assert.ok(filesIn(dir, '.journal').length <= 3, filesIn(dir, '.journal').join(','));
    // Pragmas are re-applied after export(): foreign keys stay on.
    assert.equal(store.read((tx) => tx.get<{ foreign_keys: number }>('PRAGMA foreign_keys'))?.foreign_keys, 1);
    const again = await Store.open({ dir });
    assert.equal(keys(again).length, 45);
    assert.ok(again.recoveryInfo.snapshotGen > 0);
    assert.ok(again.recoveryInfo.replayed < 45);
    await again.close();
    // close() leaves a snapshot that holds everything: nothing to replay.
    const third = await Store.open({ dir });
    assert.equal(third.recoveryInfo.replayed, 0);
    assert.equal(keys(third).length, 45);
    await third.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a damaged newest snapshot is moved aside and the previous snapshot plus journals restore everything', async () => {
  const dir = tempDir();
  try {
    const store = await Store.open({ dir, snapshotPolicy: { maxRecords: 5, maxBytes: 1 << 30 } });
    for (let i = 0; i < 23; i++) {
      await put(store, `k${String(i).padStart(2, '0')}`);
    }
    await store.flush();
    const snapshots = filesIn(dir, '.snapshot');
    assert.equal(snapshots.length, 2);
    const newest = join(dir, snapshots[1] ?? '');
    writeFileSync(newest, Buffer.alloc(8192, 0x5a));
    const { log, lines } = collectingLog();
    const again = await Store.open({ dir, log });
    assert.equal(keys(again).length, 23);
    assert.equal(again.integrityCheck(), 'ok');
    assert.ok(lines.some((l) => l.startsWith('error:') && l.includes('damaged')), lines.join('\n'));
    assert.ok(readdirSync(dir).some((n) => n.startsWith(snapshots[1] ?? '?') && n.includes('.corrupt-')), 'the bad file is kept aside');
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('when no snapshot is usable and older journals are gone, opening fails clearly and keeps the files', async () => {
  const dir = tempDir();
  try {
    const store = await Store.open({ dir, snapshotPolicy: { maxRecords: 3, maxBytes: 1 << 30 } });
    for (let i = 0; i < 20; i++) {
      await put(store, `k${i}`);
    }
    await store.flush();
    for (const s of filesIn(dir, '.snapshot')) {
      writeFileSync(join(dir, s), 'not a database');
    }
    const before = filesIn(dir, '.journal');
    await assert.rejects(Store.open({ dir, log: () => undefined }), (e: unknown) => e instanceof RouterError && e.code === 'storeUnavailable' && /cannot be rebuilt/.test(e.message));
    assert.deepEqual(filesIn(dir, '.journal'), before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a folder that cannot be written is reported at open as storeUnavailable', async () => {
  const dir = tempDir();
  try {
    // A regular file where the folder should be (root ignores chmod, so permissions cannot be used).
    const notADir = join(dir, 'file');
    writeFileSync(notADir, 'x');
    await assert.rejects(Store.open({ dir: notADir }), (e: unknown) => e instanceof RouterError && e.code === 'storeUnavailable' && e.message.includes(notADir));
    // A directory where the journal file should be.
    const home = join(dir, 'home');
    mkdirSync(join(home, 'ledger-00000000.journal'), { recursive: true });
    await assert.rejects(Store.open({ dir: home }), (e: unknown) => e instanceof RouterError && e.code === 'storeUnavailable');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('disk full: the caller gets storeUnavailable, nothing half-written stays, later writes succeed once space is back', async () => {
  const dir = tempDir();
  try {
    let full = false;
    let clock = 1_000_000;
    const files = new FaultyFiles({
      before: (op: Mutation) => (full && (op === 'appendDurably' || op === 'openAppend') ? errno('ENOSPC', 'no space left on device') : null),
      tornBytes: (n) => Math.floor(n / 2),
    });
    const { log } = collectingLog();
    const store = await Store.open({ dir, files, log, now: () => clock });
    await put(store, 'before');
    full = true;
    const results = await Promise.allSettled([put(store, 'x1'), put(store, 'x2'), put(store, 'x3')]);
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      const reason: unknown = r.status === 'rejected' ? r.reason : null;
      assert.ok(reason instanceof RouterError && reason.code === 'storeUnavailable' && /no space left/.test(reason.message), String(reason));
    }
    // Memory was reloaded from disk: the refused transactions are not visible either.
    assert.deepEqual(keys(store), ['before']);
    // Right after a failure, writes are refused without touching the disk, and billable work
    // asking first is refused too.
    assert.throws(() => store.checkWritable(), (e: unknown) => e instanceof RouterError && e.code === 'storeUnavailable');
    const appendsSoFar = files.appends;
    await assert.rejects(put(store, 'x4'), (e: unknown) => e instanceof RouterError && e.code === 'storeUnavailable');
    assert.equal(files.appends, appendsSoFar);
    full = false;
    clock += 5_000;
    store.checkWritable();
    await put(store, 'after');
    assert.deepEqual(keys(store), ['after', 'before']);
    const again = await Store.open({ dir });
    assert.deepEqual(keys(again), ['after', 'before']);
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failed snapshot costs nothing: the journals still hold every write', async () => {
  const dir = tempDir();
  try {
    const files = new FaultyFiles({ before: (op) => (op === 'writeDurably' ? errno('ENOSPC', 'no space left on device') : null) });
    const { log, lines } = collectingLog();
    const store = await Store.open({ dir, files, log, snapshotPolicy: { maxRecords: 4, maxBytes: 1 << 30 } });
    for (let i = 0; i < 15; i++) {
      await put(store, `k${String(i).padStart(2, '0')}`);
    }
    await store.flush();
    assert.ok(lines.some((l) => l.includes('could not write ledger snapshot')));
    assert.equal(filesIn(dir, '.snapshot').length, 0);
    assert.ok(!readdirSync(dir).some((n) => n.endsWith('.tmp')), 'no half snapshot left behind');
    const again = await Store.open({ dir });
    assert.equal(keys(again).length, 15);
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a crash at every file operation recovers every acknowledged write and nothing that was not attempted', async () => {
  let crashPoint = 1;
  let completed = false;
  for (; crashPoint < 400 && !completed; crashPoint++) {
    const dir = tempDir();
    try {
      let ops = 0;
      let crashed = false;
      const files = new FaultyFiles({
        before: () => {
          if (crashed || ++ops >= crashPoint) {
            crashed = true;
            return errno('EIO', 'simulated crash');
          }
          return null;
        },
        tornBytes: (n) => (crashPoint * 7) % n,
      });
      const acked = new Set<string>();
      const attempted = new Set<string>();
      let store: Store | null = null;
      try {
        store = await Store.open({ dir, files, log: () => undefined, snapshotPolicy: { maxRecords: 3, maxBytes: 1 << 30 } });
        for (let round = 0; round < 8 && !crashed; round++) {
          const batch = Array.from({ length: 3 }, (_, i) => `r${round}-${i}`);
          for (const k of batch) {
            attempted.add(k);
          }
          const settled = await Promise.allSettled(batch.map((k) => put(store as Store, k)));
          settled.forEach((s, i) => {
            if (s.status === 'fulfilled') {
              acked.add(batch[i] ?? '');
            }
          });
        }
        if (!crashed) {
          await store.close();
          completed = !crashed;
        }
      } catch (e) {
        assert.ok(crashed, `unexpected failure without a crash: ${String(e)}`);
      }
      const recovered = await Store.open({ dir, log: () => undefined });
      const present = new Set(keys(recovered));
      for (const k of acked) {
        assert.ok(present.has(k), `crash point ${crashPoint}: acknowledged ${k} is missing`);
      }
      for (const k of present) {
        assert.ok(attempted.has(k), `crash point ${crashPoint}: ${k} was never written`);
      }
      assert.equal(recovered.integrityCheck(), 'ok');
      await recovered.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  assert.ok(completed, 'the workload eventually ran without reaching the crash point');
  assert.ok(crashPoint > 20, `only ${crashPoint} crash points were exercised`);
  console.log(`crash points exercised: ${crashPoint - 1}`);
});

test('transactions committed in the same tick share one write and fsync (group commit)', async () => {
  const dir = tempDir();
  try {
    const files = new FaultyFiles({ before: () => null });
    const store = await Store.open({ dir, files });
    const before = files.appends;
    await Promise.all(Array.from({ length: 200 }, (_, i) => put(store, `g${i}`)));
    assert.equal(files.appends - before, 1);
    assert.equal(keys(store).length, 200);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('non-deterministic SQL is refused inside writes, before anything is committed', async () => {
  const store = await Store.open({ dir: null });
  for (const sql of [
    "INSERT INTO settings(key, value) VALUES ('t', CURRENT_TIMESTAMP)",
    "INSERT INTO settings(key, value) VALUES ('t', random())",
    "INSERT INTO settings(key, value) VALUES ('t', datetime('now'))",
    "INSERT INTO settings(key, value) VALUES ('t', hex(randomblob(4)))",
  ]) {
    await assert.rejects(
      store.withWrite((tx) => tx.run(sql)),
      (e: unknown) => e instanceof RouterError && e.code === 'internal' && /deterministic/.test(e.message),
    );
  }
  assert.deepEqual(keys(store), []);
  await store.close();
});
