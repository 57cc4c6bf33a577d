// Probes prices from @pydantic/genai-prices, loaded on first use: at build time for the table
// (priceTableBuild.ts), at run time for a model the table does not hold (pricing.ts). Every figure
// is a calcPrice result, taken at a moment when the variant it describes is the one in force.
import type { ModelPrice } from './pricing';
import { timeOfDaySeconds, variantAt, type PriceConstraint, type PriceVariant, type Rates } from './priceTable';

type Library = typeof import('@pydantic/genai-prices');
let library: Library | null = null;

/** genai-prices, loaded on first use (the table answers for the catalog's models without it). */
export function genaiPrices(): Library {
  // A require inside the function: the bundler keeps the module, and it is evaluated only here.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  library ??= require('@pydantic/genai-prices') as Library;
  return library;
}

/** Whether genai-prices has been loaded in this process (for tests and the memory bench). */
export function genaiPricesLoaded(): boolean {
  return library !== null;
}

const PROVIDER_IDS: Record<string, string> = { xai: 'x-ai', moonshot: 'moonshotai' };

/** The provider id genai-prices uses for one of ours. */
export function libraryProviderId(provider: string): string {
  return PROVIDER_IDS[provider] ?? provider;
}

/** A total price from the library for `usage`; null when unknown. */
export type PriceLookup = (usage: Record<string, number>) => number | null;

function libraryLookup(provider: string, priceId: string, timestamp?: Date): PriceLookup {
  return (usage) => {
    try {
      const r = genaiPrices().calcPrice(usage, priceId, { providerId: libraryProviderId(provider), ...(timestamp ? { timestamp } : {}) });
      return r ? r.total_price : null;
    } catch {
      return null;
    }
  };
}

/** Per-MTok prices at the base tier, probed from the library; null when input or output is unknown. */
export function probePrice(at: PriceLookup): ModelPrice | null {
  const input = at({ input_tokens: 1e6 });
  const output = at({ output_tokens: 1e6 });
  if (input === null || output === null) {
    return null;
  }
  const cached = at({ input_tokens: 1e6, cache_read_tokens: 1e6 }) ?? input;
  const write = at({ input_tokens: 1e6, cache_write_tokens: 1e6 }) ?? input;
  return { inputPerMTok: input, outputPerMTok: output, cachedInputPerMTok: cached, cacheWritePerMTok: write };
}

/**
 * Per-token rates inside one price tier (`tier`: the tier's start, -1 below the first), probed
 * from the library at a size inside the tier: within a tier a cost is linear in each token count.
 */
export function probeRates(at: PriceLookup, tier: number, thresholds: readonly number[]): Rates | null {
  const next = thresholds.find((t) => t > tier);
  // A probe size inside this tier: above its start, at or below the next one.
  const n = tier >= 0 ? tier + 1 : Math.min(1_000_000, next ?? 1_000_000);
  const base = at({ input_tokens: n });
  const withOut = at({ input_tokens: n, output_tokens: 1_000_000 });
  const read = at({ input_tokens: n, cache_read_tokens: n });
  const write = at({ input_tokens: n, cache_write_tokens: n });
  return base === null || withOut === null ? null : { input: base / n, output: (withOut - base) / 1_000_000, cacheRead: (read ?? base) / n, cacheWrite: (write ?? base) / n };
}

/** The tier starts of one price list (genai-prices' `{ base, tiers }` values), ascending. */
export function tierStarts(prices: object): number[] {
  const starts = new Set<number>();
  for (const v of Object.values(prices) as unknown[]) {
    if (typeof v === 'object' && v !== null && 'tiers' in v && Array.isArray(v.tiers)) {
      for (const t of v.tiers as { start: number }[]) {
        starts.add(t.start);
      }
    }
  }
  return [...starts].sort((a, b) => a - b);
}

type RawVariant = { constraint?: { type?: string; start_date?: string; start_time?: string; end_time?: string }; prices: object };

function constraintOf(raw: RawVariant['constraint']): PriceConstraint | null {
  if (raw === undefined) {
    return null;
  }
  if (raw.type === 'start_date' && raw.start_date !== undefined) {
    return { type: 'start_date', startMs: new Date(raw.start_date).getTime() };
  }
  if (raw.type === 'time_of_date' && raw.start_time !== undefined && raw.end_time !== undefined) {
    return { type: 'time_of_date', startSec: timeOfDaySeconds(raw.start_time), endSec: timeOfDaySeconds(raw.end_time) };
  }
  throw new Error(`unknown genai-prices constraint ${JSON.stringify(raw)}`);
}

const DAY = 86_400_000;

/** Moments around every constraint's edges: each live variant is in force at one of them. */
function candidateMoments(constraints: readonly (PriceConstraint | null)[], now: number): number[] {
  const days = [Date.UTC(1971, 0, 1), Math.floor(now / DAY) * DAY];
  const seconds = [0, 43_200];
  for (const c of constraints) {
    if (c?.type === 'start_date') {
      const d = Math.floor(c.startMs / DAY) * DAY;
      days.push(d, d - DAY, d + DAY);
    } else if (c?.type === 'time_of_date') {
      seconds.push(c.startSec, c.endSec, (c.startSec + 86_399) % 86_400, (c.endSec + 86_399) % 86_400);
    }
  }
  return days.flatMap((d) => seconds.map((s) => d + s * 1000));
}

/**
 * A model's price variants probed from the library: one per price period, each probed at a moment
 * the library applies it (its price and its per-tier rates). null when the library has no price.
 */
export function probedVariants(provider: string, priceId: string, now: number): PriceVariant[] | null {
  const lib = genaiPrices();
  let found: ReturnType<typeof lib.calcPrice>;
  try {
    found = lib.calcPrice({ input_tokens: 1 }, priceId, { providerId: libraryProviderId(provider) });
  } catch {
    found = null;
  }
  if (!found) {
    return null;
  }
  const raw: RawVariant[] = Array.isArray(found.model.prices) ? (found.model.prices as RawVariant[]) : [{ prices: found.model.prices }];
  let shells: PriceVariant[];
  try {
    shells = raw.map((r) => ({ constraint: constraintOf(r.constraint), price: null, thresholds: tierStarts(r.prices), rates: [] }));
  } catch {
    // A kind of constraint this code does not know: the library refuses such a model too.
    return null;
  }
  const moments = candidateMoments(
    shells.map((s) => s.constraint),
    now,
  );
  return shells.map((shell) => {
    const at = moments.find((m) => variantAt(shells, new Date(m)) === shell);
    if (at === undefined) {
      // Never in force (a later variant always wins): nothing to probe.
      return shell;
    }
    const probe = libraryLookup(provider, priceId, new Date(at));
    return { ...shell, price: probePrice(probe), rates: [-1, ...shell.thresholds].map((tier) => probeRates(probe, tier, shell.thresholds)) };
  });
}

