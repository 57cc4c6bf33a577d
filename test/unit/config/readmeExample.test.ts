import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../../daemon/config/config';
import { Catalog } from '../../../daemon/routing/catalog';

// The README's config.json example must stay a valid config: users copy it.
test("the README's config.json example is valid and its model overrides apply", () => {
  const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configure'));
  const block = /```json\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, 'a json block under ## Configure');
  const config = parseConfig(JSON.parse(block), 'README example');
  assert.equal(config.defaultTradeoff, 'balanced');
  const catalog = Catalog.withOverrides(config.routing.models, 'README example');
  assert.equal(catalog.price(catalog.get('gpt-4o-mini')!)?.outputPerMTok, 0.6);
});

test('a price override with per-token units is refused at the edge', () => {
  assert.throws(
    () => parseConfig({ routing: { models: [{ id: 'gpt-4o-mini', price: { inputPerMTok: 150000, outputPerMTok: 600000 } }] } }),
    (e: unknown) => (e as { code?: string }).code === 'invalidParams' && /per million tokens/.test((e as Error).message),
  );
});
