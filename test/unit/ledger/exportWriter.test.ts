// The one export writer behind report/export (local and team): a failed file export leaves
// nothing behind, a finished one appears whole under its name, inline output stops at the limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportWriter, INLINE_EXPORT_LIMIT, type ExportShape } from '../../../daemon/ledger/exportWriter';
import { RouterError } from '../../../daemon/protocol/errors';

type Row = { id: string; note: string };
const shape = (format: 'csv' | 'json'): ExportShape<Row> => ({ format, columns: ['id', 'note'], cell: (r, c) => r[c as keyof Row], json: (r) => r });

test('a file export appears whole under its name; CSV cells are quoted where they must be', () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmr-exportwriter-'));
  try {
    const path = join(dir, 'out.csv');
    const w = ExportWriter.toFile(shape('csv'), path, 1);
    w.page([{ id: 'a', note: 'plain' }]);
    w.page([{ id: 'b', note: 'has, "quotes"' }]);
    assert.deepEqual(w.finish(), { rows: 2, path, content: null });
    assert.equal(readFileSync(path, 'utf8'), 'id,note\na,plain\nb,"has, ""quotes"""\n');
    assert.deepEqual(readdirSync(dir), ['out.csv']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file export that fails part way leaves no file, and its error stays its own', () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmr-exportwriter-'));
  try {
    const w = ExportWriter.toFile(shape('json'), join(dir, 'out.json'), 1);
    w.page([{ id: 'a', note: 'x' }]);
    const damaged = new RouterError('storeUnavailable', 'a cold segment fails its checksum');
    assert.throws(() => w.abort(damaged), (e: unknown) => e === damaged);
    assert.deepEqual(readdirSync(dir), []);
    const other = ExportWriter.toFile(shape('json'), join(dir, 'out.json'), 2);
    assert.throws(() => other.abort(new Error('EIO')), (e: unknown) => e instanceof RouterError && e.code === 'pathNotWritable');
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('inline output is a JSON array up to the limit, and refused beyond it', () => {
  const empty = ExportWriter.inline(shape('json'));
  assert.equal(empty.finish().content, '[]\n');
  const w = ExportWriter.inline(shape('json'));
  const rows = Array.from({ length: INLINE_EXPORT_LIMIT }, (_, i) => ({ id: String(i), note: '' }));
  w.page(rows);
  assert.equal((JSON.parse(w.finish().content ?? '') as Row[]).length, INLINE_EXPORT_LIMIT);
  const over = ExportWriter.inline(shape('json'));
  over.page(rows);
  assert.throws(() => over.page([{ id: 'one more', note: '' }]), (e: unknown) => e instanceof RouterError && e.code === 'invalidParams');
});
