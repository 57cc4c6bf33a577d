import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CandidateEstimate, RoutingDecision } from '../../../daemon/protocol';
import { MAX_CANDIDATES, decodeDecision, encodeDecision, keptCandidates, packDecision, packDecisionSlow, unpackDecision } from '../../../daemon/service/requestDecisions';

const candidate = (i: number, extra: Partial<CandidateEstimate> = {}): CandidateEstimate => ({ model: `m${i}`, provider: 'p', quality: 0.5 + i / 100, costUsd: 0.001 * i, latencyMs: 100 * i, score: i / 10, ...extra });

function decision(candidates: CandidateEstimate[], over: Partial<RoutingDecision> = {}): RoutingDecision {
  return {
    model: 'm1', provider: 'p', fallbacks: ['m2'], reason: 'cheapest that is good enough', strategy: 'learned', policy: 'normal', rule: null, tradeoff: 'balanced',
    taskType: 'code', confidence: 0.8123456, inputTokens: 12, estimatedOutputTokens: 300, estimatedCostUsd: 0.000123456789, baselineModel: 'gpt-5', estimatedSavingsUsd: 0.01,
    candidates, ...over,
  };
}

test('a stored decision reads back as the decision, figures rounded to four significant digits', () => {
  const d = decision([candidate(1, { effort: 'low', thinkingTokens: 200 }), candidate(2), candidate(3, { excluded: 'no key for p' })], {
    rule: 'python-to-cheap', experiment: { id: 'exp1', arm: 'b' }, effort: 'low', expectedWallMs: 1234.5, difficulty: 0.333333,
    conversation: { key: 'conv_x', keySource: 'header', turn: 2, outcome: 'kept', previousModel: 'm1', why: 'same task' },
  });
  const back = decodeDecision(encodeDecision(d));
  assert.ok(back);
  assert.equal(back.candidatesOmitted, 0);
  const r = back.decision;
  assert.equal(r.rule, 'python-to-cheap');
  assert.equal(r.confidence, 0.8123);
  assert.equal(r.estimatedCostUsd, 0.0001235);
  assert.deepEqual(r.experiment, { id: 'exp1', arm: 'b' });
  assert.equal(r.expectedWallMs, 1235);
  assert.equal(r.conversation?.outcome, 'kept');
  assert.deepEqual(r.candidates.map((c) => c.model), ['m1', 'm2', 'm3']);
  assert.equal(r.candidates[0]?.effort, 'low');
  assert.equal(r.candidates[0]?.thinkingTokens, 200);
  assert.equal(r.candidates[2]?.excluded, 'no key for p');
  assert.equal(r.candidates[1]?.excluded, undefined);
  assert.deepEqual({ ...r, candidates: [], confidence: 0, estimatedCostUsd: 0, expectedWallMs: 0, difficulty: 0 }, { ...d, candidates: [], confidence: 0, estimatedCostUsd: 0, expectedWallMs: 0, difficulty: 0 });
});

test('many candidates: the chosen model and its fallbacks stay, then the best scored; the rest are counted, and the row stays small', () => {
  const many = Array.from({ length: 60 }, (_, i) => candidate(i, i >= 30 ? { excluded: `excluded because ${'x'.repeat(1000)}` } : {}));
  const d = decision(many, { model: 'm0', fallbacks: ['m40'], reason: 'r'.repeat(5000) });
  const { kept, omitted } = keptCandidates(d);
  assert.equal(kept.length, MAX_CANDIDATES);
  assert.equal(omitted, 60 - MAX_CANDIDATES);
  const names = kept.map((c) => c.model);
  assert.ok(names.includes('m0') && names.includes('m40'), 'chosen and fallback kept even if low-scored or excluded');
  assert.ok(names.includes('m29') && names.includes('m22') && !names.includes('m21'), 'then by score');
  assert.ok(!names.includes('m1'), 'the worst scored go first');
  const text = encodeDecision(d);
  assert.ok(text.length < 8_000, `${text.length} chars`);
  const back = decodeDecision(text);
  assert.equal(back?.candidatesOmitted, 60 - MAX_CANDIDATES);
  assert.ok((back?.decision.reason.length ?? 0) <= 1000);
});

test('a row this version cannot read is null, not a throw', () => {
  assert.equal(decodeDecision('not json'), null);
  assert.equal(decodeDecision('{"v":2}'), null);
  assert.equal(decodeDecision('null'), null);
});

test('the reason is stored only when the ledger row does not already hold it', () => {
  const d = decision([candidate(1), candidate(2)]);
  const same = encodeDecision(d, d.reason);
  assert.equal(JSON.parse(same).r, undefined);
  assert.equal(decodeDecision(same, d.reason)?.decision.reason, d.reason);
  const other = encodeDecision(d, 'a fallback answered');
  assert.equal(decodeDecision(other, 'a fallback answered')?.decision.reason, d.reason);
  assert.ok(same.length < other.length);
});

test('the stored form is the JSON deflated behind a format byte; it reads back exactly, and text or junk is handled', () => {
  const d = decision(Array.from({ length: 12 }, (_, i) => candidate(i)), { model: 'm3', fallbacks: ['m4', 'm5'] });
  const json = encodeDecision(d, d.reason);
  const packed = packDecision(json);
  assert.equal(packed[0], 1);
  assert.ok(packed.length < json.length / 2, `${packed.length} bytes for ${json.length} characters`);
  assert.equal(unpackDecision(packed), json);
  assert.equal(unpackDecision(json), json, 'a detail stored as text');
  assert.equal(unpackDecision(new Uint8Array([2, 1, 2])), null, 'an unknown format');
  assert.equal(unpackDecision(new Uint8Array([1, 255, 0, 7])), null, 'damaged bytes');
  assert.equal(unpackDecision(42), null);
});

test('packing through the one reused deflate context gives the bytes of a fresh zlib stream per detail', () => {
  // Varied details one after another (a context left in a wrong state would show in the next one),
  // unicode, and a text too large for the reused output buffer (the documented path then).
  const texts: string[] = [];
  for (let n = 0; n <= 14; n++) {
    const d = decision(Array.from({ length: n }, (_, i) => candidate(i, i % 3 === 0 ? { excluded: `budget ${'é'.repeat(i)} 🚀` } : {})), { reason: `r${n} ${'x'.repeat(n * 37)}` });
    texts.push(encodeDecision(d, null));
  }
  let seed = 7;
  const noise = (n: number): string =>
    Array.from({ length: n }, () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return String.fromCharCode(33 + (seed % 90));
    }).join('');
  texts.push('', '{}', 'a'.repeat(40_000), noise(6000), noise(30_000), texts[3] as string);
  for (const json of texts) {
    const packed = packDecision(json);
    assert.deepEqual(Buffer.from(packed), Buffer.from(packDecisionSlow(json)), `${json.length} characters`);
    assert.equal(unpackDecision(packed), json);
  }
});
