import type { Migration } from '../migration';

// Conversation affinity (routing/affinityService.ts): one row per recognised conversation, keyed
// by the hash of its key; the model it is on, the anchor its turns are compared with, and its
// totals (turns, kept/moved, tokens, cached tokens and what the cache saved). Per-turn decisions
// are on the ledger rows themselves (their reason names the conversation rule that decided).
export const conversations: Migration = {
  version: 8,
  name: 'conversations',
  sql: `
    CREATE TABLE conversations (
      id TEXT PRIMARY KEY,
      key_source TEXT NOT NULL,
      client_kind TEXT NOT NULL,
      client_name TEXT,
      model TEXT NOT NULL,
      provider TEXT NOT NULL,
      difficulty REAL,
      task_type TEXT,
      last_input_tokens INTEGER NOT NULL DEFAULT 0,
      turns INTEGER NOT NULL DEFAULT 0,
      kept INTEGER NOT NULL DEFAULT 0,
      moved INTEGER NOT NULL DEFAULT 0,
      last_outcome TEXT NOT NULL,
      last_why TEXT NOT NULL,
      tokens_in INTEGER NOT NULL DEFAULT 0,
      tokens_cached INTEGER NOT NULL DEFAULT 0,
      cache_saved_usd REAL NOT NULL DEFAULT 0,
      cost_usd REAL NOT NULL DEFAULT 0,
      unknown_cost_turns INTEGER NOT NULL DEFAULT 0,
      first_ts INTEGER NOT NULL,
      last_ts INTEGER NOT NULL,
      last_request_id TEXT NOT NULL
    );
    CREATE INDEX conversations_last_ts ON conversations(last_ts);
  `,
};
