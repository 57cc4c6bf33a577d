// Router metrics as RouteLLM (Ong et al., 2025) and RouterBench (Hu et al., 2024) define them.

export interface PairOutcome {
  strong: number;
  weak: number;
  /** Higher = send to the strong model first. */
  score: number;
}

/**
 * PGR at every strong-call share k/n when the k highest-scored prompts go to the strong model.
 * Tied scores are treated as routed in random order (their expected curve is linear between the
 * tie group's ends), so a constant scorer is exactly the random router.
 */
export function pgrCurve(rows: readonly PairOutcome[]): { share: number[]; pgr: number[] } {
  const n = rows.length;
  const sorted = [...rows].sort((a, b) => b.score - a.score);
  const weakTotal = rows.reduce((s, r) => s + r.weak, 0);
  const strongTotal = rows.reduce((s, r) => s + r.strong, 0);
  const gap = strongTotal - weakTotal;
  const share = [0];
  const pgr = [0];
  let acc = weakTotal;
  let i = 0;
  while (i < n) {
    let j = i;
    let groupGain = 0;
    while (j < n && sorted[j]?.score === sorted[i]?.score) {
      groupGain += (sorted[j]?.strong ?? 0) - (sorted[j]?.weak ?? 0);
      j++;
    }
    const per = groupGain / (j - i);
    for (let k = i; k < j; k++) {
      acc += per;
      share.push((k + 1) / n);
      pgr.push(gap === 0 ? 0 : (acc - weakTotal) / gap);
    }
    i = j;
  }
  return { share, pgr };
}

export function apgr(rows: readonly PairOutcome[]): number {
  const { share, pgr } = pgrCurve(rows);
  let area = 0;
  for (let i = 1; i < share.length; i++) {
    area += ((share[i] ?? 0) - (share[i - 1] ?? 0)) * (((pgr[i] ?? 0) + (pgr[i - 1] ?? 0)) / 2);
  }
  return area;
}

/** The smallest strong-call share whose PGR reaches `target`. */
export function cpt(rows: readonly PairOutcome[], target: number): number {
  const { share, pgr } = pgrCurve(rows);
  for (let i = 0; i < share.length; i++) {
    if ((pgr[i] ?? 0) >= target) {
      return share[i] ?? 1;
    }
  }
  return 1;
}

export function pgrAt(rows: readonly PairOutcome[], strongShare: number): number {
  const { share, pgr } = pgrCurve(rows);
  const k = Math.round(strongShare * (share.length - 1));
  return pgr[k] ?? 0;
}

/** Log-loss style area under ROC for a binary label (for diagnostics). */
export function auc(scores: readonly number[], labels: readonly number[]): number {
  const pairs = scores.map((s, i) => ({ s, y: labels[i] ?? 0 })).sort((a, b) => a.s - b.s);
  let rankSum = 0;
  let pos = 0;
  let i = 0;
  while (i < pairs.length) {
    let j = i;
    while (j < pairs.length && pairs[j]?.s === pairs[i]?.s) {
      j++;
    }
    const avgRank = (i + j + 1) / 2;
    for (let k = i; k < j; k++) {
      if (pairs[k]?.y === 1) {
        rankSum += avgRank;
        pos++;
      }
    }
    i = j;
  }
  const neg = pairs.length - pos;
  return pos === 0 || neg === 0 ? 0.5 : (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}
