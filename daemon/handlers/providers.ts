import type { DaemonDeps } from '../service/deps';
import type { Handlers } from './types';

export function providersHandlers(deps: DaemonDeps): Pick<Handlers, 'providers/health'> {
  return {
    'providers/health': async () => ({ entries: deps.health?.snapshot() ?? [] }),
  };
}
