// `catalog/list`: what the router knows about every model and where each figure comes from.
import type { CatalogListEntry, CatalogListResult } from '../protocol/routing-methods';
import type { Catalog, CatalogModel } from './catalog';

function entry(catalog: Catalog, m: CatalogModel): CatalogListEntry {
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
  };
}

export function catalogList(catalog: Catalog): CatalogListResult {
  const info = catalog.info();
  return {
    updated: info?.updated ?? 'unknown',
    file: info?.file ?? 'none',
    methods: info?.methods ?? {},
    sources: info?.sources ?? {},
    models: catalog.list().map((m) => entry(catalog, m)),
  };
}
