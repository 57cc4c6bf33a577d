// Child process for the crash harness: opens the store in a folder and records ledger rows as
// fast as a busy daemon would (many transactions in flight), printing each id once its write is
// acknowledged. The parent kills it with SIGKILL at random moments. Run bundled, not under tsx.
import { Store } from '../../daemon/store/database';

const [dir, tag, inFlightArg, maxRecordsArg] = process.argv.slice(2);
if (dir === undefined || tag === undefined) {
  throw new Error('usage: crashWriter <dir> <tag> [inFlight] [snapshotMaxRecords]');
}
const inFlight = Number(inFlightArg ?? 16);
const maxRecords = Number(maxRecordsArg ?? 200);

const INSERT = `INSERT INTO requests (id, ts, client_kind, client_name, workspace, endpoint, requested_model, model, provider,
  policy, reason, stream, tokens_in, tokens_out, estimated_cost_usd, cost_usd, cost_state, latency_ms, ttft_ms, status, fallbacks)
  VALUES (?, ?, 'script', 'crash-harness', '/work', '/v1/chat/completions', 'auto', 'gpt-4o-mini', 'openai',
  'balanced', 'cheapest model meeting the quality bar', 0, ?, ?, ?, ?, 'known', ?, ?, 'ok', '[]')`;

async function main(): Promise<void> {
  const store = await Store.open({ dir: dir as string, snapshotPolicy: { maxRecords, maxBytes: 1 << 30 } });
  process.stdout.write(`ready ${store.recoveryInfo.replayed}\n`);
  let n = 0;
  const writeOne = async (): Promise<void> => {
    for (;;) {
      const id = `${tag}-${n++}`;
      const tokensIn = 100 + (n % 900);
      await store.withWrite((tx) => {
        tx.run(INSERT, [id, 1_700_000_000_000 + n, tokensIn, 50, tokensIn * 1.5e-7, tokensIn * 1.4e-7, 120, 40]);
      });
      // Pipes are written synchronously on Linux: once printed, the parent will see it.
      process.stdout.write(`ack ${id}\n`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, () => writeOne()));
}

main().catch((e: unknown) => {
  process.stderr.write(`crashWriter: ${String(e)}\n`);
  process.exit(1);
});
