import type { DaemonDeps } from '../service/deps';
import type { Handlers } from './types';

export function modelsHandlers(deps: DaemonDeps): Pick<Handlers, 'models/list'> {
  return {
    'models/list': async () => ({
      models: deps.catalog.list().map((m) => {
        const price = deps.catalog.price(m);
        return {
          id: m.id,
          provider: m.provider,
          inputPerMTok: price?.inputPerMTok ?? null,
          outputPerMTok: price?.outputPerMTok ?? null,
          contextWindow: m.contextWindow,
          maxOutputTokens: m.maxOutputTokens,
          capabilities: m.capabilities,
          qualityPrior: m.qualityPrior,
          hasKey: deps.keyPresence.has(m.provider),
        };
      }),
    }),
  };
}
