// The estimate before a call: the router's input token count plus the output this model has
// been producing for this task type lately, capped by max_tokens. History is a per-(model, task)
// exponential moving average kept in memory and seeded from the latest ledger rows at start-up.
import type { Usage } from '../protocol/chat';
import type { LedgerRow } from '../protocol/ledger';
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

  /**
   * Seeds from the `rows` most recent successful requests (one indexed scan, newest first). The hot
   * store's rows are bounded by count and age (ledger/archive.ts), so the newest rows overall are
   * merged from it and from `coldNewest` (the cold rows at or after a time, newest first), as they
   * were before rows went cold: a model last used months ago keeps its own figure instead of
   * falling back to the task's. Cold rows are read only back to the oldest hot row taken when the
   * hot store holds enough (usually none: every cold row is older). A cold segment that cannot be
   * read leaves the seed with what was read (the figures are estimates).
   */
  static fromLedger(tx: ReadTx, rows = SEED_ROWS, coldNewest?: (from: number) => Iterable<LedgerRow>, log?: (message: string) => void): OutputPredictor {
    const p = new OutputPredictor();
    const recent = tx.all<{ ts: number; model: string; task_type: string | null; tokens_out: number }>(
      "SELECT ts, model, task_type, tokens_out FROM requests WHERE status = 'ok' ORDER BY ts DESC LIMIT ?",
      [rows],
    );
    const oldestHot = recent.length === rows ? (recent[recent.length - 1]?.ts ?? null) : null;
    const cold = coldNewest?.(oldestHot ?? Number.MIN_SAFE_INTEGER)[Symbol.iterator]();
    const nextCold = (): LedgerRow | undefined => {
      try {
        for (let c = cold?.next(); c !== undefined && c.done !== true; c = cold?.next()) {
          if (c.value.status === 'ok') {
            return c.value;
          }
        }
      } catch (e) {
        log?.(`the output-length history was seeded without some cold rows: ${(e as Error).message}`);
      }
      return undefined;
    };
    // Newest first: the two sorted lists merged (rows that stay hot, an experiment's, can be older than cold ones).
    const seed: { model: string; taskType: string | null; tokensOut: number }[] = [];
    let hot = 0;
    let c = nextCold();
    while (seed.length < rows) {
      const h = recent[hot];
      if (h !== undefined && (c === undefined || h.ts >= c.ts)) {
        seed.push({ model: h.model, taskType: h.task_type, tokensOut: h.tokens_out });
        hot += 1;
      } else if (c !== undefined) {
        seed.push({ model: c.model, taskType: c.taskType, tokensOut: c.tokensOut });
        c = nextCold();
      } else {
        break;
      }
    }
    // Observed oldest first, as they were recorded.
    for (let i = seed.length - 1; i >= 0; i--) {
      const r = seed[i] as (typeof seed)[number];
      p.observe(r.model, r.taskType, r.tokensOut);
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
