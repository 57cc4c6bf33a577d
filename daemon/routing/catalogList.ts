// `catalog/list`: what the router knows about every model and where each figure comes from.
import type { LearnedStateResult } from '../protocol/learning';
import type { CatalogListEntry, CatalogListResult } from '../protocol/routing-methods';
import type { Catalog, CatalogModel } from './catalog';

function entry(catalog: Catalog, m: CatalogModel, learned: LearnedStateResult): CatalogListEntry {
  const price = catalog.price(m);
  const p = m.provenance;
  const fromUser = { estimate: 'set in config.json or by catalog/update' };
  return {
    id: m.id,
    provider: m.provider,
    apiModel: m.apiModel,
    contextWindow: m.contextWindow,
    maxOutputTokens: m.maxOutputTokens,
    capabilities: m.capabilities,
    qualityPrior: m.qualityPrior,
    qualityByCategory: m.qualityByCategory ?? {},
    qualitySource: m.userDefined && !p ? 'config' : p ? `${p.quality}${m.userDefined ? ' (changed by the user)' : ''}` : 'unknown',
    latency: {
      ttftMs: p && p.ttftMs.value === m.latencyPrior.ttftMs ? p.ttftMs : { value: m.latencyPrior.ttftMs, ...fromUser },
      tokensPerSecond: p && p.tokensPerSecond.value === m.latencyPrior.tokensPerSecond ? p.tokensPerSecond : { value: m.latencyPrior.tokensPerSecond, ...fromUser },
    },
    reasoning: m.reasoning ? { ...m.reasoning, thinkingTokens: p?.thinkingTokens ?? 'set in config.json or by catalog/update' } : null,
    inputPerMTok: price?.inputPerMTok ?? null,
    outputPerMTok: price?.outputPerMTok ?? null,
    userDefined: m.userDefined === true,
    learned: learned.models.find((s) => s.model === m.id) ?? null,
  };
}

/** The catalog beside what feedback taught the router (`routing/learnedState`), model by model. */
export function catalogList(catalog: Catalog, learned: LearnedStateResult): CatalogListResult {
  const info = catalog.info();
  return {
    updated: info?.updated ?? 'unknown',
    file: info?.file ?? 'none',
    methods: info?.methods ?? {},
    sources: info?.sources ?? {},
    models: catalog.list().map((m) => entry(catalog, m, learned)),
    learning: { priorStrength: learned.priorStrength, maxAdjustment: learned.maxAdjustment },
  };
}
