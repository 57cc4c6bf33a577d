// The estimate before a call: the router's input token count plus the output this model has
// been producing for this task type lately, capped by max_tokens. History is a per-(model, task)
// exponential moving average kept in memory and seeded from the latest ledger rows at start-up.
import type { Usage } from '../protocol/chat';
import type { ReadTx } from '../store/database';
import { costOf, type PricedModel } from './pricing';

const ALPHA = 0.2;
/** Observations before a key's own average is trusted over a broader one. */
const MIN_SAMPLES = 3;
export const DEFAULT_OUTPUT_TOKENS = 400;
const SEED_ROWS = 5000;

interface Stat {
  mean: number;
  n: number;
}

export interface OutputEstimate {
  tokens: number;
  /** Which history the figure came from. */
  basis: 'model+task' | 'model' | 'task' | 'default';
}

export class OutputPredictor {
  private readonly stats = new Map<string, Stat>();

  /** Seeds from the most recent successful requests (one indexed scan, newest first). */
  static fromLedger(tx: ReadTx, rows = SEED_ROWS): OutputPredictor {
    const p = new OutputPredictor();
    const recent = tx.all<{ model: string; task_type: string | null; tokens_out: number }>(
      "SELECT model, task_type, tokens_out FROM requests WHERE status = 'ok' ORDER BY ts DESC LIMIT ?",
      [rows],
    );
    for (let i = recent.length - 1; i >= 0; i--) {
      const r = recent[i] as (typeof recent)[number];
      p.observe(r.model, r.task_type, r.tokens_out);
    }
    return p;
  }

  observe(model: string, taskType: string | null, outputTokens: number): void {
    if (!Number.isFinite(outputTokens) || outputTokens < 0) {
      return;
    }
    for (const key of [`${model}\u0000${taskType ?? ''}`, `${model}\u0000*`, `*\u0000${taskType ?? ''}`]) {
      const s = this.stats.get(key);
      if (!s) {
        this.stats.set(key, { mean: outputTokens, n: 1 });
      } else {
        s.mean += ALPHA * (outputTokens - s.mean);
        s.n += 1;
      }
    }
  }

  /**
   * Predicted output tokens, never above `maxTokens` (the request's cap) when one is given;
   * `typical` (the router's length for the task type) when there is no history yet.
   */
  predict(model: string, taskType: string | null, maxTokens?: number | null, typical = DEFAULT_OUTPUT_TOKENS): OutputEstimate {
    const tries: [string, OutputEstimate['basis']][] = [
      [`${model}\u0000${taskType ?? ''}`, 'model+task'],
      [`${model}\u0000*`, 'model'],
      [`*\u0000${taskType ?? ''}`, 'task'],
    ];
    let tokens = typical;
    let basis: OutputEstimate['basis'] = 'default';
    for (const [key, b] of tries) {
      const s = this.stats.get(key);
      if (s && s.n >= MIN_SAMPLES) {
        tokens = Math.ceil(s.mean);
        basis = b;
        break;
      }
    }
    if (maxTokens !== undefined && maxTokens !== null && maxTokens > 0) {
      tokens = Math.min(tokens, maxTokens);
    }
    return { tokens, basis };
  }
}

/** Estimated USD for a call; tiered (long-context) prices apply because the real counts are priced. */
export function estimateCallCost(model: PricedModel, inputTokens: number, outputTokens: number): number | null {
  const usage: Usage = { inputTokens, outputTokens, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
  return costOf(model, usage);
}
