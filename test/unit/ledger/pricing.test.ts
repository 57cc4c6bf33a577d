import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertPlausiblePrice, costOf, priceOf, priceProblem, settleCost, withOverride } from '../../../daemon/ledger/pricing';
import { estimateCallCost } from '../../../daemon/ledger/estimates';
import type { Usage } from '../../../daemon/protocol/chat';

const usage = (inputTokens: number, outputTokens: number, extra: Partial<Usage> = {}): Usage => ({
  inputTokens,
  outputTokens,
  cachedInputTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  ...extra,
});
const gpt41 = { provider: 'openai', priceId: 'gpt-4.1' };

test('bundled prices cover input, output and cached input', () => {
  const p = priceOf(gpt41);
  assert.ok(p);
  assert.equal(p.inputPerMTok, 2);
  assert.equal(p.outputPerMTok, 8);
  assert.equal(p.cachedInputPerMTok, 0.5);
  // 1M input of which 400k cached, 100k output.
  const c = costOf(gpt41, usage(1_000_000, 100_000, { cachedInputTokens: 400_000 }));
  assert.ok(c !== null && Math.abs(c - (0.6 * 2 + 0.4 * 0.5 + 0.1 * 8)) < 1e-9);
});

test('long-context tiers apply when the real usage crosses them', () => {
  const gemini = { provider: 'google', priceId: 'gemini-2.5-pro' };
  const short = estimateCallCost(gemini, 100_000, 1000);
  const long = estimateCallCost(gemini, 300_000, 1000);
  assert.ok(short !== null && long !== null);
  assert.ok(Math.abs(short - (0.1 * 1.25 + 0.001 * 10)) < 1e-9);
  assert.ok(Math.abs(long - (0.3 * 2.5 + 0.001 * 15)) < 1e-9, `got ${long}`);
});

test('an unknown model has an unknown price, never $0', () => {
  const m = { provider: 'openai', priceId: 'no-such-model-xyz' };
  assert.equal(priceOf(m), null);
  const s = settleCost(m, usage(1000, 1000));
  assert.equal(s.costUsd, null);
  assert.equal(s.costState, 'unknown');
});

test('a price per token instead of per million tokens is rejected with implausiblePrice', () => {
  assert.equal(priceProblem({ inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3, cacheWritePerMTok: 3.75 }), null);
  assert.throws(
    () => assertPlausiblePrice('x', { inputPerMTok: 3_000_000, outputPerMTok: 15, cachedInputPerMTok: 3, cacheWritePerMTok: 3 }),
    (e: unknown) => (e as { code?: string }).code === 'implausiblePrice' && /per million tokens/.test((e as Error).message),
  );
  assert.throws(() => withOverride(gpt41, { inputPerMTok: -1, outputPerMTok: 1, cachedInputPerMTok: 1, cacheWritePerMTok: 1 }), /non-negative/);
  assert.throws(() => withOverride(gpt41, { inputPerMTok: Number.NaN, outputPerMTok: 1, cachedInputPerMTok: 1, cacheWritePerMTok: 1 }), /finite/);
});

test('an override replaces the bundled price', () => {
  const m = withOverride(gpt41, { inputPerMTok: 1, outputPerMTok: 2, cachedInputPerMTok: 0.5, cacheWritePerMTok: 1 });
  assert.equal(costOf(m, usage(1_000_000, 1_000_000)), 3);
  assert.equal(costOf(withOverride(gpt41, null), usage(10, 10)), null);
});

test('an override charges cached input and cache writes at their own rates, and not again as plain input', () => {
  const m = withOverride(gpt41, { inputPerMTok: 1, outputPerMTok: 2, cachedInputPerMTok: 0.1, cacheWritePerMTok: 1.25 });
  // 1M input: 500k read from the cache, 100k written to it, 400k plain; 200k output.
  const c = costOf(m, usage(1_000_000, 200_000, { cachedInputTokens: 500_000, cacheWriteTokens: 100_000 }));
  assert.ok(c !== null && Math.abs(c - (0.4 * 1 + 0.5 * 0.1 + 0.1 * 1.25 + 0.2 * 2)) < 1e-12, String(c));
});

test('a provider-reported cost in the wrong units is caught and our computed cost kept', () => {
  const u = usage(1000, 500);
  const ours = costOf(gpt41, u) as number;
  // Reported in micro-dollars (1e6× too big) and in dollars per token confusion (1e6× too small).
  for (const reported of [ours * 1e6, ours / 1e6]) {
    const s = settleCost(gpt41, u, reported);
    assert.equal(s.check, 'reportedCostIgnored');
    assert.equal(s.costUsd, ours);
    assert.match(s.note ?? '', /wrong units/);
  }
  assert.equal(settleCost(gpt41, u, ours * 1.02).check, 'ok');
});

test('without a price, a plausible reported cost is used and an implausible one leaves the price unknown', () => {
  const m = { provider: 'openai', priceId: 'no-such-model-xyz' };
  const ok = settleCost(m, usage(1000, 1000), 0.004);
  assert.equal(ok.check, 'reportedCostUsed');
  assert.equal(ok.costUsd, 0.004);
  const bad = settleCost(m, usage(1000, 1000), 4000);
  assert.equal(bad.check, 'reportedCostImplausible');
  assert.equal(bad.costUsd, null);
  assert.equal(bad.costState, 'unknown');
});

test('a stored override with broken units is treated as an unknown price, never used', () => {
  const m = { ...gpt41, priceOverride: { inputPerMTok: 2_000_000, outputPerMTok: 8, cachedInputPerMTok: 0.5, cacheWritePerMTok: 2 } };
  assert.equal(priceOf(m), null);
  assert.equal(costOf(m, usage(1000, 1000)), null);
});

test('the cached per-tier rates give exactly what calcPrice gives, for every catalog model and tier', async () => {
  const { calcPrice } = await import('@pydantic/genai-prices');
  const { Catalog } = await import('../../../daemon/routing/catalog');
  const ids: Record<string, string> = { xai: 'x-ai' };
  let compared = 0;
  for (const m of Catalog.builtIn().list()) {
    for (const u of [usage(1200, 345), usage(150_000, 2000, { cachedInputTokens: 40_000 }), usage(300_000, 5000, { cachedInputTokens: 100_000, cacheWriteTokens: 20_000 }), usage(0, 10)]) {
      const ref = calcPrice({ input_tokens: u.inputTokens, output_tokens: u.outputTokens, cache_read_tokens: u.cachedInputTokens, cache_write_tokens: u.cacheWriteTokens }, m.priceId, { providerId: ids[m.provider] ?? m.provider });
      const fast = costOf(m, u);
      if (ref === null) {
        assert.equal(fast, null, m.id);
        continue;
      }
      compared += 1;
      assert.ok(fast !== null && Math.abs(fast - ref.total_price) <= 1e-12 + 1e-9 * ref.total_price, `${m.id} ${JSON.stringify(u)}: ${fast} vs ${ref.total_price}`);
    }
  }
  assert.ok(compared >= 40, `compared ${compared}`);
});
