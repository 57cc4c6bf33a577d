// The models the router can choose from: the shipped data file (data/models.json: quality per
// task category, latency, reasoning levels, each figure with its source) plus the user's own models
// and overrides from config.json or `catalog/update`. Prices are looked up (never written here).
import type { Capability } from '../protocol/routing';
import type { ModelOverride } from '../protocol/routing-methods';
import { RouterError } from '../protocol/errors';
import { priceOf, type ModelPrice } from '../ledger/pricing';
import type { CategoryQuality } from './taskCategories';
import { derivePrior, shippedCatalogData, type CatalogData, type DataModelResolved, type ReasoningSpec } from './catalogData';
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
  /** One prompt-independent quality (0..1), derived from `qualityByCategory` when that is known. */
  qualityPrior: number;
  /** Quality 0..1 per task category, from the catalog data file (sources there); absent: unknown. */
  qualityByCategory?: CategoryQuality;
  /** Typical time to first token (no thinking) and output speed, before live statistics exist. */
  latencyPrior: { ttftMs: number; tokensPerSecond: number };
  /** Effort levels (or thinking budgets) the model takes; absent: it does not reason. */
  reasoning?: ReasoningSpec;
  /** Where the data file's figures come from; absent for a model defined in config.json. */
  provenance?: DataModelResolved['provenance'];
  /** Defined or changed by the user (config.json routing.models, catalog/update). */
  userDefined?: boolean;
  priceOverride?: ModelPrice | null;
  /** Not listed: inferred from a requested id's name (modelInference.ts); never an `auto` candidate. */
  inferred?: boolean;
}

