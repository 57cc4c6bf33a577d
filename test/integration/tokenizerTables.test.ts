// The build's tokenizer tables (dist/tokenizer/*.bpe, read by the bundled daemon and CLI) hold
// exactly the ranks of gpt-tokenizer's data files. Needs `npm run build` first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserializeTable, parseTiktoken } from '../../daemon/routing/bpeTable';
import { tiktokenPath } from '../../daemon/routing/tokenizer';

for (const name of ['cl100k_base', 'o200k_base'] as const) {
  test(`dist/tokenizer/${name}.bpe equals the table parsed from the .tiktoken file`, () => {
    const built = deserializeTable(readFileSync(join(__dirname, '..', '..', 'dist', 'tokenizer', `${name}.bpe`)));
    const parsed = parseTiktoken(readFileSync(tiktokenPath(name)));
    assert.deepEqual(built.offsets, parsed.offsets);
    assert.deepEqual(built.bytes, parsed.bytes);
    assert.deepEqual(built.slots, parsed.slots);
  });
}
