import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
// gpt-tokenizer's own generated tables and encoder are the oracle for every count and id.
import * as cl100k from 'gpt-tokenizer/encoding/cl100k_base';
import * as o200k from 'gpt-tokenizer/encoding/o200k_base';
import { BpeCounter } from '../../../daemon/routing/bpe';
import { deserializeTable, parseTiktoken, rankOf, serializeTable, type BpeTable } from '../../../daemon/routing/bpeTable';
import { tiktokenPath } from '../../../daemon/routing/tokenizer';
import { corpus, corpusText, seeded } from './tokenizerCorpus';

const ORDINARY = { disallowedSpecial: new Set<string>() };
const oracles = { cl100k_base: cl100k, o200k_base: o200k } as const;
const names = ['cl100k_base', 'o200k_base'] as const;
const tables = new Map<string, BpeTable>();
function table(name: (typeof names)[number]): BpeTable {
  let t = tables.get(name);
  if (t === undefined) {
    t = parseTiktoken(readFileSync(tiktokenPath(name)));
    tables.set(name, t);
  }
  return t;
}

/** The first difference, shown so a failure says which text and where. */
function firstDiff(a: readonly number[], b: readonly number[]): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) {
    i++;
  }
  return `at token ${i}: ${JSON.stringify(a.slice(i, i + 5))} vs ${JSON.stringify(b.slice(i, i + 5))}`;
}

for (const name of names) {
  test(`${name}: every rank of the .tiktoken file decodes to the library's token, and looks itself up`, () => {
    const t = table(name);
    const oracle = oracles[name];
    const ranks = t.offsets.length - 1;
    assert.equal(ranks, name === 'cl100k_base' ? 100_256 : 199_998);
    for (let r = 0; r < ranks; r++) {
      assert.equal(rankOf(t, t.bytes, t.offsets[r] as number, t.offsets[r + 1] as number), r, `${name} rank ${r}`);
    }
    // Spot-check bytes against the library's decoder (whole-UTF-8 tokens decode to themselves).
    const r = seeded(7);
    for (let k = 0; k < 2000; k++) {
      const rank = Math.floor(r() * ranks);
      const bytes = Buffer.from(t.bytes.subarray(t.offsets[rank], t.offsets[rank + 1]));
      const text = bytes.toString('utf8');
      if (Buffer.from(text, 'utf8').equals(bytes) && !text.startsWith('\ufeff')) {
        assert.equal(oracle.decode([rank]), text, `${name} rank ${rank}`);
      }
    }
  });

  test(`${name}: the built form reads back to the same table`, () => {
    const t = table(name);
    const file = serializeTable(t);
    // Read as the daemon does: a Buffer from disk, then views over it.
    const back = deserializeTable(Buffer.from(file));
    assert.deepEqual(back.offsets, t.offsets);
    assert.deepEqual(back.slots, t.slots);
    assert.deepEqual(back.bytes, t.bytes);
    const bad = Buffer.from(file);
    bad.writeUInt32LE(bad.readUInt32LE(12) + 1, 12);
    assert.throws(() => deserializeTable(bad), /wrong header or size/);
    assert.throws(() => deserializeTable(Buffer.from(file.subarray(0, file.length - 1))), /wrong header or size/);
    const disordered = Buffer.from(file);
    disordered.writeUInt32LE(0xffffffff, 16 + 4 * 10);
    assert.throws(() => deserializeTable(disordered), /out of order/);
    const pastEnd = Buffer.from(file);
    pastEnd.writeUInt32LE(t.offsets.length + 5, 16 + t.offsets.byteLength + 4 * [...t.slots].findIndex((x) => x !== 0));
    assert.throws(() => deserializeTable(pastEnd), /past its last rank/);
  });

  test(`${name}: counts and ids equal gpt-tokenizer's over a seeded corpus of 1,500 texts (0–50k chars)`, () => {
    const counter = new BpeCounter(table(name), name);
    const oracle = oracles[name];
    let chars = 0;
    for (const [i, text] of corpus(name === 'cl100k_base' ? 13 : 200, 1500).entries()) {
      chars += text.length;
      const want = oracle.encode(text, ORDINARY);
      const got = counter.encode(text);
      if (got.length !== want.length || got.some((id, k) => id !== want[k])) {
        assert.fail(`text ${i} (${text.length} chars, ${JSON.stringify(text.slice(0, 80))}…): ${firstDiff(got, want)}`);
      }
      assert.equal(counter.count(text), want.length, `text ${i}`);
    }
    assert.ok(chars > 1_000_000, `corpus holds ${chars} chars`);
  });

  test(`${name}: edge texts (byte-order marks, lone surrogates, long runs, special-token text)`, () => {
    const counter = new BpeCounter(table(name), name);
    const oracle = oracles[name];
    const texts = [
      '', ' ', '\ufeff', '\ufeff\ufeff', ' \ufeff', '\ufeffusing System;', '\ufeff\n\n', '\ufeff//', 'a\ufeff#x', '\ufeff출장안마',
      '\ud800', '\udc00', 'a\ud800b', '\ud83d\ude00\ud83d', '\uffff\ufffe', '\ufffd\ud800',
      ' '.repeat(20_000), ' '.repeat(20_000) + 'x', '\n'.repeat(5000), '\r\n'.repeat(3000), '9'.repeat(10_001), 'ab'.repeat(8000), '\t \n'.repeat(2000), '.'.repeat(4000), '=-'.repeat(3000),
      '\nword', '\r\nWord', '12\u0663456', 'caf\u00e9 ab\u00e9', "x'\u00e9 I'\u00e9", 'HTTPServer \u00c9cole ABC\u00e9', '.\u00e9 \u00e9', ' 7 .. \u2028x',
      'x\n   ', 'x\n\n  ', '\n ', 'if x:\n    y\n', '  \n', 'a  ', 'a   b', '\n\n    \tz', '\r\n  x',
      '<|endoftext|>', 'a<|endoftext|>b <|im_start|>user<|im_end|>', "I'M HE'S 'S ''s Don'T", 'ǅungla ǅ ǈ Ⅻ', 'e\u0301\u0301\u0301 x\u20dd',
      corpusText(seeded(99), 50_000),
    ];
    for (const text of texts) {
      const want = oracle.encode(text, ORDINARY);
      assert.deepEqual(counter.encode(text), want, JSON.stringify(text.slice(0, 40)));
      assert.equal(counter.count(text), want.length, JSON.stringify(text.slice(0, 40)));
    }
  });
}

test('the long-piece merge (heap) and the short-piece merge (scan) agree around the switch', () => {
  const counter = new BpeCounter(table('o200k_base'), 'o200k_base');
  // One piece each: spaces then a newline, lengths on both sides of the switch.
  for (let n = 80; n < 120; n++) {
    for (const unit of [' ', '\u3000', '  \t']) {
      const text = `${unit.repeat(n)}\n`;
      assert.deepEqual(counter.encode(text), o200k.encode(text, ORDINARY), `${JSON.stringify(unit)} × ${n}`);
    }
  }
});
