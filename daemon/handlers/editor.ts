// tokens/count (the editor's provideTokenCount) and the spending kill switch.
import { countTextTokens, extractFeatures } from '../routing/features';
import type { DaemonDeps } from '../service/deps';
import type { Handlers } from './types';

export function editorHandlers(deps: DaemonDeps): Pick<Handlers, 'tokens/count' | 'spending/pause' | 'spending/resume' | 'spending/status'> {
  return {
    'tokens/count': async (params) => {
      if (params.messages !== undefined) {
        // The router's own count of a conversation (with its per-message framing).
        const f = extractFeatures({ messages: params.messages });
        return { tokens: f.inputTokens, exact: f.tokenCountExact };
      }
      return countTextTokens(params.text ?? '');
    },
    'spending/pause': async (params) => deps.spending.pause(params.reason),
    'spending/resume': async () => deps.spending.resume(),
    'spending/status': async () => deps.spending.current,
  };
}
