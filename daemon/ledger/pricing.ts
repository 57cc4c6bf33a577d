// Prices come from @pydantic/genai-prices' bundled data (offline). A model it does not know has
// an unknown price: that is a state of its own, never $0.
import { calcPrice } from '@pydantic/genai-prices';
import type { Usage } from '../protocol/chat';
import { RouterError } from '../protocol/errors';

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

const PROVIDER_IDS: Record<string, string> = { xai: 'x-ai', moonshot: 'moonshotai' };

function lookup(provider: string, priceId: string, usage: Record<string, number>): number | null {
  try {
    const r = calcPrice(usage, priceId, { providerId: PROVIDER_IDS[provider] ?? provider });
    return r ? r.total_price : null;
  } catch {
    return null;
  }
}

const cache = new Map<string, ModelPrice | null>();

/** Per-MTok prices at the base tier; null when the price is unknown. */
export function priceOf(model: PricedModel): ModelPrice | null {
  if (model.priceOverride !== undefined) {
    return usableOverride(model.priceOverride);
  }
  const key = `${model.provider}/${model.priceId}`;
  if (!cache.has(key)) {
    const input = lookup(model.provider, model.priceId, { input_tokens: 1e6 });
    const output = lookup(model.provider, model.priceId, { output_tokens: 1e6 });
    if (input === null || output === null) {
      cache.set(key, null);
    } else {
      const cached = lookup(model.provider, model.priceId, { input_tokens: 1e6, cache_read_tokens: 1e6 }) ?? input;
      const write = lookup(model.provider, model.priceId, { input_tokens: 1e6, cache_write_tokens: 1e6 }) ?? input;
      const price = { inputPerMTok: input, outputPerMTok: output, cachedInputPerMTok: cached, cacheWritePerMTok: write };
      // Bundled data with broken units is treated as unknown rather than trusted.
      cache.set(key, priceProblem(price) === null ? price : null);
    }
  }
  return cache.get(key) ?? null;
}

/** The cost of a finished call, including tiered and cache prices; null when unknown. */
export function costOf(model: PricedModel, usage: Usage): number | null {
  if (model.priceOverride !== undefined) {
    const p = usableOverride(model.priceOverride);
    if (p === null) {
      return null;
    }
    const uncached = Math.max(0, usage.inputTokens - usage.cachedInputTokens - usage.cacheWriteTokens);
    return (uncached * p.inputPerMTok + usage.cachedInputTokens * p.cachedInputPerMTok + usage.cacheWriteTokens * p.cacheWritePerMTok + usage.outputTokens * p.outputPerMTok) / 1e6;
  }
  const rates = ratesAt(model, usage.inputTokens);
  if (rates === 'unknown') {
    return null;
  }
  if (rates !== 'slow') {
    const uncached = Math.max(0, usage.inputTokens - usage.cachedInputTokens - usage.cacheWriteTokens);
    return uncached * rates.input + usage.cachedInputTokens * rates.cacheRead + usage.cacheWriteTokens * rates.cacheWrite + usage.outputTokens * rates.output;
  }
  return lookup(model.provider, model.priceId, {
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
interface Rates {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}
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
      const r = calcPrice({ input_tokens: 1 }, priceId, { providerId: PROVIDER_IDS[provider] ?? provider });
      if (r) {
        const thresholds = new Set<number>();
        for (const v of Object.values(r.model_price)) {
          if (typeof v === 'object' && v !== null) {
            for (const t of v.tiers) {
              thresholds.add(t.start);
            }
          }
        }
        shape = { conditional: Array.isArray(r.model.prices), thresholds: [...thresholds].sort((a, b) => a - b) };
      }
    } catch {
      shape = null;
    }
    shapes.set(key, shape);
  }
  return shapes.get(key) ?? null;
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
    const next = shape.thresholds.find((t) => t > tier);
    // A probe size inside this tier: above its start, at or below the next one.
    const n = tier >= 0 ? tier + 1 : Math.min(1_000_000, next ?? 1_000_000);
    const base = lookup(model.provider, model.priceId, { input_tokens: n });
    const withOut = lookup(model.provider, model.priceId, { input_tokens: n, output_tokens: 1_000_000 });
    const read = lookup(model.provider, model.priceId, { input_tokens: n, cache_read_tokens: n });
    const write = lookup(model.provider, model.priceId, { input_tokens: n, cache_write_tokens: n });
    rateCache.set(
      key,
      base === null || withOut === null
        ? null
        : { input: base / n, output: (withOut - base) / 1_000_000, cacheRead: (read ?? base) / n, cacheWrite: (write ?? base) / n },
    );
  }
  return rateCache.get(key) ?? 'unknown';
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
