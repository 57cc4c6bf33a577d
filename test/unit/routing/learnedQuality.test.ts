import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { shippedQualityModel, LearnedQuality, ModelFile } from '../../../daemon/routing/learnedQuality';
import shippedJson from '../../../daemon/routing/model/router-model.json';
import { decodeWeights, encodeWeights, trainLinear, dot, sigmoid } from '../../../daemon/routing/linearModel';
import { promptVector, DIMENSIONS } from '../../../daemon/routing/promptFeatures';
import { extractFeatures } from '../../../daemon/routing/features';
import { Catalog } from '../../../daemon/routing/catalog';

const MODEL_FILE = join(__dirname, '..', '..', '..', 'daemon', 'routing', 'model', 'router-model.json');

test('the committed model file is small and loads', () => {
  assert.ok(statSync(MODEL_FILE).size < 2 * 1024 * 1024);
  const m = shippedQualityModel();
  assert.ok(m.kappa >= 0);
  assert.ok(m.priors.has('gpt-4-1106-preview'));
});

test('predictions are deterministic, bounded, and order models by prior on a typical prompt', () => {
  const m = shippedQualityModel();
  const catalog = Catalog.builtIn();
  const f = extractFeatures({ messages: [{ role: 'user', content: 'What is the boiling point of water at sea level?' }] });
  const a = m.predict(f, catalog.list());
  const b = m.predict(f, catalog.list());
  assert.deepEqual([...a.quality], [...b.quality]);
  for (const q of a.quality.values()) {
    assert.ok(q > 0 && q < 1);
  }
  assert.ok((a.quality.get('claude-opus-4') ?? 0) > (a.quality.get('llama-3.1-8b-instant') ?? 1));
  assert.ok(a.confidence >= 0 && a.confidence <= 1 && a.difficulty > 0 && a.difficulty < 1);
});

test('harder prompts widen the gap between strong and weak models', () => {
  const m = shippedQualityModel();
  const gap = (d: number) => m.qualityOf('strong', 0.9, d) - m.qualityOf('weak', 0.5, d);
  assert.ok(gap(2) > gap(0) && gap(0) > gap(-2));
});

test('multiple-choice and open prompts use their own expert', () => {
  const m = shippedQualityModel();
  assert.equal(m.difficultyOf(promptVector('Which is a prime?\nA. 4\nB. 6\nC. 7\nD. 9\nAnswer:')).expert, 'choice');
  assert.equal(m.difficultyOf(promptVector('Tom has 3 apples and buys 5 more. How many does he have?')).expert, 'open');
});

test('outcomes move a model towards what the user observes', () => {
  const m = new LearnedQuality(ModelFile.parse(shippedJson));
  const f = extractFeatures({ messages: [{ role: 'user', content: 'Summarise this paragraph.' }] });
  const model = Catalog.builtIn().get('gpt-4o-mini')!;
  const before = m.predict(f, [model]).quality.get(model.id) ?? 0;
  for (let i = 0; i < 30; i++) {
    m.recordOutcome(model.id, f, 0);
  }
  const after = m.predict(f, [model]).quality.get(model.id) ?? 0;
  assert.ok(after < before - 0.1, `${after} < ${before}`);
  assert.equal(m.exportOnline()[model.id]?.n, 30);
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

test('the router forwards outcomes to its quality model and rejects unknown models', async () => {
  const { makeRouter, ask, isRouterError } = await import('./helpers');
  const q = new LearnedQuality(ModelFile.parse(shippedJson));
  const router = makeRouter({ quality: q });
  const before = router.decide({ request: ask('Summarise this.'), requestedModel: 'auto' }).candidates.find((c) => c.model === 'gpt-4.1-nano')!.quality;
  for (let i = 0; i < 20; i++) {
    router.recordOutcome('gpt-4.1-nano', ask('Summarise this.'), 1);
  }
  const after = router.decide({ request: ask('Summarise this.'), requestedModel: 'auto' }).candidates.find((c) => c.model === 'gpt-4.1-nano')!.quality;
  assert.ok(after > before, `${after} > ${before}`);
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