function fromData(m: DataModelResolved): CatalogModel {
  const out: CatalogModel = {
    id: m.id,
    provider: m.provider,
    apiModel: m.apiModel,
    priceId: m.priceId,
    contextWindow: m.contextWindow,
    maxOutputTokens: m.maxOutputTokens,
    capabilities: m.capabilities,
    qualityPrior: m.qualityPrior,
    qualityByCategory: m.qualityByCategory,
    latencyPrior: m.latencyPrior,
    provenance: m.provenance,
  };
  if (m.reasoning) {
    out.reasoning = m.reasoning;
  }
  return out;
}

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
  private byId: Map<string, CatalogModel>;
  private data: CatalogData | null;
  /** Every override applied so far, in order: re-applied when a newer data file replaces the figures. */
  private readonly applied: ModelOverride[] = [];
  private changes = 0;
  /** Models adopted by name (see `resolveConcrete`): found by `get`, never in `list`. */
  private readonly inferred = new Map<string, CatalogModel>();

  constructor(models: CatalogModel[], data: CatalogData | null = null) {
    this.byId = new Map(models.map((m) => [m.id, m]));
    this.data = data;
  }

  /** The shipped data file's models. */
  static builtIn(): Catalog {
    return Catalog.fromData(shippedCatalogData());
  }

  static fromData(data: CatalogData): Catalog {
    return new Catalog(data.models.map(fromData), data);
  }

  /** Built-in models with the user's overrides (from settings or `catalog/update`) applied. */
  /** `where` names the overrides' source (e.g. the config file) in an error about them. */
  static withOverrides(overrides: ModelOverride[], where?: string, data: CatalogData = shippedCatalogData()): Catalog {
    const c = Catalog.fromData(data);
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

  /** Bumped on every change, so caches derived from the catalog know to rebuild. */
  get version(): number {
    return this.changes;
  }

  /** The data file behind the catalog: date, origin, methods and sources. */
  info(): Pick<CatalogData, 'updated' | 'file' | 'methods' | 'sources'> | null {
    return this.data ? { updated: this.data.updated, file: this.data.file, methods: this.data.methods, sources: this.data.sources } : null;
  }

  /**
   * Replaces the data file's figures with a newer file's (already validated) and re-applies the
   * user's overrides on top. All or nothing: if an override no longer applies, nothing changes.
   */
  replaceData(data: CatalogData): { added: string[]; updated: string[] } {
    const next = new Catalog(data.models.map(fromData), data);
    next.update(this.applied);
    const added = next.list().filter((m) => !this.byId.has(m.id)).map((m) => m.id);
    const updated = next.list().filter((m) => this.byId.has(m.id)).map((m) => m.id);
    this.byId = next.byId;
    this.data = data;
    this.changes++;
    return { added, updated };
  }

  /**
   * Applies overrides in place: a known id is patched, a new id is added (it then needs a provider
   * and a context window). `price: null` marks the price as unknown; omitting it keeps genai-prices.
   * `like` copies another model's quality figures; `qualityByCategory` sets them (and the prior).
   * All or nothing: a bad override leaves the catalog as it was.
   */
  update(overrides: ModelOverride[]): { added: string[]; updated: string[] } {
    const added: string[] = [];
    const updated: string[] = [];
    const staged = new Map(this.byId);
    for (const o of overrides) {
      const prev = staged.get(o.id);
      if (!prev && (o.provider === undefined || o.contextWindow === undefined)) {
        throw new RouterError('invalidParams', `new model "${o.id}" needs a provider and a contextWindow`, { model: o.id });
      }
      let byCategory = o.qualityByCategory;
      if (o.like !== undefined) {
        const like = staged.get(o.like);
        if (!like) {
          throw new RouterError('invalidParams', `model "${o.id}": like "${o.like}" is not a catalog model`, { model: o.id, field: 'like' });
        }
        byCategory = like.qualityByCategory ?? { chat: like.qualityPrior };
      }
      const derived = byCategory !== undefined ? derivePrior(byCategory) : null;
      const base: CatalogModel = prev ?? {
        id: o.id,
        provider: o.provider ?? '',
        apiModel: o.apiModel ?? o.id,
        priceId: o.priceId ?? o.apiModel ?? o.id,
        contextWindow: o.contextWindow ?? 0,
        maxOutputTokens: o.maxOutputTokens ?? 4096,
        capabilities: o.capabilities ?? [],
        qualityPrior: o.qualityPrior ?? derived ?? 0.5,
        latencyPrior: o.latencyPrior ?? { ttftMs: 800, tokensPerSecond: 60 },
      };
      const next: CatalogModel = {
        ...base,
        userDefined: true,
        ...(o.provider !== undefined ? { provider: o.provider } : {}),
        ...(o.apiModel !== undefined ? { apiModel: o.apiModel } : {}),
        ...(o.priceId !== undefined ? { priceId: o.priceId } : {}),
        ...(o.contextWindow !== undefined ? { contextWindow: o.contextWindow } : {}),
        ...(o.maxOutputTokens !== undefined ? { maxOutputTokens: o.maxOutputTokens } : {}),
        ...(o.capabilities !== undefined ? { capabilities: o.capabilities } : {}),
        ...(byCategory !== undefined ? { qualityByCategory: byCategory } : {}),
        ...(derived !== null ? { qualityPrior: derived } : {}),
        ...(o.qualityPrior !== undefined ? { qualityPrior: o.qualityPrior } : {}),
        ...(o.latencyPrior !== undefined ? { latencyPrior: o.latencyPrior } : {}),
        ...(o.reasoning !== undefined ? { reasoning: o.reasoning } : {}),
      };
      if (o.price !== undefined) {
        next.priceOverride = o.price === null ? null : { cachedInputPerMTok: o.price.inputPerMTok, cacheWritePerMTok: o.price.inputPerMTok, ...o.price };
      }
      staged.set(o.id, next);
      (prev ? updated : added).push(o.id);
    }
    this.byId = staged;
    this.applied.push(...overrides);
    this.changes++;
    return { added, updated };
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

  /** The model's per-MTok prices in force at `at` (default now). */
  price(model: CatalogModel, at?: Date): ModelPrice | null {
    return priceOf(model, at);
  }
}
