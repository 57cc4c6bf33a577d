import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { shippedQualityModel, OnlineStateSchema } from '../../../daemon/routing/learnedQuality';
import { decodeWeights, encodeWeights, trainLinear, dot, sigmoid } from '../../../daemon/routing/linearModel';
import { promptVector, DIMENSIONS } from '../../../daemon/routing/promptFeatures';
import { extractFeatures } from '../../../daemon/routing/features';
import { Catalog, type CatalogModel } from '../../../daemon/routing/catalog';
import { TASK_CATEGORIES } from '../../../daemon/routing/taskCategories';

const MODEL_DIR = join(__dirname, '..', '..', '..', 'daemon', 'routing', 'model');
const features = (content: string) => extractFeatures({ messages: [{ role: 'user', content }] });

test('the committed model files stay small and load', () => {
  assert.ok(statSync(join(MODEL_DIR, 'router-model.json')).size < 2 * 1024 * 1024);
  assert.ok(statSync(join(MODEL_DIR, 'word-vectors.json')).size < 3 * 1024 * 1024);
  const m = shippedQualityModel();
  assert.ok(m.kappa.choice >= 0 && m.kappa.open >= 0);
  assert.ok(m.onlineSettings.maxAdjustment > 0 && m.onlineSettings.maxAdjustment <= 0.25);
});

test('predictions are deterministic, bounded, and order models by their catalog figures on a typical prompt', () => {
  const m = shippedQualityModel();
  const catalog = Catalog.builtIn();
  const f = features('What is the boiling point of water at sea level?');
  const a = m.predict(f, catalog.list());
  const b = shippedQualityModel().predict(f, catalog.list());
  assert.deepEqual([...a.quality], [...b.quality]);
  for (const q of a.quality.values()) {
    assert.ok(q > 0 && q < 1);
  }
  assert.ok((a.quality.get('claude-opus-4') ?? 0) > (a.quality.get('llama-3.1-8b-instant') ?? 1));
  assert.ok(a.confidence >= 0 && a.confidence <= 1 && a.difficulty > 0 && a.difficulty < 1);
  const mix = a.profile?.categories;
  assert.ok(mix);
  assert.ok(Math.abs(TASK_CATEGORIES.reduce((s, c) => s + mix[c], 0) - 1) < 1e-9);
});

test('a model is scored by its figure in the categories the prompt is about', () => {
  const m = shippedQualityModel();
  const coder: CatalogModel = { ...Catalog.builtIn().get('gpt-4.1-mini')!, id: 'coder', qualityPrior: 0.6, qualityByCategory: { code: 0.9, writing: 0.3 } };
  const writer: CatalogModel = { ...coder, id: 'writer', qualityByCategory: { code: 0.3, writing: 0.9 } };
  const code = m.predict(features('Fix the bug in this function:\n```ts\nfunction add(a, b) { return a - b; }\n```'), [coder, writer]).quality;
  const poem = m.predict(features('Write a poem about the sea at night.'), [coder, writer]).quality;
  assert.ok((code.get('coder') ?? 0) > (code.get('writer') ?? 1));
  assert.ok((poem.get('writer') ?? 0) > (poem.get('coder') ?? 1));
});

test('harder prompts widen the gap between strong and weak models', () => {
  // The shipped κ is fitted by train:router (0 when D does not move every model alike); the
  // mechanism is checked at a κ where it acts, and at the shipped one D must not reorder models.
  const shipped = shippedQualityModel();
  const reading = shipped.read(features('What is 2 + 2?'));
  const at = (d: number) => ({ ...reading, difficulty: { ...reading.difficulty, d } });
  for (const m of [shipped.withKappa(0.5), shipped]) {
    const gap = (d: number) => m.offlineQuality({ qualityPrior: 0.9 }, at(d)) - m.offlineQuality({ qualityPrior: 0.5 }, at(d));
    assert.ok(gap(2) > 0 && gap(-2) > 0);
    assert.equal(reading.difficulty.expert, 'open');
    if (m.kappa.open > 0) {
      assert.ok(gap(2) > gap(0) && gap(0) > gap(-2));
    } else {
      assert.equal(gap(2), gap(-2));
    }
  }
});

test('multiple-choice and open prompts use their own expert', () => {
  const m = shippedQualityModel();
  assert.equal(m.difficultyOf(promptVector('Which is a prime?\nA. 4\nB. 6\nC. 7\nD. 9\nAnswer:')).expert, 'choice');
  assert.equal(m.difficultyOf(promptVector('Tom has 3 apples and buys 5 more. How many does he have?')).expert, 'open');
});

test('outcomes move a model towards what the user observes, measured against its own prediction', () => {
  const m = shippedQualityModel();
  const f = features('Summarise this paragraph.');
  const model = Catalog.builtIn().get('gpt-4o-mini')!;
  const before = m.predict(f, [model]).quality.get(model.id) ?? 0;
  for (let i = 0; i < 30; i++) {
    m.recordOutcome(model.id, f, 0, model);
  }
  const after = m.predict(f, [model]).quality.get(model.id) ?? 0;
  assert.ok(after < before - 0.05, `${after} < ${before}`);
  assert.equal(m.exportOnline()[model.id]?.outcomes, 30);
  // Outcomes that match the prediction teach nothing.
  const calm = shippedQualityModel();
  const predicted = calm.offlineQuality(model, calm.read(f));
  for (let i = 0; i < 30; i++) {
    calm.recordOutcome(model.id, f, predicted, model);
  }
  assert.ok(Math.abs((calm.predict(f, [model]).quality.get(model.id) ?? 0) - before) < 1e-9);
});

