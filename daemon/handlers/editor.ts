// tokens/count (the editor's provideTokenCount) and the spending kill switch.
import { countTextTokens, extractFeatures } from '../routing/features';
import type { DaemonDeps } from '../service/deps';
import { RouterError } from '../protocol/errors';
import { RECENT_DECISIONS } from '../service/recentDecisions';
import type { Handlers } from './types';

export function editorHandlers(deps: DaemonDeps): Pick<Handlers, 'request/decision' | 'tokens/count' | 'spending/pause' | 'spending/resume' | 'spending/status'> {
  return {
    'tokens/count': async (params) => {
      if (params.messages !== undefined) {
        // The router's own count of a conversation (with its per-message framing).
        const f = extractFeatures({ messages: params.messages });
        return { tokens: f.inputTokens, exact: f.tokenCountExact };
      }
      return countTextTokens(params.text ?? '');
    },
    'request/decision': async (params) => {
      const decision = deps.decisions.get(params.requestId);
      if (!decision) {
        throw new RouterError('notFound', `no decision kept for ${params.requestId}: the daemon keeps the candidates of its last ${RECENT_DECISIONS} requests since it started (the ledger keeps model, reason and cost for every request)`);
      }
      return { requestId: params.requestId, decision };
    },
    'spending/pause': async (params) => deps.spending.pause(params.reason),
    'spending/resume': async () => deps.spending.resume(),
    'spending/status': async () => deps.spending.current,
  };
}
