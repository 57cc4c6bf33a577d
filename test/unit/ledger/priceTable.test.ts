import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { costOf, genaiPricesLoaded, libraryProviderId, priceOf, usePriceTable } from '../../../daemon/ledger/pricing';
import type { PriceTable } from '../../../daemon/ledger/priceTable';
import { timeOfDaySeconds } from '../../../daemon/ledger/priceTable';
import { Catalog } from '../../../daemon/routing/catalog';
import type { Usage } from '../../../daemon/protocol/chat';

const usage = (inputTokens: number, outputTokens: number, extra: Partial<Usage> = {}): Usage => ({
  inputTokens,
  outputTokens,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  ...extra,
});
const USAGES = [
  usage(1200, 345),
  usage(150_000, 2000, { cachedInputTokens: 40_000 }),
  usage(200_000, 10),
  usage(200_001, 10, { cacheWriteTokens: 1 }),
  usage(300_000, 5000, { cachedInputTokens: 100_000, cacheWriteTokens: 20_000 }),
  usage(0, 10),
  usage(1, 0),
];

/** What the build writes (esbuild.mjs runs the same script into dist/price-table.json). */
function builtTable(): PriceTable {
  const dir = mkdtempSync(join(tmpdir(), 'llmr-price-table-'));
  try {
    const file = join(dir, 'price-table.json');
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, '../../../scripts/priceTable.ts'), file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(readFileSync(file, 'utf8')) as PriceTable;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const near = (a: number | null, b: number | null): boolean => (a === null || b === null ? a === b : Math.abs(a - b) <= 1e-12 + 1e-9 * Math.abs(b));

test('the built table prices every catalog model without loading genai-prices, exactly as genai-prices does at any moment', async () => {
  const table = builtTable();
  usePriceTable(table);
  const models = Catalog.builtIn().list();
  assert.ok(models.length >= 30);
  for (const m of models) {
    assert.ok(`${m.provider}/${m.priceId}` in table.models, `${m.id} is missing from the table`);
    priceOf(m);
    for (const u of USAGES) {
      costOf(m, u);
    }
  }
  assert.equal(genaiPricesLoaded(), false, 'pricing the catalog loaded the library');

  const { calcPrice } = await import('@pydantic/genai-prices');
  // Every half hour of a day, on dates around the price changes the data holds (2025–2026).
  const moments: Date[] = [];
  for (const day of ['2024-12-31', '2025-06-09', '2025-06-10', '2026-03-12', '2026-03-13', '2026-06-15', '2026-06-16', '2026-11-30']) {
    for (let minute = 0; minute < 1440; minute += 30) {
      moments.push(new Date(Date.parse(`${day}T00:00:00Z`) + minute * 60_000 + 1));
    }
  }
  let compared = 0;
  let conditional = 0;
  for (const m of models) {
    const variants = table.models[`${m.provider}/${m.priceId}`];
    if (variants && variants.length > 1) {
      conditional += 1;
    }
    for (const at of variants && variants.length > 1 ? moments : [new Date()]) {
      for (const u of USAGES) {
        const ref = calcPrice(
          { input_tokens: u.inputTokens, output_tokens: u.outputTokens, cache_read_tokens: u.cachedInputTokens, cache_write_tokens: u.cacheWriteTokens },
          m.priceId,
          { providerId: libraryProviderId(m.provider), timestamp: at },
        );
        const fromTable = costOf(m, u, at);
        assert.ok(near(fromTable, ref?.total_price ?? null), `${m.id} at ${at.toISOString()} ${JSON.stringify(u)}: table ${fromTable} vs library ${ref?.total_price}`);
        compared += 1;
      }
    }
  }
  assert.ok(conditional >= 1, 'no catalog model with a dated or timed price was compared');
  assert.ok(compared > 1000, `compared ${compared}`);

  // priceOf from the table equals priceOf from the library (the same probes), now.
  const fromTable = models.map((m) => priceOf(m));
  usePriceTable(null);
  assert.deepEqual(
    models.map((m) => priceOf(m)),
    fromTable,
  );
});

test('a model the table does not hold is priced by genai-prices, loaded on first use', () => {
  usePriceTable({ source: 'test', models: {} });
  const p = priceOf({ provider: 'openai', priceId: 'gpt-4.1' });
  assert.equal(p?.inputPerMTok, 2);
  assert.equal(genaiPricesLoaded(), true);
  usePriceTable({ source: 'test', models: { 'openai/no-such-model': null } });
  assert.equal(priceOf({ provider: 'openai', priceId: 'no-such-model' }), null);
  assert.equal(costOf({ provider: 'openai', priceId: 'no-such-model' }, usage(10, 10)), null);
  usePriceTable(null);
});

test('time-of-day constraints are read as the library reads them', () => {
  assert.equal(timeOfDaySeconds('00:30:00Z'), 1800);
  assert.equal(timeOfDaySeconds('16:30:00Z'), 59_400);
  assert.equal(timeOfDaySeconds('01:00:00+02:00'), 82_800);
  assert.equal(timeOfDaySeconds('23:00:00.5-01:00'), 0.5);
  assert.throws(() => timeOfDaySeconds('25:00'), /unreadable/);
});
