import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, parseConfig } from '../../../daemon/config/config';
import { RouterError } from '../../../daemon/protocol/errors';

test('a missing config file means the defaults', () => {
  const home = mkdtempSync(join(tmpdir(), 'llm-router-config-'));
  try {
    const c = loadConfig(home);
    assert.equal(c.defaultTradeoff, 'balanced');
    assert.deepEqual(c.providers, {});
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('a bad config names the file and the field', () => {
  const home = mkdtempSync(join(tmpdir(), 'llm-router-config-'));
  try {
    writeFileSync(join(home, 'config.json'), JSON.stringify({ defaultTradeoff: 'fastest', providers: { openai: { baseUrl: 'not a url' } } }));
    assert.throws(() => loadConfig(home), (e: unknown) => e instanceof RouterError && e.code === 'invalidParams' && e.message.includes('config.json') && /defaultTradeoff/.test(e.message) && /providers\.openai\.baseUrl/.test(e.message));
    writeFileSync(join(home, 'config.json'), '{ nope');
    assert.throws(() => loadConfig(home), (e: unknown) => e instanceof RouterError && e.code === 'parseError' && e.message.includes('config.json'));
    assert.throws(() => parseConfig({ unknownKey: 1 }), (e: unknown) => e instanceof RouterError && /unknownKey/.test(e.message));
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('overrides are read', () => {
  const c = parseConfig({ defaultTradeoff: 'cost', baselineModel: null, providers: { groq: { baseUrl: 'http://127.0.0.1:9/v1' } }, simulator: { tokensPerSecond: 50 } });
  assert.equal(c.defaultTradeoff, 'cost');
  assert.equal(c.baselineModel, null);
  assert.equal(c.providers.groq?.baseUrl, 'http://127.0.0.1:9/v1');
  assert.equal(c.simulator.tokensPerSecond, 50);
});

test('ledger.hotRows: the hot row bound defaults to HOT_ROWS and refuses what it cannot hold to', () => {
  assert.equal(parseConfig({}).ledger.hotRows, 20_000);
  assert.equal(parseConfig({ ledger: { hotRows: 5000 } }).ledger.hotRows, 5000);
  for (const hotRows of [10, 2.5, -1, '20000']) {
    assert.throws(() => parseConfig({ ledger: { hotRows } }), (e: unknown) => e instanceof RouterError && e.code === 'invalidParams' && /ledger\.hotRows/.test(e.message));
  }
});
