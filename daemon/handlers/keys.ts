import { RouterError } from '../protocol/errors';
import type { DaemonDeps } from '../service/deps';
import type { Handlers } from './types';

function knownProvider(deps: DaemonDeps, provider: string): string {
  if (!deps.providers.has(provider)) {
    throw new RouterError('invalidParams', `unknown provider "${provider}": use one of ${deps.providers.ids().join(', ')}`, { provider });
  }
  return provider;
}

export function keysHandlers(deps: DaemonDeps): Pick<Handlers, 'keys/set' | 'keys/delete' | 'keys/list'> {
  return {
    'keys/set': async (params) => {
      const provider = knownProvider(deps, params.provider);
      await deps.keys.set(provider, params.apiKey);
      await deps.keyPresence.refresh(provider);
      return { provider, storedIn: 'keychain' };
    },
    'keys/delete': async (params) => {
      const provider = knownProvider(deps, params.provider);
      const deleted = await deps.keys.delete(provider);
      await deps.keyPresence.refresh(provider);
      return { provider, deleted };
    },
    'keys/list': async () => {
      const providers = await Promise.all(deps.providers.ids().map(async (provider) => ({ provider, source: await deps.keys.sourceOf(provider) })));
      return { providers, keychain: await deps.keys.status() };
    },
  };
}
