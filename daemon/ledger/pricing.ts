// Prices come from @pydantic/genai-prices' bundled data (offline). A model it does not know has
// an unknown price: that is a state of its own, never $0. The daemon's bundle carries a compact
// table of the catalog's models (priceTable.ts, made at build time from the same library): the
// library itself (about 20 MB resident) is loaded only for a model the table does not hold.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Usage } from '../protocol/chat';
import { RouterError } from '../protocol/errors';
import { ratesFor, tableKey, variantAt, type PriceTable, type PriceVariant, type Rates } from './priceTable';

/** USD per million tokens. */
export interface ModelPrice {
  inputPerMTok: number;
  outputPerMTok: number;
  cachedInputPerMTok: number;
  cacheWritePerMTok: number;
}

export interface PricedModel {
  provider: string;
  /** The id genai-prices knows the model by (usually the provider's own id). */
  priceId: string;
  /** A user override from settings wins over the bundled data. */
  priceOverride?: ModelPrice | null;
}

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

// ---- the build-time table ------------------------------------------------------------------------
// The bundle ships dist/price-table.json (esbuild.mjs); under tests (tsx) there is none and every
// price comes from the library, unless a test installs a table.
let table: PriceTable | null | undefined;

function priceTable(): PriceTable | null {
  if (table === undefined) {
    const file = join(__dirname, 'price-table.json');
    table = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as PriceTable) : null;
  }
  return table;
}

/** Replaces the table (tests); null prices everything from the library. */
export function usePriceTable(next: PriceTable | null): void {
  table = next;
  cache.clear();
  shapes.clear();
  rateCache.clear();
}

/** The model's variants from the table; undefined when the table does not hold it. */
function tableEntry(model: PricedModel): PriceVariant[] | null | undefined {
  return priceTable()?.models[tableKey(model.provider, model.priceId)];
}

const cache = new Map<string, ModelPrice | null>();

/** Per-MTok prices at the base tier; null when the price is unknown. */
export function priceOf(model: PricedModel): ModelPrice | null {
  if (model.priceOverride !== undefined) {
    return usableOverride(model.priceOverride);
  }
  const variants = tableEntry(model);
  if (variants !== undefined) {
    const price = variants === null ? null : (variantAt(variants, new Date())?.price ?? null);
    return price !== null && priceProblem(price) === null ? price : null;
  }
  const key = tableKey(model.provider, model.priceId);
  if (!cache.has(key)) {
    const price = probePrice(libraryLookup(model.provider, model.priceId));
    // Bundled data with broken units is treated as unknown rather than trusted.
    cache.set(key, price !== null && priceProblem(price) === null ? price : null);
  }
  return cache.get(key) ?? null;
}

/** The cost of a finished call at `at` (default now), including tiered and cache prices; null when unknown. */
export function costOf(model: PricedModel, usage: Usage, at?: Date): number | null {
  if (model.priceOverride !== undefined) {
    const p = usableOverride(model.priceOverride);
    if (p === null) {
      return null;
    }
    const uncached = Math.max(0, usage.inputTokens - usage.cachedInputTokens - usage.cacheWriteTokens);
    return (uncached * p.inputPerMTok + usage.cachedInputTokens * p.cachedInputPerMTok + usage.cacheWriteTokens * p.cacheWritePerMTok + usage.outputTokens * p.outputPerMTok) / 1e6;
  }
  const variants = tableEntry(model);
  const rates = variants === undefined ? ratesAt(model, usage.inputTokens) : tableRates(variants, usage.inputTokens, at ?? new Date());
  if (rates === 'unknown') {
    return null;
  }
  if (rates !== 'slow') {
    const uncached = Math.max(0, usage.inputTokens - usage.cachedInputTokens - usage.cacheWriteTokens);
    return uncached * rates.input + usage.cachedInputTokens * rates.cacheRead + usage.cacheWriteTokens * rates.cacheWrite + usage.outputTokens * rates.output;
  }
  return libraryLookup(model.provider, model.priceId, at)({
    input_tokens: usage.inputTokens,
    cache_read_tokens: usage.cachedInputTokens,
    cache_write_tokens: usage.cacheWriteTokens,
    output_tokens: usage.outputTokens,
  });
}

// ---- fast path ---------------------------------------------------------------------------------
// calcPrice matches the model id against every provider's patterns on each call (~0.1 ms), and
// the chat pipeline prices every request twice (estimate, settle). Within one price tier a cost is
// linear in each token count, and the tier depends only on input tokens, so per-token rates are
// probed once per (model, tier) from calcPrice itself and reused. Models whose price depends on
// the date or time of day keep calling calcPrice.
interface PriceShape {
  conditional: boolean;
  /** Tier starts (input tokens); a tier applies when input tokens exceed its start. */
  thresholds: number[];
}

const shapes = new Map<string, PriceShape | null>();
const rateCache = new Map<string, Rates | null>();

