// A compact price table for the catalog's models, made at build time from @pydantic/genai-prices
// (scripts/priceTable.ts writes dist/price-table.json). The library holds every provider's price
// list and costs about 20 MB resident once loaded; the daemon needs a few dozen models, so it
// reads this table instead and loads the library only for a model the table does not hold.
//
// Each model keeps the library's own structure where prices change: one variant per price period
// (a start date, or a time of day), each with its per-tier rates. Every figure is probed from the
// library's calcPrice at build time, the same probes pricing.ts makes at run time without a table,
// so a price from the table is the price the library gives (checked by a unit test).
import type { ModelPrice } from './pricing';

/** USD per token, one price tier. */
export interface Rates {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/** When a price variant applies (genai-prices' constraints, parsed once). */
export type PriceConstraint = { type: 'start_date'; startMs: number } | { type: 'time_of_date'; startSec: number; endSec: number };

export interface PriceVariant {
  /** null: the variant with no constraint (the base price). */
  constraint: PriceConstraint | null;
  /** Per million tokens at the base tier; null when the library gives no input or output price. */
  price: ModelPrice | null;
  /** Tier starts (input tokens), ascending; a tier applies when input tokens exceed its start. */
  thresholds: number[];
  /** rates[0]: below the first threshold; rates[i]: above thresholds[i - 1]. null: unknown. */
  rates: (Rates | null)[];
}

export interface PriceTable {
  /** The genai-prices version the table was probed from. */
  source: string;
  /** "provider/priceId" → the model's variants in the library's order; null: the library has no price. */
  models: Record<string, PriceVariant[] | null>;
}

export const tableKey = (provider: string, priceId: string): string => `${provider}/${priceId}`;

/** The variant in force at `at`: the library's rule (the last variant whose constraint holds, else the first). */
export function variantAt(variants: readonly PriceVariant[], at: Date): PriceVariant | undefined {
  if (variants.length === 1) {
    return variants[0];
  }
  const t = at.getTime();
  const seconds = at.getUTCHours() * 3600 + at.getUTCMinutes() * 60 + at.getUTCSeconds() + at.getUTCMilliseconds() / 1000;
  for (let i = variants.length - 1; i >= 0; i--) {
    const v = variants[i] as PriceVariant;
    const c = v.constraint;
    if (c === null) {
      return v;
    }
    if (c.type === 'start_date') {
      if (t >= c.startMs) {
        return v;
      }
    } else if (c.endSec < c.startSec ? seconds >= c.startSec || seconds < c.endSec : seconds >= c.startSec && seconds < c.endSec) {
      return v;
    }
  }
  return variants[0];
}

/** The tier's rates for `inputTokens` (the last threshold it exceeds). */
export function ratesFor(variant: PriceVariant, inputTokens: number): Rates | null {
  let i = 0;
  for (const t of variant.thresholds) {
    if (inputTokens > t) {
      i += 1;
    }
  }
  return variant.rates[i] ?? null;
}

/** "HH:MM:SS[.frac](Z|±HH:MM)" → seconds after UTC midnight (genai-prices' time-of-day format). */
export function timeOfDaySeconds(text: string): number {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/.exec(text);
  if (m === null) {
    throw new Error(`unreadable time-of-day price constraint: ${text}`);
  }
  const local = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(`0.${m[4] ?? ''}`);
  const offset = m[5] === 'Z' ? 0 : (m[6] === '+' ? 1 : -1) * (Number(m[7]) * 60 + Number(m[8])) * 60;
  return (local - offset + 86_400) % 86_400;
}
