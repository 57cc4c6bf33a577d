// Builds the compact price table (priceTable.ts) from @pydantic/genai-prices: run at build time by
// scripts/priceTable.ts, never by the daemon. Every figure is a calcPrice probe (pricing.ts's own
// probes), made at a moment when the variant it describes is the one the library applies.
import { genaiPrices, libraryProviderId, probePrice, probeRates, tierStarts, type PriceLookup } from './pricing';
import { tableKey, timeOfDaySeconds, variantAt, type PriceConstraint, type PriceTable, type PriceVariant } from './priceTable';

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

function variantsOf(provider: string, priceId: string, now: number): PriceVariant[] | null {
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
  const shells: PriceVariant[] = raw.map((r) => ({ constraint: constraintOf(r.constraint), price: null, thresholds: tierStarts(r.prices), rates: [] }));
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
    const timestamp = new Date(at);
    const probe: PriceLookup = (usage) => {
      try {
        return lib.calcPrice(usage, priceId, { providerId: libraryProviderId(provider), timestamp })?.total_price ?? null;
      } catch {
        return null;
      }
    };
    return { ...shell, price: probePrice(probe), rates: [-1, ...shell.thresholds].map((tier) => probeRates(probe, tier, shell.thresholds)) };
  });
}

/** The table for these models (the catalog's), from the genai-prices version installed. */
export function buildPriceTable(models: readonly { provider: string; priceId: string }[], source: string, now = Date.now()): PriceTable {
  const out: PriceTable = { source, models: {} };
  for (const m of models) {
    const key = tableKey(m.provider, m.priceId);
    if (!(key in out.models)) {
      out.models[key] = variantsOf(m.provider, m.priceId, now);
    }
  }
  return out;
}