function shapeOf(provider: string, priceId: string): PriceShape | null {
  const key = `${provider}/${priceId}`;
  if (!shapes.has(key)) {
    let shape: PriceShape | null = null;
    try {
      const r = genaiPrices().calcPrice({ input_tokens: 1 }, priceId, { providerId: libraryProviderId(provider) });
      if (r) {
        shape = { conditional: Array.isArray(r.model.prices), thresholds: tierStarts(r.model_price) };
      }
    } catch {
      shape = null;
    }
    shapes.set(key, shape);
  }
  return shapes.get(key) ?? null;
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

function ratesAt(model: PricedModel, inputTokens: number): Rates | 'unknown' | 'slow' {
  const shape = shapeOf(model.provider, model.priceId);
  if (shape === null) {
    return 'unknown';
  }
  if (shape.conditional) {
    return 'slow';
  }
  let tier = -1;
  for (const t of shape.thresholds) {
    if (inputTokens > t) {
      tier = t;
    }
  }
  const key = `${model.provider}/${model.priceId}/${tier}`;
  if (!rateCache.has(key)) {
    rateCache.set(key, probeRates(libraryLookup(model.provider, model.priceId), tier, shape.thresholds));
  }
  return rateCache.get(key) ?? 'unknown';
}

/** The table's rates for this call, at the variant in force now. */
function tableRates(variants: PriceVariant[] | null, inputTokens: number, at: Date): Rates | 'unknown' {
  const v = variants === null ? undefined : variantAt(variants, at);
  return (v === undefined ? null : ratesFor(v, inputTokens)) ?? 'unknown';
}

/** An estimate before the call, from token counts alone. */
export function estimateCost(price: ModelPrice | null, inputTokens: number, outputTokens: number): number | null {
  if (price === null) {
    return null;
  }
  return (inputTokens * price.inputPerMTok + outputTokens * price.outputPerMTok) / 1e6;
}

// ---- unit sanity -------------------------------------------------------------------------------
// The most expensive listed text model costs well under $1000 per million tokens. A price above
// that, or a provider-reported cost a thousand times off our own, is a units mistake (per token vs
// per million, cents vs dollars), not a price: it is rejected or flagged, never summed silently.
export const MAX_PLAUSIBLE_PER_MTOK = 1000;
const REPORTED_COST_TOLERANCE = 100;

/** Why a price cannot be used, or null when it is plausible. */
export function priceProblem(price: ModelPrice): string | null {
  for (const [name, value] of Object.entries(price)) {
    if (!Number.isFinite(value) || value < 0) {
      return `${name} must be a finite, non-negative USD amount per million tokens (got ${String(value)})`;
    }
    if (value > MAX_PLAUSIBLE_PER_MTOK) {
      return `${name} of $${value} per million tokens is above $${MAX_PLAUSIBLE_PER_MTOK}: prices are per million tokens, not per token or per thousand`;
    }
  }
  return null;
}

export function assertPlausiblePrice(model: string, price: ModelPrice): ModelPrice {
  const problem = priceProblem(price);
  if (problem !== null) {
    throw new RouterError('implausiblePrice', `price for ${model} rejected: ${problem}`, { model, ...price });
  }
  return price;
}

export type CostCheck = 'ok' | 'reportedCostIgnored' | 'reportedCostUsed' | 'reportedCostImplausible';

export interface SettledCost {
  /** null = price unknown. */
  costUsd: number | null;
  costState: 'known' | 'unknown';
  check: CostCheck;
  /** A person-readable note when the provider's own figure disagreed with ours. */
  note: string | null;
}

/**
 * The cost of a finished call. Our computed cost (usage × price, tiers included) is the ledger's
 * figure; a provider-reported cost is used only when we have no price, and only if its order of
 * magnitude is plausible for the tokens billed.
 */
export function settleCost(model: PricedModel, usage: Usage, reportedCostUsd?: number | null): SettledCost {
  const computed = costOf(model, usage);
  const reported = reportedCostUsd ?? null;
  const tokens = usage.inputTokens + usage.outputTokens;
  if (computed !== null && Number.isFinite(computed) && computed >= 0) {
    if (reported === null) {
      return { costUsd: computed, costState: 'known', check: 'ok', note: null };
    }
    const off = computed === 0 ? (reported === 0 ? 1 : Number.POSITIVE_INFINITY) : reported / computed;
    if (off > REPORTED_COST_TOLERANCE || off < 1 / REPORTED_COST_TOLERANCE || !Number.isFinite(off)) {
      return {
        costUsd: computed,
        costState: 'known',
        check: 'reportedCostIgnored',
        note: `provider reported $${reported} but usage × price is $${computed.toPrecision(6)} (${off.toPrecision(3)}×): wrong units, ignored`,
      };
    }
    return { costUsd: computed, costState: 'known', check: 'ok', note: null };
  }
  if (reported !== null) {
    const perMTok = tokens > 0 ? (reported / tokens) * 1e6 : reported > 0 ? Number.POSITIVE_INFINITY : 0;
    if (Number.isFinite(reported) && reported >= 0 && perMTok <= MAX_PLAUSIBLE_PER_MTOK) {
      return { costUsd: reported, costState: 'known', check: 'reportedCostUsed', note: 'price unknown: the provider-reported cost is used' };
    }
    return {
      costUsd: null,
      costState: 'unknown',
      check: 'reportedCostImplausible',
      note: `price unknown, and the provider-reported $${reported} for ${tokens} tokens is implausible ($${perMTok.toPrecision(3)}/MTok)`,
    };
  }
  return { costUsd: null, costState: 'unknown', check: 'ok', note: null };
}

/** A user's price with broken units (per token instead of per million) counts as unknown, never as a price. */
function usableOverride(price: ModelPrice | null): ModelPrice | null {
  return price !== null && priceProblem(price) === null ? price : null;
}

/** The price of `model` with an override applied, the override checked for units first. */
export function withOverride(model: PricedModel, override: ModelPrice | null | undefined): PricedModel {
  if (override === undefined) {
    return model;
  }
  return { ...model, priceOverride: override === null ? null : assertPlausiblePrice(model.priceId, override) };
}
