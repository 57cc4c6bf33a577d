import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LearnedStateResult } from '../../../daemon/protocol/learning';
import { cachedText, turnsText } from '../../../webview/views/conversations';
import { learnedView, signedQuality } from '../../../webview/views/learned';

test('learned state: rows with most outcomes first, categories by weight; the bounds come along', () => {
  const result: LearnedStateResult = {
    models: [
      { model: 'small', outcomes: 2, adjustment: -0.01, byCategory: { chat: { weight: 2, adjustment: -0.01 } } },
      { model: 'big', outcomes: 7.5, adjustment: 0.04, byCategory: { code: { weight: 5, adjustment: 0.05 }, writing: { weight: 2.5, adjustment: 0.01 }, math: { weight: 0, adjustment: 0 } } },
    ],
    priorStrength: 20,
    maxAdjustment: 0.15,
    categories: ['code', 'math', 'writing', 'chat'] as LearnedStateResult['categories'],
  };
  const v = learnedView(result);
  assert.deepEqual(v.rows.map((r) => r.model), ['big', 'small']);
  assert.deepEqual(v.rows[0]?.categories.map((c) => c.category), ['code', 'writing'], 'a category without weight is left out');
  assert.equal(v.priorStrength, 20);
  assert.equal(v.maxAdjustment, 0.15);
});

test('learned state is read tolerantly: missing, renamed or extra fields and junk never throw', () => {
  const v = learnedView({ models: [{ model: 'a', outcomes: 'many', extra: true, byCategory: { code: { weight: 1 } } }, { name: 'no model field' }, null, 7], maxAdjustment: 0.2, addedLater: {} });
  assert.deepEqual(v.rows, [{ model: 'a', outcomes: null, adjustment: null, categories: [] }]);
  assert.equal(v.priorStrength, null);
  assert.equal(v.maxAdjustment, 0.2);
  assert.deepEqual(learnedView(null).rows, []);
  assert.deepEqual(learnedView({ models: 'x' }).rows, []);
});

test('figures read as a person expects', () => {
  assert.equal(signedQuality(0.0314), '+0.031');
  assert.equal(signedQuality(-0.12), '−0.120');
  assert.equal(turnsText({ turns: 5, kept: 3, moved: 1 }), '5 (3 kept · 1 moved)');
  assert.equal(turnsText({ turns: 1, kept: 0, moved: 0 }), '1');
  assert.equal(cachedText({ tokensIn: 20_000, tokensCached: 15_000, cacheSavedUsd: 0.0123 }), '15k (75%) · saved $0.0123');
  assert.equal(cachedText({ tokensIn: 100, tokensCached: 0, cacheSavedUsd: 0 }), '—');
});
