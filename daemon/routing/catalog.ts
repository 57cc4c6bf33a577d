// The models the router can choose from. Prices are looked up (never written here); the quality
// prior is a 0..1 judgement from public leaderboards, refined by the learned model and feedback.
import type { Capability } from '../protocol/routing';
import type { ModelOverride } from '../protocol/routing-methods';
import { RouterError } from '../protocol/errors';
import { priceOf, type ModelPrice } from '../ledger/pricing';
import type { CategoryQuality } from './taskCategories';
import { inferModel } from './modelInference';

export interface CatalogModel {
  /** Our id, as clients name it (`model: "gpt-4o-mini"`). */
  id: string;
  provider: string;
  /** The id sent to the provider. */
  apiModel: string;
  /** The id genai-prices knows it by. */
  priceId: string;
  contextWindow: number;
  maxOutputTokens: number;
  capabilities: Capability[];
  qualityPrior: number;
  /** Quality 0..1 per task category, from the catalog data file (sources there); absent: unknown. */
  qualityByCategory?: CategoryQuality;
  /** Typical time to first token and output speed, before live statistics exist. */
  latencyPrior: { ttftMs: number; tokensPerSecond: number };
  priceOverride?: ModelPrice | null;
  /** Not listed: inferred from a requested id's name (modelInference.ts); never an `auto` candidate. */
  inferred?: boolean;
}

type Entry = Omit<CatalogModel, 'apiModel' | 'priceId'> & { apiModel?: string; priceId?: string };

const ALL: Capability[] = ['tools', 'vision', 'json'];
const TEXT_TOOLS: Capability[] = ['tools', 'json'];

const BUILT_IN: Entry[] = [
  { id: 'gpt-4.1', provider: 'openai', contextWindow: 1_047_576, maxOutputTokens: 32_768, capabilities: ALL, qualityPrior: 0.84, latencyPrior: { ttftMs: 450, tokensPerSecond: 80 } },
  { id: 'gpt-4.1-mini', provider: 'openai', contextWindow: 1_047_576, maxOutputTokens: 32_768, capabilities: ALL, qualityPrior: 0.76, latencyPrior: { ttftMs: 350, tokensPerSecond: 110 } },
  { id: 'gpt-4.1-nano', provider: 'openai', contextWindow: 1_047_576, maxOutputTokens: 32_768, capabilities: ALL, qualityPrior: 0.6, latencyPrior: { ttftMs: 250, tokensPerSecond: 150 } },
  { id: 'gpt-4o', provider: 'openai', contextWindow: 128_000, maxOutputTokens: 16_384, capabilities: ALL, qualityPrior: 0.8, latencyPrior: { ttftMs: 450, tokensPerSecond: 90 } },
  { id: 'gpt-4o-mini', provider: 'openai', contextWindow: 128_000, maxOutputTokens: 16_384, capabilities: ALL, qualityPrior: 0.66, latencyPrior: { ttftMs: 350, tokensPerSecond: 110 } },
  { id: 'o4-mini', provider: 'openai', contextWindow: 200_000, maxOutputTokens: 100_000, capabilities: ALL, qualityPrior: 0.88, latencyPrior: { ttftMs: 2500, tokensPerSecond: 120 } },
  { id: 'claude-opus-4', provider: 'anthropic', apiModel: 'claude-opus-4-20250514', contextWindow: 200_000, maxOutputTokens: 32_000, capabilities: ALL, qualityPrior: 0.93, latencyPrior: { ttftMs: 1500, tokensPerSecond: 40 } },
  { id: 'claude-sonnet-4', provider: 'anthropic', apiModel: 'claude-sonnet-4-20250514', contextWindow: 200_000, maxOutputTokens: 64_000, capabilities: ALL, qualityPrior: 0.9, latencyPrior: { ttftMs: 900, tokensPerSecond: 60 } },
  { id: 'claude-3-5-haiku', provider: 'anthropic', apiModel: 'claude-3-5-haiku-20241022', contextWindow: 200_000, maxOutputTokens: 8_192, capabilities: ALL, qualityPrior: 0.68, latencyPrior: { ttftMs: 600, tokensPerSecond: 65 } },
  { id: 'gemini-2.5-pro', provider: 'google', contextWindow: 1_048_576, maxOutputTokens: 65_536, capabilities: ALL, qualityPrior: 0.92, latencyPrior: { ttftMs: 2000, tokensPerSecond: 90 } },
  { id: 'gemini-2.5-flash', provider: 'google', contextWindow: 1_048_576, maxOutputTokens: 65_536, capabilities: ALL, qualityPrior: 0.8, latencyPrior: { ttftMs: 700, tokensPerSecond: 180 } },
  { id: 'gemini-2.0-flash', provider: 'google', contextWindow: 1_048_576, maxOutputTokens: 8_192, capabilities: ALL, qualityPrior: 0.65, latencyPrior: { ttftMs: 400, tokensPerSecond: 200 } },
  { id: 'deepseek-chat', provider: 'deepseek', contextWindow: 64_000, maxOutputTokens: 8_192, capabilities: TEXT_TOOLS, qualityPrior: 0.78, latencyPrior: { ttftMs: 1200, tokensPerSecond: 35 } },
  { id: 'deepseek-reasoner', provider: 'deepseek', contextWindow: 64_000, maxOutputTokens: 32_768, capabilities: ['json'], qualityPrior: 0.86, latencyPrior: { ttftMs: 5000, tokensPerSecond: 30 } },
  { id: 'mistral-large', provider: 'mistral', apiModel: 'mistral-large-latest', priceId: 'mistral-large-latest', contextWindow: 128_000, maxOutputTokens: 8_192, capabilities: TEXT_TOOLS, qualityPrior: 0.72, latencyPrior: { ttftMs: 600, tokensPerSecond: 60 } },
  { id: 'mistral-small', provider: 'mistral', apiModel: 'mistral-small-latest', priceId: 'mistral-small-latest', contextWindow: 32_000, maxOutputTokens: 8_192, capabilities: TEXT_TOOLS, qualityPrior: 0.58, latencyPrior: { ttftMs: 400, tokensPerSecond: 100 } },
  { id: 'llama-3.1-8b-instant', provider: 'groq', contextWindow: 131_072, maxOutputTokens: 8_192, capabilities: TEXT_TOOLS, qualityPrior: 0.45, latencyPrior: { ttftMs: 150, tokensPerSecond: 700 } },
  { id: 'llama-3.3-70b-versatile', provider: 'groq', contextWindow: 131_072, maxOutputTokens: 32_768, capabilities: TEXT_TOOLS, qualityPrior: 0.7, latencyPrior: { ttftMs: 250, tokensPerSecond: 275 } },
  { id: 'grok-3', provider: 'xai', contextWindow: 131_072, maxOutputTokens: 16_384, capabilities: TEXT_TOOLS, qualityPrior: 0.85, latencyPrior: { ttftMs: 800, tokensPerSecond: 60 } },
  { id: 'grok-3-mini', provider: 'xai', contextWindow: 131_072, maxOutputTokens: 16_384, capabilities: TEXT_TOOLS, qualityPrior: 0.74, latencyPrior: { ttftMs: 600, tokensPerSecond: 90 } },
];

