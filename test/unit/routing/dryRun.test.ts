import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../daemon/routing/catalog';
import { dryRun, dryRunLine } from '../../../daemon/routing/dryRun';
import { makeRouter } from './helpers';

const noKeys = makeRouter({ isAvailable: () => false });

async function run(lines: string[]): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const l of dryRun(noKeys, lines)) {
    out.push(JSON.parse(l) as Record<string, unknown>);
  }
  return out;
}

test('decisions come back in order with per-candidate estimates, without keys', async () => {
  const out = await run([
    JSON.stringify({ id: 'a', prompt: 'What is 2+2?' }),
    JSON.stringify({ id: 2, messages: [{ role: 'user', content: 'Write a haiku about routers.' }], candidates: ['claude-opus-4', 'gpt-4.1-nano'] }),
    '',
    JSON.stringify({ id: 'c', prompt: 'Explain monads.', model: 'auto:cost' }),
  ]);
  assert.deepEqual(out.map((o) => o.id), ['a', 2, 'c']);
  const second = out[1] as { model: string; estimates: Record<string, { quality: number; costUsd: number | null; latencyMs: number }>; reason: string };
  assert.deepEqual(Object.keys(second.estimates).sort(), ['claude-opus-4', 'gpt-4.1-nano']);
  assert.ok(['claude-opus-4', 'gpt-4.1-nano'].includes(second.model));
  for (const e of Object.values(second.estimates)) {
    assert.equal(typeof e.quality, 'number');
    assert.equal(typeof e.latencyMs, 'number');
    assert.ok(e.costUsd === null || e.costUsd > 0);
  }
  assert.equal(typeof second.reason, 'string');
  assert.equal(Object.keys(out[0]?.estimates as object).length, Catalog.builtIn().list().length);
});

test('malformed lines become error lines and the rest go on', async () => {
  const out = await run([
    '{not json',
    JSON.stringify({ prompt: 'no id' }),
    JSON.stringify({ id: 'both', prompt: 'x', messages: [{ role: 'user', content: 'y' }] }),
    JSON.stringify({ id: 'neither' }),
    JSON.stringify({ id: 'ghost', prompt: 'hi', candidates: ['gpt-9'] }),
    JSON.stringify({ id: 'huge', prompt: 'hi', max_tokens: 5_000_000 }),
    JSON.stringify({ id: 'ok', prompt: 'hi' }),
  ]);
  assert.equal(out.length, 7);
  const err = (i: number) => (out[i] as { error?: { code: string; message: string }; line?: number; id?: unknown });
  assert.equal(err(0).error?.code, 'parseError');
  assert.equal(err(0).line, 1);
  assert.equal(err(0).id, null);
  assert.equal(err(1).error?.code, 'invalidParams');
  assert.match(err(1).error?.message ?? '', /id/);
  assert.equal(err(2).id, 'both');
  assert.match(err(2).error?.message ?? '', /exactly one/);
  assert.equal(err(3).error?.code, 'invalidParams');
  assert.equal(err(4).error?.code, 'unknownModel');
  assert.equal(err(5).error?.code, 'contextTooLong');
  assert.equal((out[6] as { model?: string }).model !== undefined, true);
});

test('the same line always gives the same decision (pure)', () => {
  const line = JSON.stringify({ id: 'x', prompt: 'Compare Rust and Go for CLI tools.' });
  assert.equal(dryRunLine(noKeys, line, 1), dryRunLine(noKeys, line, 1));
  assert.equal(dryRunLine(noKeys, '   ', 3), null);
});
