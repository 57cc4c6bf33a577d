// The catalog data file: shipped figures carry sources, a bad file is an error naming the file and
// the field and changes nothing, a newer file replaces the figures and keeps the user's models.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalog } from '../../../daemon/routing/catalog';
import { CatalogFile, parseCatalogData, readCatalogFile, shippedCatalogData, startupCatalogData, saveCatalogFile } from '../../../daemon/routing/catalogData';
import { ModelOverride } from '../../../daemon/protocol/routing-methods';
import shipped from '../../../daemon/routing/data/models.json';
import { parseConfig } from '../../../daemon/config/config';
import { ask, isRouterError, makeRouter } from './helpers';

const clone = (): typeof shipped => JSON.parse(JSON.stringify(shipped)) as typeof shipped;

test('every shipped model has quality per category, a price, and a source or a reason for each figure', () => {
  const data = shippedCatalogData();
  const c = Catalog.builtIn();
  for (const families of [/^gpt-5\.\d/, /^claude-(opus|sonnet|haiku)-4-5/, /^gemini-3/, /^grok-4/, /^deepseek-(chat|reasoner)$/, /^kimi-k2/]) {
    assert.ok(c.list().some((m) => families.test(m.id)), `no model of ${families}`);
  }
  for (const m of data.models) {
    assert.ok(m.qualityPrior > 0 && m.qualityPrior < 1, m.id);
    assert.ok(Object.keys(m.qualityByCategory).length >= 1, m.id);
    assert.ok(m.provenance.ttftMs.source !== undefined || (m.provenance.ttftMs.estimate ?? '').length > 10, m.id);
    assert.notEqual(c.price(c.get(m.id)!), null, `${m.id} has no genai-prices price`);
  }
  // The prior older code reads is derived from the per-category figures (overall = arena "full").
  const opus = c.get('claude-opus-4-5')!;
  assert.equal(opus.qualityPrior, opus.qualityByCategory?.chat);
  // A "like" model takes the figures of the model it names, but not its tool use: its own (gpt-5.2 has a BFCL row).
  const { tools: tools52, ...like52 } = c.get('gpt-5.2')?.qualityByCategory ?? {};
  assert.deepEqual(like52, c.get('gpt-5.1')?.qualityByCategory);
  assert.ok(tools52 !== undefined && c.get('gpt-5.1')?.qualityByCategory?.tools === undefined);
});

test('tool use: every shipped model has a BFCL figure with its row, or says why not; figures keep the leaderboard\'s order', () => {
  const file = CatalogFile.parse(clone());
  const c = Catalog.builtIn();
  const withFigure: { id: string; accuracy: number; q: number }[] = [];
  for (const m of file.models) {
    const t = m.quality.tools;
    assert.ok(t, `${m.id} has a tools entry`);
    const listed = c.get(m.id)?.qualityByCategory?.tools;
    if ('accuracy' in t) {
      assert.ok(t.source in file.sources && t.row.length > 0, m.id);
      assert.ok(listed !== undefined && listed > 0 && listed < 1, m.id);
      withFigure.push({ id: m.id, accuracy: t.accuracy, q: listed });
    } else {
      assert.equal(listed, undefined, `${m.id}: unknown stays unknown`);
      assert.ok(t.unknown.length > 10);
    }
  }
  assert.ok(withFigure.length >= 15, `${withFigure.length} models with a BFCL figure`);
  const byAccuracy = [...withFigure].sort((a, b) => b.accuracy - a.accuracy).map((x) => x.id);
  const byQuality = [...withFigure].sort((a, b) => b.q - a.q).map((x) => x.id);
  assert.deepEqual(byQuality, byAccuracy);
  assert.match(c.get('claude-opus-4-5')?.provenance?.quality ?? '', /tools: bfcl-v4-2026-04 \(Claude-Opus-4-5-20251101 \(FC\): 77\.47%\)/);
  assert.match(c.get('gpt-5.1')?.provenance?.quality ?? '', /tools unknown: no BFCL V4 row/);
});

test('a bad data file is an error naming the file and the field', () => {
  const cases: [(f: ReturnType<typeof clone>) => void, RegExp][] = [
    [(f) => { (f.models[0] as { quality: unknown }).quality = { source: 'lmarena-2025-12', byCategory: { code: 1.4 } }; }, /x\.json: models\.0\.quality.*0\.\.1|x\.json: models\.0\.quality/],
    [(f) => { f.models[1]!.latency.ttftMs = { value: 900, source: 'nowhere' } as never; }, /x\.json: models\.1\.latency\.ttftMs\.source: source "nowhere"/],
    [(f) => { f.models[2]!.latency.ttftMs = { value: 900 } as never; }, /x\.json: models\.2\.latency\.ttftMs: a figure needs exactly one/],
    [(f) => { f.models[3]!.latency.tokensPerSecond = { value: 5_000_000, source: 'wrede-2026' } as never; }, /models\.3\.latency\.tokensPerSecond\.value: tokensPerSecond is tokens per second/],
    [(f) => { (f.models[0] as { quality: unknown }).quality = { like: 'gpt-9', reason: 'because it is newer' }; }, /models\.0\.quality\.like: "gpt-9" is not a model/],
    [(f) => { (f as { schema: number }).schema = 2; }, /x\.json: schema/],
  ];
  for (const [mutate, message] of cases) {
    const f = clone();
    mutate(f);
    assert.throws(() => parseCatalogData(f, 'x.json'), isRouterError('invalidParams', message));
  }
});

