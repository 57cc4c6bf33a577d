// Builds the compact price table (priceTable.ts) from @pydantic/genai-prices: run at build time by
// scripts/priceTable.ts, never by the daemon.
import { probedVariants } from './priceProbe';
import { tableKey, type PriceTable } from './priceTable';

/** The table for these models (the catalog's), from the genai-prices version installed. */
export function buildPriceTable(models: readonly { provider: string; priceId: string }[], source: string, now = Date.now()): PriceTable {
  const out: PriceTable = { source, models: {} };
  for (const m of models) {
    const key = tableKey(m.provider, m.priceId);
    if (!(key in out.models)) {
      out.models[key] = probedVariants(m.provider, m.priceId, now);
    }
  }
  return out;
}
