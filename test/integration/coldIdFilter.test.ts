// The cold segments' id filters through a real daemon: a move writes them beside the segments,
// lookups by id over RPC find the same rows with them, without them (segments written before
// filters existed), and after the next start, whose background pass writes the missing ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatCompleteResult, SpendRequestsResult } from '../../daemon/protocol/methods';
import type { RouteEstimateResult } from '../../daemon/protocol/budget';
import { ColdLedger } from '../../daemon/ledger/archive';
import { rpcOk, startTestDaemon, type Harness } from './daemonHarness';

const messages = [{ role: 'user', content: 'Explain in two sentences why the sky looks blue.' }];

const filterFiles = (home: string): string[] => readdirSync(ColdLedger.dirIn(home)).filter((n) => n.endsWith('.ids'));

async function lookUp(h: Harness, ids: string[]): Promise<string[]> {
  const found = await rpcOk<SpendRequestsResult>(h, 'spend/requests', { ids });
  return found.rows.map((r) => r.id).sort();
}

test('lookups by id find cold rows with the segments’ id filters, without them, and after a restart rewrote them', async () => {
  const home = mkdtempSync(join(tmpdir(), 'llm-router-idfilter-'));
  try {
    let h = await startTestDaemon({ home });
    let ids: string[];
    try {
      const plan = await rpcOk<RouteEstimateResult>(h, 'route/estimate', { messages });
      const planned = await rpcOk<ChatCompleteResult>(h, 'chat/complete', { messages, requestId: plan.requestId });
      const plain = await rpcOk<ChatCompleteResult>(h, 'chat/complete', { messages });
      ids = [planned.requestId, plain.requestId].sort();
      const cold = h.daemon.deps.cold;
      assert.ok(cold);
      assert.equal(await cold.moveOlderThan(Date.now() + 1000), 2);
      assert.equal(filterFiles(home).length, 1, 'the move wrote its frame’s filter');
      // An old id no row has (made an hour before these rows) and one that is not a request id.
      const none = [`req_${(Date.now() - 3_600_000).toString(36).padStart(9, '0')}000000000000`, 'req_000000000000000000000'];
      assert.deepEqual(await lookUp(h, [...ids, ...none]), ids);
      // Segments as an older daemon left them: no filters.
      for (const name of filterFiles(home)) {
        unlinkSync(join(ColdLedger.dirIn(home), name));
      }
      assert.deepEqual(await lookUp(h, [...ids, ...none]), ids);
    } finally {
      await h.close();
    }
    h = await startTestDaemon({ home });
    try {
      // The background pass after start writes the missing filter (bounded wait).
      const until = Date.now() + 10_000;
      while (filterFiles(home).length === 0 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(filterFiles(home).length, 1, 'the filter was rewritten after start');
      assert.deepEqual(await lookUp(h, ids), ids);
    } finally {
      await h.close();
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
