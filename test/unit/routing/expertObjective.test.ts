// What each expert objective's heads mean (learnedQuality.ts OBJECTIVES), and that a model file
// whose heads do not match its objective is refused rather than read with the wrong meaning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LearnedQuality, linearGain, ModelFile, OBJECTIVE_HEADS, OBJECTIVES, shippedQualityModel, type Expert } from '../../../daemon/routing/learnedQuality';
import { encodeSparse, sigmoid } from '../../../daemon/routing/linearModel';
import { BUCKETS, DIMENSIONS, EMBEDDING_DIMS, HASH_BITS, promptVector } from '../../../daemon/routing/promptFeatures';
import { readModelJson } from '../../../daemon/routing/modelFiles';

/** A head whose logit is `z` for every prompt (the dense "bias" slot, always 1, carries it). */
const constantHead = (z: number): Float32Array => {
  const w = new Float32Array(DIMENSIONS);
  w[BUCKETS] = z;
  return w;
};
const x = promptVector('Which is a prime?\nA. 4\nB. 6\nC. 7\nD. 9\nAnswer:');

test('each objective combines its heads into the strong model\'s expected gain', () => {
  const heads = { strong: constantHead(1), weak: constantHead(-0.5), disagree: constantHead(-1), strongWins: constantHead(2) };
  const e: Expert = { heads, mean: 0, sd: 1 };
  const [s, w, d, win] = [1, -0.5, -1, 2].map(sigmoid) as [number, number, number, number];
  assert.ok(Math.abs(linearGain(e, x, 'correct') - (s - w)) < 1e-6);
  // P(strong alone right) − P(weak alone right) = P(disagree)·(2·P(strong right | disagree) − 1).
  assert.ok(Math.abs(linearGain(e, x, 'disagree') - d * (2 * win - 1)) < 1e-6);
  // An objective whose head is missing is an error, not a silent 0.
  assert.throws(() => linearGain({ heads: { strong: heads.strong }, mean: 0, sd: 1 }, x, 'correct'), /no "weak" head/);
});

test('a model file stores each expert\'s objective heads in order and refuses a mismatch', () => {
  const shipped = ModelFile.parse(readModelJson('router-model.json'));
  assert.equal(shipped.hashBits, HASH_BITS);
  assert.equal(shipped.embeddingDims, EMBEDDING_DIMS);
  for (const k of ['choice', 'open'] as const) {
    const objective = shipped.experts[k].objective ?? 'correct';
    assert.ok(OBJECTIVES.includes(objective));
    assert.equal(shipped.experts[k].values.length, OBJECTIVE_HEADS[objective].length);
    assert.equal(shippedQualityModel().objectives[k], objective);
  }
  // The open expert rewritten as `disagree` with heads whose gain is known: D follows that gain.
  const sparse = encodeSparse([constantHead(0), constantHead(3)]);
  const file: ModelFile = { ...shipped, nets: {}, experts: { ...shipped.experts, open: { ...sparse, objective: 'disagree' } }, gap: { ...shipped.gap, open: { mean: 0.2, sd: 0.1 } } };
  const m = LearnedQuality.fromFile(ModelFile.parse(file));
  const open = m.difficultyOf(promptVector('Tom has 3 apples and buys 5 more. How many does he have?'));
  assert.equal(open.expert, 'open');
  const gain = 0.5 * (2 * sigmoid(3) - 1);
  assert.ok(Math.abs(open.gain - gain) < 1e-3);
  assert.ok(Math.abs(open.d - (gain - 0.2) / 0.1) < 1e-2);
  // Heads of the wrong width for this build: refused with the expert named.
  const narrow = { ...encodeSparse([new Float32Array(10), new Float32Array(10)]), objective: 'disagree' as const };
  assert.throws(() => LearnedQuality.fromFile(ModelFile.parse({ ...file, experts: { ...file.experts, open: narrow } })), /expert "open" does not match/);
  // An objective this build does not know is refused by the schema, not read as another.
  assert.equal(ModelFile.safeParse({ ...file, experts: { ...file.experts, open: { ...sparse, objective: 'strongWins' } } }).success, false);
});
