import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../../daemon/store/database';

test('migrations bring a new store to the latest schema version', async () => {
  const store = await Store.open({ dir: null });
  assert.ok(store.schemaVersion >= 1);
  const tables = store.read((tx) => tx.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")).map((r) => r.name);
  assert.ok(tables.includes('requests'));
  await store.close();
});

test('a failing write rolls back and leaves earlier writes intact', async () => {
  const store = await Store.open({ dir: null });
  await store.withWrite((tx) => tx.run('INSERT INTO settings(key, value) VALUES (?, ?)', ['a', '1']));
  await assert.rejects(
    store.withWrite((tx) => {
      tx.run('INSERT INTO settings(key, value) VALUES (?, ?)', ['b', '2']);
      throw new Error('boom');
    }),
    /boom/,
  );
  const keys = store.read((tx) => tx.all<{ key: string }>('SELECT key FROM settings ORDER BY key')).map((r) => r.key);
  assert.deepEqual(keys, ['a']);
  await store.close();
});

test('acknowledged writes survive reopening the store from disk', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmr-store-'));
  try {
    const store = await Store.open({ dir });
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.withWrite((tx) => tx.run('INSERT INTO settings(key, value) VALUES (?, ?)', [`k${i}`, String(i)]))),
    );
    await store.close();
    const again = await Store.open({ dir });
    const n = again.read((tx) => tx.get<{ n: number }>('SELECT count(*) AS n FROM settings'))?.n;
    assert.equal(n, 50);
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('write callbacks must be synchronous', async () => {
  const store = await Store.open({ dir: null });
  await assert.rejects(store.withWrite(async () => 1), /synchronous/);
  await store.close();
});

test('compact() drops free pages only when most are free, changes no row, and the smaller image survives a restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmr-compact-'));
  try {
    let store = await Store.open({ dir, log: () => undefined });
    // The migrated schema's own pages (they grow with each migration) are not the test's subject.
    const schemaPages = Number(store.read((tx) => tx.get<{ page_count: number }>('PRAGMA page_count'))?.page_count ?? 0);
    await store.withWrite((tx) => {
      tx.run('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)', []);
      for (let i = 0; i < 3000; i++) {
        tx.run('INSERT INTO t (id, v) VALUES (?, ?)', [i, 'x'.repeat(200)]);
      }
    });
    await store.withWrite((tx) => tx.run('DELETE FROM t WHERE id % 10 = 0', []));
    assert.equal(await store.compact(), null, 'a tenth free is not worth a rewrite');
    await store.withWrite((tx) => tx.run('DELETE FROM t WHERE id >= 500', []));
    const r = await store.compact();
    assert.ok(r !== null && r.pagesAfter - schemaPages < (r.pagesBefore - schemaPages) / 3, JSON.stringify({ ...r, schemaPages }));
    const rows = store.read((tx) => tx.all('SELECT id, v FROM t ORDER BY id'));
    assert.equal(rows.length, 450);
    await store.withWrite((tx) => tx.run('INSERT INTO t (id, v) VALUES (?, ?)', [9999, 'after']));
    await store.close();
    store = await Store.open({ dir, log: () => undefined });
    assert.equal(store.read((tx) => tx.all('SELECT id FROM t')).length, 451);
    assert.equal(store.integrityCheck(), 'ok');
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