/** Live latency observed by the providers layer; the router prefers it over the catalog's prior. */
export interface LatencyStats {
  ttftMs: number;
  tokensPerSecond: number;
  samples: number;
}

/**
 * What the providers layer tells the router about each model right now. The router only reads it,
 * so a simple in-memory implementation (`InMemoryModelStats`) or a store-backed one both fit.
 */
export interface ModelStats {
  latency(modelId: string): LatencyStats | null;
  /** False while the model's circuit is open (recent failures): it is skipped, not scored. */
  isHealthy(modelId: string): boolean;
}

/** Exponentially weighted latency per model, fed by `observe` after each call. */
export class InMemoryModelStats implements ModelStats {
  private readonly byModel = new Map<string, LatencyStats>();
  private readonly unhealthy = new Set<string>();
  constructor(private readonly alpha = 0.2) {}

  observe(modelId: string, ttftMs: number, tokensPerSecond: number): void {
    const prev = this.byModel.get(modelId);
    if (!prev) {
      this.byModel.set(modelId, { ttftMs, tokensPerSecond, samples: 1 });
      return;
    }
    const a = this.alpha;
    this.byModel.set(modelId, {
      ttftMs: prev.ttftMs * (1 - a) + ttftMs * a,
      tokensPerSecond: prev.tokensPerSecond * (1 - a) + tokensPerSecond * a,
      samples: prev.samples + 1,
    });
  }

  setHealthy(modelId: string, healthy: boolean): void {
    if (healthy) {
      this.unhealthy.delete(modelId);
    } else {
      this.unhealthy.add(modelId);
    }
  }

  latency(modelId: string): LatencyStats | null {
    return this.byModel.get(modelId) ?? null;
  }

  isHealthy(modelId: string): boolean {
    return !this.unhealthy.has(modelId);
  }
}