test('a newer data file replaces the figures, keeps user models; a bad one changes nothing', () => {
  const c = Catalog.withOverrides([ModelOverride.parse({ id: 'office-llm', provider: 'ollama', contextWindow: 32_000, like: 'gpt-4o-mini', price: { inputPerMTok: 0, outputPerMTok: 0 } })]);
  assert.deepEqual(c.get('office-llm')?.qualityByCategory, c.get('gpt-4o-mini')?.qualityByCategory);
  const f = clone();
  f.updated = '2027-01-01';
  f.models = f.models.filter((m) => m.id !== 'grok-3');
  f.models[0]!.latency.ttftMs = { value: 123, source: 'wrede-2026' } as never;
  const r = c.replaceData(parseCatalogData(f, 'newer.json'));
  assert.ok(r.updated.includes('office-llm'));
  assert.equal(c.get('grok-3'), undefined);
  assert.equal(c.get(f.models[0]!.id)?.latencyPrior.ttftMs, 123);
  assert.equal(c.info()?.updated, '2027-01-01');
  assert.ok(c.get('office-llm'));
  // A newer file without the model the user's model is "like" cannot apply: nothing changes.
  const g = clone();
  g.models = g.models.filter((m) => m.id !== 'gpt-4o-mini');
  assert.throws(() => c.replaceData(parseCatalogData(g, 'g.json')), isRouterError('invalidParams', /like "gpt-4o-mini"/));
  assert.equal(c.info()?.updated, '2027-01-01');
  assert.ok(c.get('gpt-4o-mini'));
});

test('the daemon starts with the saved data file unless it is older or broken', () => {
  const home = mkdtempSync(join(tmpdir(), 'catalog-'));
  try {
    assert.equal(startupCatalogData(home).data, shippedCatalogData());
    const f = clone();
    f.updated = '2099-01-01';
    saveCatalogFile(home, f);
    assert.equal(startupCatalogData(home).data.updated, '2099-01-01');
    assert.equal(readCatalogFile(join(home, 'catalog.json')).updated, '2099-01-01');
    writeFileSync(join(home, 'catalog.json'), '{"schema": 1}');
    const s = startupCatalogData(home);
    assert.equal(s.data, shippedCatalogData());
    assert.match(s.problem ?? '', /catalog\.json/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('user models from config.json are routed like any other; bad ones name the field', () => {
  const config = parseConfig({
    routing: {
      models: [
        { id: 'local-qwen', provider: 'ollama', apiModel: 'qwen2.5-coder:14b', contextWindow: 32_000, like: 'gpt-4.1-mini', price: { inputPerMTok: 0, outputPerMTok: 0 }, latencyPrior: { ttftMs: 300, tokensPerSecond: 40 } },
        { id: 'office-ft', provider: 'openai', apiModel: 'ft:gpt-4.1-mini:acme', contextWindow: 128_000, qualityByCategory: { code: 0.8, chat: 0.7 }, reasoning: { control: 'effort', default: 'low', levels: [{ effort: 'low', thinkingTokens: 300 }, { effort: 'high', thinkingTokens: 3000 }] } },
      ],
    },
  });
  const catalog = Catalog.withOverrides(config.routing.models, 'config.json routing.models');
  assert.equal(catalog.get('local-qwen')?.qualityPrior, catalog.get('gpt-4.1-mini')?.qualityPrior);
  assert.equal(catalog.get('office-ft')?.qualityPrior, 0.7);
  const router = makeRouter({ catalog });
  const cheap = router.decide({ request: ask('What is the capital of France?'), requestedModel: 'auto', routing: { tradeoff: 'cost' } });
  assert.equal(cheap.model, 'local-qwen');
  assert.equal(cheap.estimatedCostUsd, 0);
  assert.equal(router.decide({ request: { ...ask('hi'), reasoning_effort: 'high' }, requestedModel: 'office-ft' }).effort, 'high');
  assert.throws(() => parseConfig({ routing: { models: [{ id: 'x', provider: 'ollama', contextWindow: 8000, qualityByCategory: { code: 1.4 } }] } }), isRouterError('invalidParams', /routing\.models\.0\.qualityByCategory\.code: quality is 0\.\.1/));
  assert.throws(() => Catalog.withOverrides([ModelOverride.parse({ id: 'y', provider: 'ollama', contextWindow: 8000, like: 'gpt-9' })], 'config.json routing.models'), isRouterError('invalidParams', /config\.json routing\.models: model "y": like "gpt-9"/));
});

test('a request that sends tools weighs the tool-use figure: a better tool caller gains on one with a better overall rating', () => {
  const router = makeRouter();
  const tools = [{ type: 'function' as const, function: { name: 'get_weather', description: 'weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
  const quality = (withTools: boolean) => {
    const d = router.decide({ request: { ...ask('What is the weather in Paris, and should I take an umbrella?'), ...(withTools ? { tools } : {}) }, requestedModel: 'auto', candidates: ['claude-haiku-4-5', 'gpt-4.1'], routing: { tradeoff: 'quality' } });
    const q = (id: string) => d.candidates.find((c) => c.model === id)?.quality ?? NaN;
    return q('claude-haiku-4-5') - q('gpt-4.1');
  };
  // BFCL V4: Claude Haiku 4.5 68.70% against GPT-4.1 53.96%; the arena's overall rating has it the other way round.
  assert.ok(quality(true) > quality(false), `${quality(true)} > ${quality(false)}`);
  assert.ok(quality(true) > 0);
});
