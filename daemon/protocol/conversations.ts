// Conversation affinity's record, per conversation: `spend/conversations`. Leaf module: zod only.
import { z } from 'zod';

const result = <R>() => undefined as unknown as R;

export const SpendConversationsParams = z.object({
  limit: z.number().int().min(1).max(500).default(50),
  /** Only conversations active at or after this time (ms since epoch). */
  since: z.number().int().nonnegative().optional(),
});

export interface ConversationSummary {
  /** `conv_<hash>`: keys are stored hashed, never as sent. */
  id: string;
  keySource: 'header' | 'prompt_cache_key' | 'user' | 'metadata.user_id' | 'prefix';
  clientKind: string;
  clientName: string | null;
  /** The model that answered the latest turn. */
  model: string;
  provider: string;
  turns: number;
  kept: number;
  moved: number;
  lastOutcome: 'new' | 'kept' | 'moved';
  lastWhy: string;
  tokensIn: number;
  /** Input tokens the providers served from their prompt cache, summed over the turns. */
  tokensCached: number;
  /** What those cached tokens saved against the full input price (known prices only). */
  cacheSavedUsd: number;
  /** Spend of the turns with a known price; `unknownCostTurns` counts the others. */
  costUsd: number;
  unknownCostTurns: number;
  firstTs: number;
  lastTs: number;
  lastRequestId: string;
}

export interface SpendConversationsResult {
  conversations: ConversationSummary[];
}

export const conversationMethods = {
  'spend/conversations': { params: SpendConversationsParams, result: result<SpendConversationsResult>() },
} as const;
