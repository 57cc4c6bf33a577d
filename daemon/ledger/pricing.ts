// Prices come from @pydantic/genai-prices' bundled data (offline). A model it does not know has
// an unknown price: that is a state of its own, never $0.
import { calcPrice } from '@pydantic/genai-prices';
import type { Usage } from '../protocol/chat';

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

const PROVIDER_IDS: Record<string, string> = { xai: 'x-ai' };

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
    return model.priceOverride;
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
      cache.set(key, { inputPerMTok: input, outputPerMTok: output, cachedInputPerMTok: cached, cacheWritePerMTok: write });
    }
  }
  return cache.get(key) ?? null;
}

/** The cost of a finished call, including tiered and cache prices; null when unknown. */
export function costOf(model: PricedModel, usage: Usage): number | null {
  if (model.priceOverride === null) {
    return null;
  }
  if (model.priceOverride !== undefined) {
    const p = model.priceOverride;
    const uncached = Math.max(0, usage.inputTokens - usage.cachedInputTokens - usage.cacheWriteTokens);
    return (uncached * p.inputPerMTok + usage.cachedInputTokens * p.cachedInputPerMTok + usage.cacheWriteTokens * p.cacheWritePerMTok + usage.outputTokens * p.outputPerMTok) / 1e6;
  }
  return lookup(model.provider, model.priceId, {
    input_tokens: usage.inputTokens,
    cache_read_tokens: usage.cachedInputTokens,
    cache_write_tokens: usage.cacheWriteTokens,
    output_tokens: usage.outputTokens,
  });
}

/** An estimate before the call, from token counts alone. */
export function estimateCost(price: ModelPrice | null, inputTokens: number, outputTokens: number): number | null {
  if (price === null) {
    return null;
  }
  return (inputTokens * price.inputPerMTok + outputTokens * price.outputPerMTok) / 1e6;
}
