// Strong/weak pair evaluation shared by the training script and the benchmark.
import { STRONG, WEAK, type BenchRow } from './routingData';
import { apgr, cpt, pgrAt, type PairOutcome } from './routingMetrics';

export interface PairReport {
  benchmark: string;
  prompts: number;
  strongAccuracy: number;
  weakAccuracy: number;
  apgr: number;
  cpt50: number;
  cpt80: number;
  /** PGR at strong-call shares 0, 10, …, 100%. */
  curve: number[];
}

export function pairOutcomes(rows: readonly BenchRow[], score: (r: BenchRow) => number): PairOutcome[] {
  return rows.map((r) => ({ strong: r.outcomes[STRONG] ?? 0, weak: r.outcomes[WEAK] ?? 0, score: score(r) }));
}

export function pairReport(benchmark: string, rows: readonly BenchRow[], score: (r: BenchRow) => number): PairReport {
  const o = pairOutcomes(rows, score);
  return {
    benchmark,
    prompts: rows.length,
    strongAccuracy: o.reduce((s, r) => s + r.strong, 0) / Math.max(1, o.length),
    weakAccuracy: o.reduce((s, r) => s + r.weak, 0) / Math.max(1, o.length),
    apgr: apgr(o),
    cpt50: cpt(o, 0.5),
    cpt80: cpt(o, 0.8),
    curve: Array.from({ length: 11 }, (_, i) => pgrAt(o, i / 10)),
  };
}
