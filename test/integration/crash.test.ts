// Crash harness for the store: a child process records ledger rows under sustained load and is
// killed with SIGKILL at seeded random moments (during start-up recovery, between writes, in the
// middle of group commits and snapshots). After every kill, every write the child acknowledged
// must be present and the database must pass PRAGMA integrity_check.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Store } from '../../daemon/store/database';
import { mulberry32 } from './prng';
import { CrashChild } from './crashChild';

const ROUNDS = 24;
const SEED = 0x5eed1e55;


let child: CrashChild;

before(async () => {
  child = await CrashChild.build(join(__dirname, 'crashWriter.ts'), 'llmr-crash-');
});

after(() => child.dispose());

/** Runs one child until the kill trigger fires, then SIGKILLs it and waits for it to be gone. */
async function runRound(dir: string, tag: string, rand: () => number): Promise<{ acked: string[]; killedAt: string }> {
  const byTime = rand() < 0.3;
  const killAfterMs = Math.floor(rand() * 400);
  const killAfterAcks = 1 + Math.floor(rand() * 600);
  const jitterMs = Math.floor(rand() * 10);
  const inFlight = 1 + Math.floor(rand() * 32);
  const maxRecords = 20 + Math.floor(rand() * 300);
  const trigger = byTime ? { afterMs: killAfterMs } : { afterAcks: { acks: killAfterAcks, jitterMs } };
  return child.run([dir, tag, String(inFlight), String(maxRecords)], trigger);
}

test(`SIGKILL at ${ROUNDS} random points during sustained writes never loses an acknowledged write`, { timeout: 180_000 }, async () => {
  const rand = mulberry32(SEED);
  const dir = join(child.work, 'home');
  const everAcked: string[] = [];
  // Stores left open as a killed daemon would leave them; kept referenced so their files stay open.
  const abandoned: Store[] = [];
  let killedWithAcks = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const { acked, killedAt } = await runRound(dir, `r${round}`, rand);
    everAcked.push(...acked);
    if (acked.length > 0) {
      killedWithAcks++;
    }
    // Verify in this process, the way a restarted daemon would open the folder.
    const store = await Store.open({ dir, log: () => undefined });
    const present = new Set(store.read((tx) => tx.all<{ id: string }>('SELECT id FROM requests')).map((r) => r.id));
    const missing = everAcked.filter((id) => !present.has(id));
    assert.deepEqual(missing.slice(0, 5), [], `round ${round} (killed at ${killedAt}): ${missing.length} acknowledged writes missing`);
    assert.equal(store.integrityCheck(), 'ok', `round ${round}`);
    // Every other round restarts cleanly (close snapshots); the others leave the journal to the next child.
    if (round % 2 === 0) {
      await store.close();
    } else {
      abandoned.push(store);
    }
  }
  console.log(`crash harness: ${ROUNDS} kills, ${everAcked.length} acknowledged writes, ${killedWithAcks} kills mid-write, ${abandoned.length} unclean restarts`);
  assert.ok(killedWithAcks >= ROUNDS / 2, `only ${killedWithAcks} rounds were killed mid-write`);
  assert.ok(everAcked.length > 1000, `only ${everAcked.length} writes were acknowledged in all`);
});
