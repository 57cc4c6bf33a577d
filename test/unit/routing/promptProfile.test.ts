import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shippedWordVectors } from '../../../daemon/routing/wordVectors';
import { CATEGORY_SEEDS, CategoryProfiler } from '../../../daemon/routing/promptProfile';
import { promptVector } from '../../../daemon/routing/promptFeatures';
import { classifyTask } from '../../../daemon/routing/features';
import { categoryQualityFromArena, mixedQuality, qualityFromArenaRating } from '../../../daemon/routing/categoryQuality';
import { TASK_CATEGORIES, type TaskCategory } from '../../../daemon/routing/taskCategories';

const vectors = shippedWordVectors();
const profiler = new CategoryProfiler(vectors);
const mixOf = (text: string, over: { inputTokens?: number; hasTools?: boolean } = {}) =>
  profiler.mix({ embedding: promptVector(text).embedding, taskType: classifyTask(text, 0), inputTokens: over.inputTokens ?? 30, hasTools: over.hasTools ?? false });
const top = (m: Record<TaskCategory, number>) => TASK_CATEGORIES.reduce((a, b) => (m[b] > m[a] ? b : a));

test('every seed word is among the shipped vectors and is not a skipped stop word', () => {
  for (const [category, seeds] of Object.entries(CATEGORY_SEEDS)) {
    for (const w of seeds) {
      assert.ok(vectors.rankOf(w) >= 100, `${category}: "${w}" (rank ${vectors.rankOf(w)})`);
    }
  }
});

test('words no seed list or cue rule names land in the category they mean', () => {
  // None of "limerick", "walrus", "sonnet", "circumference", "radius", "angles" is a seed word or
  // matched by features.ts's cue rules, which call these prompts plain chat or simple questions.
  assert.equal(classifyTask('Compose a limerick about a walrus.', 0), 'chat');
  assert.equal(top(mixOf('Compose a limerick about a walrus.')), 'writing');
  assert.equal(top(mixOf('Could you pen a sonnet for my grandmother?')), 'writing');
  assert.equal(classifyTask('What is the circumference of a circle whose radius is seven?', 0), 'simple');
  assert.equal(top(mixOf('What is the circumference of a circle whose radius is seven?')), 'math');
  assert.equal(top(mixOf('Show that the angles of a triangle add up to a straight angle')), 'math');
  assert.equal(top(mixOf('thanks, that worked!')), 'chat');
  assert.equal(top(mixOf('Recommend a fun board game for friends tonight')), 'chat');
});

test('the mix sums to 1; long prompts and tool offers take their share', () => {
  const plain = mixOf('Fix this function please');
  assert.ok(Math.abs(TASK_CATEGORIES.reduce((s, c) => s + plain[c], 0) - 1) < 1e-9);
  assert.equal(plain.longContext, 0);
  assert.equal(plain.tools, 0);
  const long = mixOf('Summarise this report', { inputTokens: 64_000 });
  assert.ok(long.longContext >= 0.4);
  const tools = mixOf('What is the weather in Paris?', { hasTools: true });
  assert.ok(tools.tools > 0.2);
  assert.ok(Math.abs(TASK_CATEGORIES.reduce((s, c) => s + long[c] + tools[c], 0) - 2) < 1e-9);
});

test('a prompt with no known word falls back to the cue rules alone', () => {
  const m = profiler.mix({ embedding: new Float32Array(vectors.dimensions), taskType: 'code', inputTokens: 10, hasTools: false });
  assert.equal(m.code, 1);
});

test('LMArena ratings map to 0..1 with Mixtral-8x7B at 0.5, per task category, unknown left unknown', () => {
  assert.equal(qualityFromArenaRating(1200), 0.5);
  assert.ok(Math.abs(qualityFromArenaRating(1600) - 10 / 11) < 1e-12);
  const q = categoryQualityFromArena({ full: [1300, 1290, 1310], coding: [1400, 1380, 1420], hard_6: [1250, 1230, 1270] });
  assert.ok((q.code ?? 0) > (q.chat ?? 1));
  assert.equal(q.reasoning, Math.round(qualityFromArenaRating(1250) * 1000) / 1000);
  assert.equal(q.tools, undefined);
  assert.equal(q.math, undefined);
  const mix = Object.fromEntries(TASK_CATEGORIES.map((c) => [c, c === 'math' ? 1 : 0])) as Record<TaskCategory, number>;
  assert.equal(mixedQuality({ qualityPrior: 0.7, qualityByCategory: q }, mix), 0.7, 'an unknown category uses the prior');
  assert.equal(mixedQuality({ qualityPrior: 0.7 }, mix), 0.7);
});
