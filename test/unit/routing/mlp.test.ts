import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { decodeMlp, encodeMlp, mlpGap, trainMlp, type MlpOptions } from '../../../daemon/routing/mlp';
import { blendDifficulty, DENSE_BLOCK, denseBlock, shippedQualityModel } from '../../../daemon/routing/learnedQuality';
import { DENSE_NAMES, EMBEDDING_OFFSET, maskVector, promptVector, WORD_PROBLEM_COUNT, WORD_PROBLEM_FIRST } from '../../../daemon/routing/promptFeatures';

const OPTIONS: MlpOptions = { hidden: 8, epochs: 60, learningRate: 0.2, l2: 0, seed: 3 };

/** Output 0 = a XOR b (no linear model separates it), output 1 = 0: the gap is P(a XOR b). */
function xorData(): { xs: Float32Array[]; ys: [number, number][] } {
  const xs: Float32Array[] = [];
  const ys: [number, number][] = [];
  for (let i = 0; i < 400; i++) {
    const a = i % 2;
    const b = Math.floor(i / 2) % 2;
    xs.push(Float32Array.from([a, b, (i % 7) / 7]));
    ys.push([a ^ b, 0]);
  }
  return { xs, ys };
}

test('the network learns an interaction a linear model cannot, deterministically', () => {
  const { xs, ys } = xorData();
  const m = trainMlp(xs, ys, OPTIONS);
  const gap = (a: number, b: number) => mlpGap(m, [a, b, 0.5]);
  assert.ok(gap(1, 0) > gap(0, 0) + 0.3 && gap(0, 1) > gap(1, 1) + 0.3, `${gap(0, 0)} ${gap(1, 0)} ${gap(0, 1)} ${gap(1, 1)}`);
  const again = trainMlp(xs, ys, OPTIONS);
  assert.deepEqual([...again.w1], [...m.w1]);
  assert.deepEqual([...again.w2], [...m.w2]);
});

test('encoded weights round-trip closely, and wrong shapes are refused', () => {
  const { xs, ys } = xorData();
  const m = trainMlp(xs, ys, OPTIONS);
  const file = encodeMlp(m);
  const back = decodeMlp(JSON.parse(JSON.stringify(file)));
  for (const x of [[0, 0, 0.1], [1, 0, 0.9], [0, 1, 0.4], [1, 1, 0.2]]) {
    assert.ok(Math.abs(mlpGap(back, x) - mlpGap(m, x)) < 1e-3);
  }
  assert.throws(() => decodeMlp({ ...file, hidden: file.hidden + 1 }), /weight shapes/);
});

test('blending keeps D at unit variance and weight 0 is the linear expert alone', () => {
  assert.equal(blendDifficulty(1.5, 3, 0, 0.2), 1.5);
  assert.equal(blendDifficulty(1.5, null, 1, 0.2), 1.5);
  assert.ok(Math.abs(blendDifficulty(1, 1, 1, 0) - Math.SQRT2) < 1e-12);
  // Perfectly correlated parts: the same z comes out.
  assert.ok(Math.abs(blendDifficulty(0.7, 0.7, 0.5, 1) - 0.7) < 1e-12);
});

test('the network reads the prompt vector\'s dense cues and mean word vector, in order', () => {
  const x = promptVector('Which is a prime?\nA. 4\nB. 6\nC. 7\nD. 9\nAnswer:');
  const block = denseBlock(x, new Float32Array(DENSE_BLOCK));
  assert.equal(block.length, DENSE_NAMES.length + x.embedding.length);
  assert.equal(block[DENSE_NAMES.indexOf('hasOptions')], 1);
  assert.equal(block[DENSE_NAMES.indexOf('bias')], 1);
  assert.deepEqual([...block.subarray(DENSE_NAMES.length)], [...x.embedding]);
});

test('an expert trained without a feature group scores a prompt the same whether the prompt vector has it or not', () => {
  const m = shippedQualityModel();
  const prompts = { choice: 'Which is a prime?\nA. 4\nB. 6\nC. 7\nD. 9\nAnswer:', open: 'Tom has 3 apples and buys 5 more at $2.50 each. How many does he have?' };
  let checked = 0;
  for (const k of ['choice', 'open'] as const) {
    const reads = m.reads[k];
    if (reads.wordVectors && reads.wordProblemCues) {
      continue;
    }
    const x = promptVector(prompts[k]);
    const masked = maskVector(x, reads);
    assert.ok(masked.idx.length < x.idx.length);
    const a = m.difficultyOf(x);
    const b = m.difficultyOf(masked);
    assert.equal(a.expert, k);
    assert.ok(Math.abs(a.d - b.d) < 1e-6, `${k}: ${a.d} vs ${b.d}`);
    checked++;
  }
  // Nothing to check only if validation kept every group for both experts.
  assert.ok(checked > 0 || (m.reads.choice.wordVectors && m.reads.open.wordProblemCues));
});

test('masking drops exactly the word-vector block and the word-problem cues', () => {
  const x = promptVector('A shop sells 12 pens at $1.25 each and 300 pencils. How much do 4 pens cost?');
  const cues = maskVector(x, { wordVectors: true, wordProblemCues: false });
  assert.equal(cues.idx.length, x.idx.length - WORD_PROBLEM_COUNT);
  const words = maskVector(x, { wordVectors: false, wordProblemCues: true });
  assert.equal(words.idx.length, x.idx.length - x.embedding.length);
  assert.ok([...words.idx].every((i) => i < EMBEDDING_OFFSET));
  const block = denseBlock(x, new Float32Array(DENSE_BLOCK));
  assert.ok((block[WORD_PROBLEM_FIRST] ?? 0) > 0 && (block[DENSE_NAMES.indexOf('money')] ?? 0) > 0);
  assert.equal(block[DENSE_NAMES.indexOf('questionHasNumber')], 1);
});

test('the shipped model carries the networks and feature groups that validation chose (metrics.json)', () => {
  const metrics = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'daemon', 'routing', 'model', 'metrics.json'), 'utf8')) as { chosen: { netWeight: unknown; reads: unknown } };
  const m = shippedQualityModel();
  assert.deepEqual(m.netWeights, metrics.chosen.netWeight);
  assert.deepEqual(m.reads, metrics.chosen.reads);
});
