// Prices come from @pydantic/genai-prices' bundled data (offline). A model it does not know has
// an unknown price: that is a state of its own, never $0. The daemon's bundle carries a compact
// table of the catalog's models (priceTable.ts, made at build time from the same library): the
// library itself (about 20 MB resident) is loaded only for a model the table does not hold, and
// that model's variants are then probed once, as the build probes the table's.
//
// calcPrice matches the model id against every provider's patterns on each call (~0.1 ms), and
// the chat pipeline prices every request twice (estimate, settle). Within one price tier a cost is
// linear in each token count and the tier depends only on input tokens, so per-token rates probed
// once per variant and tier give the library's cost; the variant in force (a dated or a
// time-of-day price) is chosen at each call, as the library chooses it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Usage } from '../protocol/chat';
import { RouterError } from '../protocol/errors';
import { probedVariants } from './priceProbe';
import { ratesFor, tableKey, variantAt, type PriceTable, type PriceVariant, type Rates } from './priceTable';

export { genaiPrices, genaiPricesLoaded, libraryProviderId } from './priceProbe';

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

// The bundle ships dist/price-table.json (esbuild.mjs); under tests (tsx) there is none and every
// model is probed from the library on first use, unless a test installs a table.
let table: PriceTable | null | undefined;
/** Variants probed at run time, for models the table does not hold. */
const probed = new Map<string, PriceVariant[] | null>();

function priceTable(): PriceTable | null {
  if (table === undefined) {
    const file = join(__dirname, 'price-table.json');
    table = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as PriceTable) : null;
  }
  return table;
}

/**
 * Variants per model object: the router prices every candidate of every decision, and catalog
 * models are long-lived objects, so the key is built and looked up once per model.
 */
let variantsByModel = new WeakMap<PricedModel, PriceVariant[] | null>();
/** Whether a price object's units are plausible, checked once per object (table prices are shared). */
let plausible = new WeakMap<ModelPrice, boolean>();

/** Replaces the table (tests); null probes every model from the library. */
export function usePriceTable(next: PriceTable | null): void {
  table = next;
  probed.clear();
  variantsByModel = new WeakMap();
  plausible = new WeakMap();
}

/** The model's price variants (null: the library has no price for it). */
function variantsOf(model: PricedModel): PriceVariant[] | null {
  let v = variantsByModel.get(model);
  if (v === undefined) {
    v = lookUpVariants(model);
    variantsByModel.set(model, v);
  }
  return v;
}

function lookUpVariants(model: PricedModel): PriceVariant[] | null {
  const key = tableKey(model.provider, model.priceId);
  const fromTable = priceTable()?.models[key];
  if (fromTable !== undefined) {
    return fromTable;
  }
  let v = probed.get(key);
  if (v === undefined) {
    v = probedVariants(model.provider, model.priceId, Date.now());
    probed.set(key, v);
  }
  return v;
}

/** Per-MTok prices at the base tier, as in force at `at` (default now); null when the price is unknown. */
export function priceOf(model: PricedModel, at?: Date): ModelPrice | null {
  if (model.priceOverride !== undefined) {
    return usableOverride(model.priceOverride);
  }
  const variants = variantsOf(model);
  const price = variants === null ? null : (variantAt(variants, at ?? new Date())?.price ?? null);
  // Bundled data with broken units is treated as unknown rather than trusted.
  return price !== null && isPlausible(price) ? price : null;
}

function isPlausible(price: ModelPrice): boolean {
  let ok = plausible.get(price);
  if (ok === undefined) {
    ok = priceProblem(price) === null;
    plausible.set(price, ok);
  }
  return ok;
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
  const rates = ratesOf(variantsOf(model), usage.inputTokens, at ?? new Date());
  if (rates === null) {
    return null;
  }
  const uncached = Math.max(0, usage.inputTokens - usage.cachedInputTokens - usage.cacheWriteTokens);
  return uncached * rates.input + usage.cachedInputTokens * rates.cacheRead + usage.cacheWriteTokens * rates.cacheWrite + usage.outputTokens * rates.output;
}

/** The variant's rates for this call, at the variant in force at `at`. */
function ratesOf(variants: PriceVariant[] | null, inputTokens: number, at: Date): Rates | null {
  const v = variants === null ? undefined : variantAt(variants, at);
  return v === undefined ? null : ratesFor(v, inputTokens);
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
