import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJournal, encodeRecord } from '../../../daemon/store/journalRecord';
import type { WrittenStatement } from '../../../daemon/store/statements';

const tx1: WrittenStatement[] = [
  { sql: 'INSERT INTO t VALUES (?, ?, ?)', params: ['a', 1.5, null] },
  { sql: 'CREATE TABLE x (y)', params: undefined },
];
const tx2: WrittenStatement[] = [{ sql: 'INSERT INTO t VALUES (:a, :b)', params: { ':a': new Uint8Array([0, 1, 255]), ':b': Number.POSITIVE_INFINITY } }];
const tx3: WrittenStatement[] = [{ sql: 'UPDATE t SET v = ?', params: [Number.NaN] }];

test('records round-trip bytes, non-finite numbers, named and positional parameters', () => {
  const data = Buffer.concat([encodeRecord(tx1), encodeRecord(tx2), encodeRecord(tx3)]);
  const decoded = decodeJournal(data);
  assert.equal(decoded.tornTail, null);
  assert.equal(decoded.validLength, data.byteLength);
  assert.equal(decoded.transactions.length, 3);
  assert.deepEqual(decoded.transactions[0], tx1);
  assert.deepEqual(decoded.transactions[1], tx2);
  const nan = decoded.transactions[2]?.[0]?.params;
  assert.ok(Array.isArray(nan) && Number.isNaN(nan[0]));
});

test('a journal cut at any byte keeps exactly the whole records before the cut', () => {
  const first = encodeRecord(tx1);
  const second = encodeRecord(tx2);
  const data = Buffer.concat([first, second]);
  for (let cut = 0; cut <= data.byteLength; cut++) {
    const decoded = decodeJournal(data.subarray(0, cut));
    const whole = cut >= data.byteLength ? 2 : cut >= first.byteLength ? 1 : 0;
    assert.equal(decoded.transactions.length, whole, `cut at ${cut}`);
    assert.equal(decoded.validLength, whole === 2 ? data.byteLength : whole === 1 ? first.byteLength : 0);
    assert.equal(decoded.tornTail === null, cut === 0 || cut === first.byteLength || cut === data.byteLength);
  }
});

test('a flipped bit in a payload, a huge length or garbage ends the journal there', () => {
  const first = encodeRecord(tx1);
  const second = encodeRecord(tx2);
  const flipped = Buffer.concat([first, second]);
  flipped[first.byteLength + 12] = (flipped[first.byteLength + 12] ?? 0) ^ 0x04;
  const a = decodeJournal(flipped);
  assert.equal(a.transactions.length, 1);
  assert.match(a.tornTail ?? '', /checksum/);

  const huge = Buffer.concat([first, Buffer.from([0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 1, 2, 3])]);
  const b = decodeJournal(huge);
  assert.equal(b.validLength, first.byteLength);
  assert.match(b.tornTail ?? '', /past the end/);

  const zeros = Buffer.concat([first, Buffer.alloc(64)]);
  const c = decodeJournal(zeros);
  // A zero-length record has crc32('') = 0, so zeros parse as a record; its JSON is unreadable.
  assert.equal(c.transactions.length, 1);
  assert.equal(c.validLength, first.byteLength);
  assert.notEqual(c.tornTail, null);
});
