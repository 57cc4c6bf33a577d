// Child process for the cold-segment crash harness: records ledger rows with timestamps in the
// past, oldest first, printing each id once its write is acknowledged, while moves run without
// pause, so SIGKILL lands before, inside and after a move's frame fsync and its commit. Run bundled.
// Mode `age` (default): a loop moves everything but the newest hour. Mode `count`: the daemon's
// own trigger (the hot count passing its bound after a recorded row), and each row also stores
// its decision detail, which moves with it.
import { Store } from '../../daemon/store/database';
import { ColdLedger } from '../../daemon/ledger/archive';
import { insertRequest } from '../../daemon/ledger/requests';
import { recordInRollups } from '../../daemon/ledger/rollups';
import type { LedgerRow } from '../../daemon/protocol/ledger';
import { packDecision } from '../../daemon/service/requestDecisions';
import { detailOf } from './coldDetail';

const [dir, tag, startArg, mode = 'age'] = process.argv.slice(2);
if (dir === undefined || tag === undefined || startArg === undefined) {
  throw new Error('usage: coldMover <dir> <tag> <first ts>');
}
const MINUTE = 60_000;

function row(id: string, ts: number): LedgerRow {
  return {
    id, ts, clientKind: 'script', clientName: null, workspace: null, endpoint: 'chat.completions', requestedModel: 'auto', model: 'gpt-4o-mini',
    provider: 'openai', policy: null, strategy: 'prior', taskType: 'chat', reason: 'r', stream: false, tokensIn: 10, tokensOut: 20,
    tokensCached: 0, tokensReasoning: 0, estimatedCostUsd: 0.001, costUsd: 0.002, costState: 'known', latencyMs: 100, ttftMs: null,
    status: 'ok', errorCode: null, fallbacks: [], experimentId: null, arm: null,
  };
}

async function main(): Promise<void> {
  const store = await Store.open({ dir: dir as string, snapshotPolicy: { maxRecords: 150, maxBytes: 1 << 30 } });
  const count = mode === 'count';
  const cold = ColdLedger.open(store, ColdLedger.dirIn(dir as string), { batch: 7, ...(count ? { hotRows: 30 } : {}) });
  if (count) {
    cold.schedule({ ageCutoff: () => 0 });
  }
  process.stdout.write('ready\n');
  let ts = Number(startArg);
  let n = 0;
  const writer = async (): Promise<void> => {
    for (;;) {
      const id = `${tag}-${n++}`;
      const r = row(id, (ts += 3 * MINUTE));
      await store.withWrite((tx) => {
        insertRequest(tx, r, [{ n: 1, ts: r.ts, model: r.model, provider: r.provider, status: 'ok', errorCode: null, latencyMs: 1 }]);
        recordInRollups(tx, r);
        if (count) {
          tx.run('INSERT OR REPLACE INTO request_decisions (request_id, ts, detail) VALUES (?, ?, ?)', [r.id, r.ts, packDecision(detailOf(r.id))]);
        }
      });
      process.stdout.write(`ack ${id}\n`);
      cold.noteRecorded();
    }
  };
  const mover = async (): Promise<void> => {
    for (;;) {
      // Everything but the newest hour of rows is cold: moves chase the writers.
      await cold.moveOlderThan(ts - 60 * MINUTE);
      await new Promise((r) => setTimeout(r, 1));
    }
  };
  await Promise.all([writer(), writer(), writer(), ...(count ? [] : [mover()])]);
}

main().catch((e: unknown) => {
  process.stderr.write(`coldMover: ${String(e)}\n`);
  process.exit(1);
});
