import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../../daemon/store/database';
import { migrations } from '../../../daemon/store/migrations';

const sorted = [...migrations].sort((a, b) => a.version - b.version);
const latest = sorted.at(-1)?.version ?? 0;

function tablesCreatedBy(sql: string): string[] {
  return [...sql.matchAll(/CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?["`]?(\w+)/gi)].map((m) => m[1] ?? '');
}

function tables(store: Store): Set<string> {
  return new Set(store.read((tx) => tx.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")).map((r) => r.name));
}

test('migration versions are unique and increasing', () => {
  const versions = sorted.map((m) => m.version);
  assert.equal(new Set(versions).size, versions.length);
  assert.ok(versions.every((v) => Number.isInteger(v) && v > 0));
});

for (let k = 0; k < sorted.length; k++) {
  const from = k === 0 ? 0 : (sorted[k - 1]?.version ?? 0);
  test(`a store at schema version ${from} migrates to ${latest}, keeping its data`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmr-migrate-'));
    try {
      const old = await Store.open({ dir, migrations: sorted.slice(0, k) });
      assert.equal(old.schemaVersion, from);
      if (from >= 1) {
        await old.withWrite((tx) => tx.run('INSERT INTO settings(key, value) VALUES (?, ?)', ['kept', String(from)]));
      }
      await old.close();

      const store = await Store.open({ dir });
      assert.equal(store.schemaVersion, latest);
      const present = tables(store);
      for (const m of sorted) {
        for (const t of tablesCreatedBy(m.sql)) {
          assert.ok(present.has(t), `table ${t} from migration ${m.version} (${m.name}) exists`);
        }
      }
      if (from >= 1) {
        assert.equal(store.read((tx) => tx.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', ['kept']))?.value, String(from));
      }
      assert.equal(store.integrityCheck(), 'ok');
      await store.close();

      // The migrated schema is journaled like any write: a reopen without a clean close sees it too.
      const again = await Store.open({ dir });
      assert.equal(again.schemaVersion, latest);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a failing migration leaves the schema at the previous version and nothing half-applied', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmr-migrate-'));
  try {
    const broken = [...sorted, { version: latest + 1, name: 'broken', sql: 'CREATE TABLE half_done (a); INSERT INTO no_such_table VALUES (1);' }];
    await assert.rejects(Store.open({ dir, migrations: broken }), /no_such_table/);
    const store = await Store.open({ dir });
    assert.equal(store.schemaVersion, latest);
    assert.ok(!tables(store).has('half_done'));
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