test('a handful of thumbs-down cannot exile a model: the adjustment is shrunk and bounded', () => {
  const m = shippedQualityModel();
  const model = Catalog.builtIn().get('claude-sonnet-4')!;
  const f = features('Explain how a hash map handles collisions.');
  const before = m.predict(f, [model]).quality.get(model.id) ?? 0;
  const drop = () => before - (m.predict(f, [model]).quality.get(model.id) ?? 0);
  m.recordOutcome(model.id, f, 0, model);
  const one = drop();
  for (let i = 0; i < 4; i++) {
    m.recordOutcome(model.id, f, 0, model);
  }
  const five = drop();
  for (let i = 0; i < 500; i++) {
    m.recordOutcome(model.id, f, 0, model);
  }
  const many = drop();
  const bound = m.onlineSettings.maxAdjustment + 1e-9;
  assert.ok(one > 0 && one <= five && five <= many, `${one} ≤ ${five} ≤ ${many}`);
  assert.ok(one < m.onlineSettings.maxAdjustment, 'one outcome is shrunk towards the catalog figure');
  assert.ok(many <= bound, `${many} within ±${m.onlineSettings.maxAdjustment}`);
  assert.ok((m.predict(f, [model]).quality.get(model.id) ?? 0) > 0.5, 'still a candidate worth choosing');
});

test('feedback on a prompt no longer known counts for every category alike; state round-trips', () => {
  const m = shippedQualityModel();
  const model = Catalog.builtIn().get('gpt-4.1')!;
  m.recordOutcome(model.id, null, 1, model);
  const s = m.onlineStateOf(model.id);
  assert.ok(s);
  assert.equal(OnlineStateSchema.parse(JSON.parse(JSON.stringify(s))).outcomes, 1);
  for (const c of TASK_CATEGORIES) {
    assert.ok(Math.abs((s.categories[c]?.weight ?? 0) - 1 / TASK_CATEGORIES.length) < 1e-9);
  }
  const other = shippedQualityModel();
  assert.deepEqual(other.learnedState(), []);
  other.importOnline({ [model.id]: s });
  assert.deepEqual(other.learnedState(), m.learnedState());
  assert.equal(m.learnedState()[0]?.model, model.id);
  assert.ok((m.learnedState()[0]?.adjustment ?? 0) > 0);
});

test('int16 weight encoding round-trips within its step', () => {
  const w = Float32Array.from([0, 1.5, -3, 0.001, 2.999]);
  const back = decodeWeights(encodeWeights(w));
  for (let i = 0; i < w.length; i++) {
    assert.ok(Math.abs((back[i] ?? 0) - (w[i] ?? 0)) < 3 / 32767 + 1e-7);
  }
});

test('training is deterministic and learns a separable signal', () => {
  const xs = Array.from({ length: 200 }, (_, i) => promptVector(i % 2 === 0 ? `easy question ${i}` : `extremely hard integral of ${i}`));
  const ys = xs.map((_, i) => (i % 2 === 0 ? 1 : 0));
  const o = { loss: 'logistic' as const, epochs: 5, learningRate: 0.2, l2: 0, seed: 1 };
  const w1 = trainLinear(xs, ys, DIMENSIONS, o);
  const w2 = trainLinear(xs, ys, DIMENSIONS, o);
  assert.deepEqual(w1, w2);
  assert.ok(sigmoid(dot(w1, promptVector('easy question 999'))) > 0.8);
  assert.ok(sigmoid(dot(w1, promptVector('extremely hard integral of 999'))) < 0.2);
});

test('the router forwards outcomes to its quality model, each router learns on its own, unknown models are refused', async () => {
  const { makeRouter, ask, isRouterError } = await import('./helpers');
  const router = makeRouter();
  const bystander = makeRouter();
  const quality = (r: ReturnType<typeof makeRouter>) => r.decide({ request: ask('Summarise this.'), requestedModel: 'auto' }).candidates.find((c) => c.model === 'gpt-4.1-nano')!.quality;
  const before = quality(router);
  for (let i = 0; i < 20; i++) {
    router.recordOutcome('gpt-4.1-nano', ask('Summarise this.'), 1);
  }
  assert.ok(quality(router) > before, `${quality(router)} > ${before}`);
  assert.equal(quality(bystander), before);
  assert.equal(router.learnedState()[0]?.outcomes, 20);
  assert.throws(() => router.recordOutcome('gpt-9', ask('x'), 1), isRouterError('unknownModel'));
});

test('sparse weight storage round-trips every non-zero and keeps zeros zero', async () => {
  const { encodeSparse, decodeSparse } = await import('../../../daemon/routing/linearModel');
  const a = new Float32Array(1000);
  const b = new Float32Array(1000);
  a[0] = 1;
  a[300] = -0.5;
  b[300] = 0.25;
  b[999] = 2;
  const [a2, b2] = decodeSparse(encodeSparse([a, b]));
  for (let i = 0; i < 1000; i++) {
    assert.ok(Math.abs((a2?.[i] ?? 9) - (a[i] ?? 0)) < 1e-4);
    assert.ok(Math.abs((b2?.[i] ?? 9) - (b[i] ?? 0)) < 1e-4);
  }
});
