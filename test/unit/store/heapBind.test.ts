import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SqlValue } from 'sql.js';
import { loadSqlJs } from '../../../daemon/store/sqljs';
import { HeapBinder } from '../../../daemon/store/heapBind';

const ROWS: SqlValue[][] = [
  ['plain', 1, 0, -1, 2147483647, -2147483648, 2147483648, 1_764_000_000_123, 0.1, -0, Number.NaN, 1e300, null, new Uint8Array([0, 1, 255, 7]), ''],
  ['naïve café 東京 😀 \u0000 inside', 3.5, 42, 7, 0, 0, 0, 0, 0, 0, 0, 0, 'x', new Uint8Array(0), 'z'.repeat(40_000)],
  ['€'.repeat(9_000), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '"quoted" \'and\' \\ back', new Uint8Array(20_000).fill(9), 'last'],
];

/** Each column's SQLite type and quoted value, as stored. */
function stored(db: import('sql.js').Database): unknown[][] {
  const cols = Array.from({ length: 15 }, (_, i) => `typeof(c${i}), quote(c${i})`).join(', ');
  return db.exec(`SELECT ${cols} FROM t ORDER BY rowid`)[0]?.values ?? [];
}

test('values bound in one heap copy are stored exactly as sql.js binds them (texts, unicode, integers, doubles, null, blobs, large values)', async () => {
  const SQL = await loadSqlJs();
  const binder = HeapBinder.of(SQL);
  assert.ok(binder !== null, 'this sql.js build exports what the binder needs');
  const create = `CREATE TABLE t (${Array.from({ length: 15 }, (_, i) => `c${i}${i === 7 ? ' INTEGER' : ''}`).join(', ')})`;
  const insert = `INSERT INTO t VALUES (${Array.from({ length: 15 }, () => '?').join(', ')})`;
  const mine = new SQL.Database();
  const theirs = new SQL.Database();
  try {
    mine.exec(create);
    theirs.exec(create);
    const a = mine.prepare(insert);
    const b = theirs.prepare(insert);
    for (const row of [...ROWS, ...ROWS]) {
      assert.equal(binder.bind(mine, a, insert, row), true, 'bound in the heap');
      a.step();
      a.reset();
      b.run(row);
    }
    assert.deepEqual(stored(mine), stored(theirs));
    assert.equal(stored(mine).length, ROWS.length * 2);
  } finally {
    mine.close();
    theirs.close();
  }
});

test('what the binder cannot bind exactly as sql.js does, it declines, leaving nothing bound', async () => {
  const SQL = await loadSqlJs();
  const binder = HeapBinder.of(SQL);
  assert.ok(binder !== null);
  const db = new SQL.Database();
  try {
    db.exec('CREATE TABLE t (a, b)');
    const sql = 'INSERT INTO t VALUES (?, ?)';
    const st = db.prepare(sql);
    assert.equal(binder.bind(db, st, sql, ['lone \uD800 surrogate', 1]), false);
    assert.equal(binder.bind(db, st, sql, { ':a': 1 }), false, 'named parameters');
    const third = db.prepare(sql);
    assert.equal(binder.bind(db, third, 'INSERT INTO t VALUES (?, ?) ', ['x', 1]), false, 'a pointer whose statement text is not the one given is not used');
    const other = db.prepare(sql);
    assert.equal(binder.bind(db, other, sql, ['y', 2]), true, 'another statement of the same text is found by its own pointer');
    other.step();
    other.reset();
    assert.deepEqual(db.exec('SELECT a, b FROM t')[0]?.values, [['y', 2]]);
    // Declined binds left nothing bound: the statement runs with NULLs.
    st.step();
    st.reset();
    assert.deepEqual(db.exec('SELECT a, b FROM t')[0]?.values, [['y', 2], [null, null]]);
  } finally {
    db.close();
  }
});
