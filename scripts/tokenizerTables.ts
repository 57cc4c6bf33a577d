// Writes the tokenizer's rank tables in their built form (daemon/routing/bpeTable.ts) from
// gpt-tokenizer's `.tiktoken` data files, so the daemon loads a table with one read instead of a
// parse. Run by esbuild.mjs: `tsx scripts/tokenizerTables.ts <dir>`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTiktoken, serializeTable } from '../daemon/routing/bpeTable';
import { tiktokenPath, type EncodingName } from '../daemon/routing/tokenizer';

const out = process.argv[2];
if (out === undefined) {
  console.error('usage: tsx scripts/tokenizerTables.ts <output dir>');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
for (const name of ['cl100k_base', 'o200k_base'] satisfies EncodingName[]) {
  writeFileSync(join(out, `${name}.bpe`), serializeTable(parseTiktoken(readFileSync(tiktokenPath(name)))));
}