export class Catalog {
  private readonly byId: Map<string, CatalogModel>;
  /** Models adopted by name (see `resolveConcrete`): found by `get`, never in `list`. */
  private readonly inferred = new Map<string, CatalogModel>();

  constructor(models: CatalogModel[]) {
    this.byId = new Map(models.map((m) => [m.id, m]));
  }

  /** Built-in models with the user's overrides (from settings or `catalog/update`) applied. */
  /** `where` names the overrides' source (e.g. the config file) in an error about them. */
  static withOverrides(overrides: ModelOverride[], where?: string): Catalog {
    const c = Catalog.builtIn();
    try {
      c.update(overrides);
    } catch (e) {
      if (where !== undefined && e instanceof RouterError) {
        throw new RouterError(e.code, `${where}: ${e.message}`, e.details);
      }
      throw e;
    }
    return c;
  }

  /**
   * Applies overrides in place: a known id is patched, a new id is added (it then needs a provider
   * and a context window). `price: null` marks the price as unknown; omitting it keeps genai-prices.
   */
  update(overrides: ModelOverride[]): { added: string[]; updated: string[] } {
    const added: string[] = [];
    const updated: string[] = [];
    for (const o of overrides) {
      const prev = this.byId.get(o.id);
      if (!prev && (o.provider === undefined || o.contextWindow === undefined)) {
        throw new RouterError('invalidParams', `new model "${o.id}" needs a provider and a contextWindow`, { model: o.id });
      }
      const base: CatalogModel = prev ?? {
        id: o.id,
        provider: o.provider ?? '',
        apiModel: o.apiModel ?? o.id,
        priceId: o.priceId ?? o.apiModel ?? o.id,
        contextWindow: o.contextWindow ?? 0,
        maxOutputTokens: o.maxOutputTokens ?? 4096,
        capabilities: o.capabilities ?? [],
        qualityPrior: o.qualityPrior ?? 0.5,
        latencyPrior: o.latencyPrior ?? { ttftMs: 800, tokensPerSecond: 60 },
      };
      const next: CatalogModel = {
        ...base,
        ...(o.provider !== undefined ? { provider: o.provider } : {}),
        ...(o.apiModel !== undefined ? { apiModel: o.apiModel } : {}),
        ...(o.priceId !== undefined ? { priceId: o.priceId } : {}),
        ...(o.contextWindow !== undefined ? { contextWindow: o.contextWindow } : {}),
        ...(o.maxOutputTokens !== undefined ? { maxOutputTokens: o.maxOutputTokens } : {}),
        ...(o.capabilities !== undefined ? { capabilities: o.capabilities } : {}),
        ...(o.qualityPrior !== undefined ? { qualityPrior: o.qualityPrior } : {}),
        ...(o.latencyPrior !== undefined ? { latencyPrior: o.latencyPrior } : {}),
      };
      if (o.price !== undefined) {
        next.priceOverride = o.price === null ? null : { cachedInputPerMTok: o.price.inputPerMTok, cacheWritePerMTok: o.price.inputPerMTok, ...o.price };
      }
      this.byId.set(o.id, next);
      (prev ? updated : added).push(o.id);
    }
    return { added, updated };
  }

  static builtIn(): Catalog {
    return new Catalog(BUILT_IN.map((e) => ({ ...e, apiModel: e.apiModel ?? e.id, priceId: e.priceId ?? e.apiModel ?? e.id })));
  }

  list(): CatalogModel[] {
    return [...this.byId.values()];
  }

  get(id: string): CatalogModel | undefined {
    return this.byId.get(id) ?? this.inferred.get(id);
  }

  /**
   * A concrete id a request names: the listed model, or one inferred from a name whose provider is
   * plain (`claude-*`, `gpt-*`, `o<N>*`, `gemini-*`, `grok-*`, `deepseek-*`), adopted so the rest of
   * the pipeline finds it with `get`. Undefined when neither applies.
   */
  resolveConcrete(id: string): CatalogModel | undefined {
    const known = this.get(id);
    if (known) {
      return known;
    }
    const m = inferModel(id);
    if (m) {
      // Bounded: a client cycling through made-up names must not grow this forever.
      if (this.inferred.size >= 256) {
        const oldest = this.inferred.keys().next().value;
        if (oldest !== undefined) {
          this.inferred.delete(oldest);
        }
      }
      this.inferred.set(id, m);
    }
    return m ?? undefined;
  }

  price(model: CatalogModel): ModelPrice | null {
    return priceOf(model);
  }
}
