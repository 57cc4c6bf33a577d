import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apgr, cpt, pgrCurve, auc } from '../../../bench/routingMetrics';
import { costToReach } from '../../../bench/arenaEval';

const rows = [
  { strong: 1, weak: 0, score: 0.9 },
  { strong: 1, weak: 0, score: 0.8 },
  { strong: 1, weak: 1, score: 0.2 },
  { strong: 0, weak: 0, score: 0.1 },
];

test('a perfect ranking recovers the gap first; a constant score is the random router', () => {
  const { pgr } = pgrCurve(rows);
  assert.deepEqual(pgr, [0, 0.5, 1, 1, 1]);
  assert.equal(apgr(rows), (0.25 + 0.75 + 1 + 1) / 4);
  assert.equal(cpt(rows, 0.5), 0.25);
  assert.equal(cpt(rows, 1), 0.5);
  const constant = rows.map((r) => ({ ...r, score: 0 }));
  assert.ok(Math.abs(apgr(constant) - 0.5) < 1e-9);
  const reversed = rows.map((r) => ({ ...r, score: -r.score }));
  assert.ok(apgr(reversed) < 0.5);
});

test('AUC and cost-to-reach', () => {
  assert.equal(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.75);
  const pts = [{ meanScore: 5, costUsd: 1 }, { meanScore: 9, costUsd: 10 }];
  assert.deepEqual(costToReach(pts, 9), { direct: 10, hull: 10 });
  assert.equal(costToReach(pts, 7).hull, 5.5);
  assert.equal(costToReach(pts, 9.5).direct, null);
});
