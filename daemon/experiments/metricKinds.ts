// Each tested metric is either a mean per request or a rate, and has a better direction.
import type { TestedMetric } from '../protocol/experiments';

export type MeanMetric = 'costPerRequest' | 'latencyMs' | 'ttftMs' | 'feedbackScore';
export type RateMetric = 'successRate' | 'errorRate' | 'fallbackRate' | 'escalationRate';

export const MEAN_METRICS: readonly MeanMetric[] = ['costPerRequest', 'latencyMs', 'ttftMs', 'feedbackScore'];
export const RATE_METRICS: readonly RateMetric[] = ['successRate', 'errorRate', 'fallbackRate', 'escalationRate'];
export const TESTED_METRICS: readonly TestedMetric[] = [...MEAN_METRICS, ...RATE_METRICS];

export const DIRECTION: Record<TestedMetric, 'lower' | 'higher'> = {
  costPerRequest: 'lower',
  latencyMs: 'lower',
  ttftMs: 'lower',
  feedbackScore: 'higher',
  successRate: 'higher',
  errorRate: 'lower',
  fallbackRate: 'lower',
  escalationRate: 'lower',
};

export function isMeanMetric(m: TestedMetric): m is MeanMetric {
  return (MEAN_METRICS as readonly string[]).includes(m);
}
