import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSqlJs } from '../../../daemon/store/sqljs';
import { HeapBinder } from '../../../daemon/store/heapBind';

// In a file of its own: a fresh process, whose sql.js heap grows while the loop runs.

test('thousands of rows of texts and blobs bound in one loop (hot enough for V8 to optimize the binder) are all stored whole', async () => {
  // Binding through a call site that saw only one WebAssembly export crashed the process here after
  // a few hundred rows (see heapBind.ts); the loop runs well past that.
  const SQL = await loadSqlJs();
  const binder = HeapBinder.of(SQL);
  assert.ok(binder !== null);
  const db = new SQL.Database();
  try {
    db.exec('CREATE TABLE t (a TEXT, b INTEGER, c BLOB, d REAL)');
    const sql = 'INSERT INTO t VALUES (?, ?, ?, ?)';
    const st = db.prepare(sql);
    let textBytes = 0;
    let blobBytes = 0;
    for (let i = 0; i < 12000; i++) {
      const text = `${'x'.repeat((i % 64) * 10)}${i}`;
      const blob = new Uint8Array((i % 64) * 40).fill(i % 251);
      textBytes += text.length;
      blobBytes += blob.length;
      assert.equal(binder.bind(db, st, sql, [text, i, blob, i / 3]), true);
      st.step();
      st.reset();
    }
    const [row] = db.exec('SELECT count(*), sum(length(a)), sum(length(c)), sum(b), sum(d) FROM t')[0]?.values ?? [];
    assert.deepEqual(row?.slice(0, 4), [12000, textBytes, blobBytes, (11999 * 12000) / 2]);
    assert.ok(Math.abs((row?.[4] as number) - (11999 * 12000) / 6) < 1e-6);
  } finally {
    db.close();
  }
});
