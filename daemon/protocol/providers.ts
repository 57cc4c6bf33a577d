// Provider health as the daemon sees it now: `providers/health`. Leaf module: zod only.
import { z } from 'zod';

const result = <R>() => undefined as unknown as R;

export type CircuitState = 'closed' | 'open' | 'half_open';

/** One model's or provider's live health: circuit state and moving averages (null before data). */
export interface HealthEntry {
  key: string;
  kind: 'model' | 'provider';
  state: CircuitState;
  samples: number;
  successRate: number | null;
  errorRate: number | null;
  latencyMs: number | null;
  ttftMs: number | null;
  /** Until an open circuit admits a probe, ms (0 when not open). */
  retryInMs: number;
}

export const ProvidersHealthParams = z.object({}).strict();
export interface ProvidersHealthResult {
  entries: HealthEntry[];
}

export const providerMethods = {
  'providers/health': { params: ProvidersHealthParams, result: result<ProvidersHealthResult>() },
} as const;
