import { test } from 'node:test';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../../daemon/store/database';
import { decodeJournal } from '../../../daemon/store/journalRecord';
import { JOURNAL_STATEMENTS } from '../../../daemon/store/journalStatements';
import { ConversationAffinity } from '../../../daemon/routing/affinityService';
import { conversationIdOf } from '../../../daemon/routing/affinity';
import { Catalog } from '../../../daemon/routing/catalog';
import { Turn, type PlanCall } from '../../../daemon/pipeline/turn';
import type { LedgerRow } from '../../../daemon/protocol/ledger';
import type { ConversationRouting, RoutingDecision } from '../../../daemon/protocol/routing';

const T0 = Date.parse('2026-11-02T10:00:00Z');

function recorded(id: string, ts: number, model: string, tokensIn: number, costUsd: number): LedgerRow {
  return {
    id, ts, clientKind: 'script', clientName: 'bench', workspace: null, endpoint: 'chat.completions', requestedModel: model, model, provider: 'openai', policy: null,
    strategy: 'fixed', taskType: 'chat', reason: 'named', stream: false, tokensIn, tokensOut: 20, tokensCached: 0, tokensReasoning: 0, estimatedCostUsd: costUsd,
    costUsd, costState: 'known', latencyMs: 10, ttftMs: null, status: 'ok', errorCode: null, fallbacks: [], experimentId: null, arm: null,
  };
}

function turnOf(row: LedgerRow, conversation: ConversationRouting, strategy: string, difficulty: number): Turn {
  const turn = new Turn({ context: { kind: 'script', name: 'bench' }, requestedModel: row.requestedModel, routing: undefined, request: { messages: [] } } as unknown as PlanCall, row.ts, row.id);
  const decision = { model: row.model, provider: row.provider, strategy, difficulty, taskType: 'chat', inputTokens: row.tokensIn, conversation } as unknown as RoutingDecision;
  turn.setPlan({ decision, routing: undefined, substitutedFor: null, namedRoute: null });
  return turn;
}

test('a conversation starting again replaces its row with the first turn\'s, in one journaled-by-number statement', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmr-affinity-record-'));
  try {
    const store = await Store.open({ dir, log: () => undefined });
    const affinity = new ConversationAffinity({ store, catalog: Catalog.builtIn(), enabled: true, now: () => T0 });
    const record = async (row: LedgerRow, c: ConversationRouting, strategy: string, difficulty: number): Promise<void> => {
      const turn = turnOf(row, c, strategy, difficulty);
      await store.withWrite((tx) => affinity.hooks.onRecord?.(tx, row, [], turn));
    };
    const conv = (turn: number, outcome: ConversationRouting['outcome'], why: string): ConversationRouting => ({ key: 'conv_k1', keySource: 'prefix', turn, outcome, previousModel: null, why });
    // Two turns of one conversation, then the same opening sent again with no history: it starts afresh.
    await record(recorded('req_1', T0, 'gpt-4o-mini', 300, 0.001), conv(1, 'new', 'first turn seen'), 'learned', 0.4);
    await record(recorded('req_2', T0 + 1000, 'gpt-4o', 500, 0.004), conv(2, 'moved', 'harder'), 'learned', 0.8);
    const before = readdirSync(dir).filter((f) => f.endsWith('.journal')).sort().map((f) => readFileSync(join(dir, f)));
    await record(recorded('req_3', T0 + 2000, 'gpt-4o-mini', 120, 0.0005), conv(1, 'new', 'first turn seen'), 'fixed', 0.2);
    await store.flush();
    const row = store.read((tx) => tx.get('SELECT * FROM conversations WHERE id = ?', ['conv_k1']));
    assert.deepEqual({ ...row }, {
      id: 'conv_k1', key_source: 'prefix', client_kind: 'script', client_name: 'bench', model: 'gpt-4o-mini', provider: 'openai', difficulty: 0.2, task_type: 'chat',
      last_input_tokens: 120, turns: 1, kept: 0, moved: 0, last_outcome: 'new', last_why: 'first turn seen', tokens_in: 120, tokens_cached: 0, cache_saved_usd: 0,
      cost_usd: 0.0005, unknown_cost_turns: 0, first_ts: T0 + 2000, last_ts: T0 + 2000, last_request_id: 'req_3',
    });
    const after = readdirSync(dir).filter((f) => f.endsWith('.journal')).sort().map((f) => readFileSync(join(dir, f)));
    const tail = Buffer.concat(after).subarray(Buffer.concat(before).byteLength);
    const statements = decodeJournal(tail).transactions.flat().map((s) => s.sql);
    assert.equal(statements.length, 1, 'one statement');
    assert.ok(JOURNAL_STATEMENTS.includes(statements[0] as string), 'a listed one');
    assert.ok(!tail.includes('conversations'), 'journaled by number');
    await store.close();
    // Replayed from the journal, the store holds the same row.
    const reopened = await Store.open({ dir, log: () => undefined });
    assert.deepEqual({ ...reopened.read((tx) => tx.get('SELECT * FROM conversations WHERE id = ?', ['conv_k1'])) }, { ...row });
    await reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('conversation ids are the same sha256 hex prefixes as before (stored rows keep matching their conversations)', () => {
  const sha = (text: string): string => `conv_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
  const ctx = { kind: 'editor' as const, name: 'Zed ✨' };
  assert.equal(conversationIdOf({ key: 'sessión-東京-😀', source: 'header' }, ctx, [])?.id, sha('header\u0000sessión-東京-😀'));
  const opening = [{ role: 'system' as const, content: 'be brief — 簡潔に' }, { role: 'user' as const, content: 'hi 👋' }];
  assert.equal(conversationIdOf(undefined, ctx, opening)?.id, sha(['prefix', 'editor', 'Zed ✨', 'system\u0000be brief — 簡潔に', 'user\u0000hi 👋'].join('\u0001')));
});
