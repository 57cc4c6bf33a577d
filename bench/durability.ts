// npm run bench:durability — durable recorded requests per second (journal + fsync + group commit
// + snapshots) against the same workload with journaling off (in-memory store), and the time to
// recover a journal of 100k records. Figures are printed; nothing here asserts on time.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Store, type WriteTx } from '../daemon/store/database';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 64);
const RECOVERY_RECORDS = Number(process.env.BENCH_RECOVERY_RECORDS ?? 100_000);
const RUNS = 3;

const INSERT_REQUEST = `INSERT INTO requests (id, ts, client_kind, client_name, workspace, endpoint, requested_model, model, provider,
  policy, strategy, task_type, reason, stream, tokens_in, tokens_out, tokens_cached, tokens_reasoning, estimated_cost_usd, cost_usd,
  cost_state, latency_ms, ttft_ms, status, error_code, fallbacks, experiment_id, arm)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const INSERT_ATTEMPT = 'INSERT INTO attempts (request_id, n, ts, model, provider, status, error_code, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';

/** One settled request as the chat pipeline records it: the ledger row and its attempt. */
function recordRequest(tx: WriteTx, id: string, i: number): void {
  const ts = 1_760_000_000_000 + i * 37;
  const tokensIn = 200 + (i % 1800);
  const tokensOut = 50 + (i % 700);
  tx.run(INSERT_REQUEST, [
    id, ts, 'script', 'openai-node', '/home/dev/project', '/v1/chat/completions', 'auto', 'gpt-4o-mini', 'openai', 'balanced', 'quality-per-dollar',
    'code', 'cheapest model above the quality bar for code', i % 2, tokensIn, tokensOut, 0, 0, tokensIn * 1.5e-7 + 300 * 6e-7,
    tokensIn * 1.5e-7 + tokensOut * 6e-7, 'known', 300 + (i % 900), 120 + (i % 200), 'ok', null, '[]', null, null,
  ]);
  tx.run(INSERT_ATTEMPT, [id, 1, ts, 'gpt-4o-mini', 'openai', 'ok', null, 300 + (i % 900)]);
}

/** `count` requests recorded by `inFlight` concurrent callers, as a busy daemon issues them. */
async function drive(store: Store, count: number, inFlight: number, tag: string): Promise<number> {
  let next = 0;
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      await store.withWrite((tx) => recordRequest(tx, `${tag}-${i}`, i));
    }
  };
  await Promise.all(Array.from({ length: inFlight }, () => worker()));
  await store.flush();
  return count / ((performance.now() - start) / 1000);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, n) => sum + statSync(join(dir, n)).size, 0);
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'llmr-bench-durability-'));
  try {
    console.log(`machine: load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} cores (figures are wall-clock unless noted)`);
    console.log(`durability bench: ${REQUESTS} recorded requests per run, ${IN_FLIGHT} in flight, median of ${RUNS} runs (folder ${root})`);
    const durable: number[] = [];
    const memory: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const mem = await Store.open({ dir: null });
      memory.push(await drive(mem, REQUESTS, IN_FLIGHT, `m${run}`));
      await mem.close();
      const dir = join(root, `run${run}`);
      const disk = await Store.open({ dir });
      durable.push(await drive(disk, REQUESTS, IN_FLIGHT, `d${run}`));
      await disk.close();
    }
    const d = median(durable);
    const m = median(memory);
    console.log(`  journaling off (in memory): ${m.toFixed(0)} recorded requests/s   runs: ${memory.map((x) => x.toFixed(0)).join(', ')}`);
    console.log(`  durable (journal + fsync):  ${d.toFixed(0)} recorded requests/s   runs: ${durable.map((x) => x.toFixed(0)).join(', ')}`);
    console.log(`  ratio durable / off:        ${(d / m).toFixed(2)}   (target >= 0.5)`);
    const serial = await Store.open({ dir: join(root, 'serial') });
    const one = await drive(serial, Math.min(REQUESTS, 2000), 1, 's');
    await serial.close();
    console.log(`  durable, one caller at a time (an fsync per request, no batching): ${one.toFixed(0)} recorded requests/s`);

    // Recovery: a journal of RECOVERY_RECORDS transactions with no snapshot, as after a crash.
    const rdir = join(root, 'recovery');
    const writer = await Store.open({ dir: rdir, snapshotPolicy: { maxRecords: Number.POSITIVE_INFINITY, maxBytes: Number.POSITIVE_INFINITY } });
    await drive(writer, RECOVERY_RECORDS, 256, 'r');
    // The writer is abandoned without close(), exactly like a killed daemon: no final snapshot.
    const journalBytes = dirBytes(rdir);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const recovered = await Store.open({ dir: rdir });
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const rows = recovered.read((tx) => tx.get<{ n: number }>('SELECT count(*) AS n FROM requests'))?.n ?? 0;
    console.log(
      `  recovery: ${recovered.recoveryInfo.replayed} journal records (${(journalBytes / 1048576).toFixed(1)} MiB) replayed in ${(ms / 1000).toFixed(2)} s wall, ${(cpuMs / 1000).toFixed(2)} s CPU; ${rows} rows present   (target <= 2 s)`,
    );
    await recovered.close();
    await writer.flush();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
