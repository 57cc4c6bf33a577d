import { listConversations } from '../routing/affinityService';
import type { DaemonDeps } from '../service/deps';
import type { Handlers } from './types';

export function conversationHandlers(deps: DaemonDeps): Pick<Handlers, 'spend/conversations'> {
  return {
    // Conversation affinity's totals per conversation: turns, kept/moved, cached tokens and what they saved.
    'spend/conversations': async (params) => ({ conversations: deps.store.read((tx) => listConversations(tx, params)) }),
  };
}
