import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assign, armAt, unitHash } from '../../../daemon/experiments/assignment';

const arms = [
  { name: 'control', weight: 0.5 },
  { name: 'cheap', weight: 0.3 },
  { name: 'quality', weight: 0.2 },
];

test('the same unit always gets the same arm; another salt reshuffles', () => {
  const first = Array.from({ length: 200 }, (_, i) => assign('salt-one-xyz', 'session', arms, { kind: 'editor', sessionId: `s${i}` }, `r${i}`).arm.name);
  const again = Array.from({ length: 200 }, (_, i) => assign('salt-one-xyz', 'session', arms, { kind: 'editor', sessionId: `s${i}` }, `other-request-${i}`).arm.name);
  assert.deepEqual(again, first, 'the request id must not matter when the unit is the session');
  const other = Array.from({ length: 200 }, (_, i) => assign('salt-two-xyz', 'session', arms, { kind: 'editor', sessionId: `s${i}` }, `r${i}`).arm.name);
  assert.notDeepEqual(other, first);
  // A known value pins the hash across versions and machines (a changed hash would reassign every unit).
  // sha256("fixed-salt\0user\0alice") starts 78619103d78be…; its first 52 bits / 2^52:
  assert.equal(unitHash('fixed-salt', 'user', 'alice'), 0x78619103d78be / 2 ** 52);
});

test('units spread by the weights (chi-square goodness of fit)', () => {
  const N = 30_000;
  const counts = new Map(arms.map((a) => [a.name, 0]));
  for (let i = 0; i < N; i++) {
    const a = assign('chi-square-salt', 'user', arms, { kind: 'script', name: `user-${i}` }, `r${i}`).arm.name;
    counts.set(a, (counts.get(a) ?? 0) + 1);
  }
  let chi2 = 0;
  for (const a of arms) {
    const expected = N * a.weight;
    chi2 += ((counts.get(a.name) ?? 0) - expected) ** 2 / expected;
  }
  console.log(`assignment chi-square over ${N} units, 2 df: ${chi2.toFixed(2)} (${[...counts.values()].join('/')})`);
  // 13.82 is the 99.9% point of χ²(2): a correct hash fails this one time in a thousand salts,
  // and this salt is fixed.
  assert.ok(chi2 < 13.82, `chi-square ${chi2}`);
});

test('a missing unit key falls back to the request id, and says so', () => {
  const a = assign('salt-fallback-1', 'workspace', arms, { kind: 'script' }, 'req-1');
  assert.equal(a.unitFallback, true);
  assert.equal(a.arm.name, assign('salt-fallback-1', 'request', arms, undefined, 'req-1').arm.name);
  assert.equal(assign('salt-fallback-1', 'workspace', arms, { kind: 'editor', workspace: '/w' }, 'req-1').unitFallback, false);
});

test('cumulative slots: boundaries go to the next arm; 1 - ε goes to the last', () => {
  assert.equal(armAt(arms, 0).name, 'control');
  assert.equal(armAt(arms, 0.4999).name, 'control');
  assert.equal(armAt(arms, 0.5).name, 'cheap');
  assert.equal(armAt(arms, 0.8).name, 'quality');
  assert.equal(armAt(arms, 0.9999999999).name, 'quality');
});
