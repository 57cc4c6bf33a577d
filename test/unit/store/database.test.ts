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
