// Crash harness for the cold segments: a child records rows and moves old ones to segments without
// pause, and is killed with SIGKILL at seeded random moments. After every kill, every acknowledged
// row must be readable exactly once (hot or cold, never both, never neither), the hot store must
// pass integrity_check and every committed frame must pass its checksum.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Store } from '../../daemon/store/database';
import { ColdLedger, readColdState } from '../../daemon/ledger/archive';
import { mulberry32 } from './prng';
import { CrashChild } from './crashChild';
import { detailOf } from './coldDetail';
import { unpackDecision } from '../../daemon/service/requestDecisions';

const ROUNDS = 12;
const SEED = 0xc01d5e6;

let child: CrashChild;

before(async () => {
  child = await CrashChild.build(join(__dirname, 'coldMover.ts'), 'llmr-coldcrash-');
});

after(() => child.dispose());

function runRound(dir: string, tag: string, start: number, killAfterAcks: number, jitterMs: number, mode = 'age'): Promise<{ acked: string[]; stderr: string }> {
  return child.run([dir, tag, String(start), mode], { afterAcks: { acks: killAfterAcks, jitterMs } });
}

test(`SIGKILL at ${ROUNDS} random points while rows move to cold segments loses and doubles nothing`, { timeout: 180_000 }, async () => {
  const rand = mulberry32(SEED);
  const dir = join(child.work, 'home');
  const everAcked: string[] = [];
  let start = Date.parse('2026-01-01T00:00:00Z');
  let coldMax = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const { acked } = await runRound(dir, `r${round}`, start, 20 + Math.floor(rand() * 400), Math.floor(rand() * 15));
    everAcked.push(...acked);
    // Each round's rows come after the previous round's (the writers advance 3 minutes a row).
    start += 3 * 60_000 * (acked.length + 200);
    const store = await Store.open({ dir, log: () => undefined });
    const cold = ColdLedger.open(store, ColdLedger.dirIn(dir), { log: () => undefined });
    const seen = new Map<string, number>();
    for (const r of store.read((tx) => tx.all<{ id: string }>('SELECT id FROM requests'))) {
      seen.set(r.id, (seen.get(r.id) ?? 0) + 1);
    }
    let coldRows = 0;
    store.read((tx) => {
      for (const r of cold.rowsAscending(tx, 0, 8.64e15)) {
        seen.set(r.id, (seen.get(r.id) ?? 0) + 1);
        coldRows++;
      }
    });
    coldMax = Math.max(coldMax, coldRows);
    const missing = everAcked.filter((id) => !seen.has(id));
    const doubled = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
    assert.deepEqual(missing.slice(0, 5), [], `round ${round}: ${missing.length} acknowledged rows missing`);
    assert.deepEqual(doubled.slice(0, 5), [], `round ${round}: ${doubled.length} rows both hot and cold`);
    assert.equal(store.integrityCheck(), 'ok', `round ${round}`);
    assert.equal(cold.segments.verify(store.read(readColdState).segments).records, coldRows);
    // Attempts follow their rows: none is left hot for a cold row.
    const orphans = store.read((tx) => tx.get('SELECT count(*) AS n FROM attempts WHERE request_id NOT IN (SELECT id FROM requests)'))?.n;
    assert.equal(Number(orphans), 0, `round ${round}: attempts of moved rows left hot`);
    await store.close();
  }
  console.log(`cold crash harness: ${ROUNDS} kills, ${everAcked.length} acknowledged rows, up to ${coldMax} cold`);
  assert.ok(coldMax > 100, `only ${coldMax} rows ever went cold: the harness did not exercise moves`);
});

test('SIGKILL at 8 random points while the hot count bound moves rows (the daemon\'s trigger) loses and doubles no row and no decision detail', { timeout: 180_000 }, async () => {
  const rand = mulberry32(SEED + 1);
  const dir = join(child.work, 'home-count');
  const everAcked: string[] = [];
  let start = Date.parse('2026-01-01T00:00:00Z');
  let coldMax = 0;
  for (let round = 0; round < 8; round++) {
    const { acked } = await runRound(dir, `c${round}`, start, 40 + Math.floor(rand() * 300), Math.floor(rand() * 15), 'count');
    everAcked.push(...acked);
    start += 3 * 60_000 * (acked.length + 200);
    const store = await Store.open({ dir, log: () => undefined });
    const cold = ColdLedger.open(store, ColdLedger.dirIn(dir), { log: () => undefined });
    const seen = new Map<string, number>();
    const details = new Map<string, string>();
    store.read((tx) => {
      for (const r of tx.all<{ id: string }>('SELECT id FROM requests')) {
        seen.set(r.id, (seen.get(r.id) ?? 0) + 1);
      }
      for (const d of tx.all('SELECT request_id, detail FROM request_decisions')) {
        details.set(String(d.request_id), unpackDecision(d.detail) ?? '');
      }
      const state = readColdState(tx);
      for (const [month, s] of state.segments) {
        for (const frame of cold.segments.frames(month, s, 'forward')) {
          for (const rec of frame as { r: { id: string }; d?: string }[]) {
            seen.set(rec.r.id, (seen.get(rec.r.id) ?? 0) + 1);
            assert.ok(!details.has(rec.r.id), `round ${round}: ${rec.r.id}'s detail is both hot and cold`);
            details.set(rec.r.id, rec.d === undefined ? '' : (unpackDecision(Buffer.from(rec.d, 'base64')) ?? ''));
            coldMax = Math.max(coldMax, s.records);
          }
        }
      }
    });
    const missing = everAcked.filter((id) => !seen.has(id));
    const doubled = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
    assert.deepEqual(missing.slice(0, 5), [], `round ${round}: ${missing.length} acknowledged rows missing`);
    assert.deepEqual(doubled.slice(0, 5), [], `round ${round}: ${doubled.length} rows both hot and cold`);
    const wrong = everAcked.filter((id) => details.get(id) !== detailOf(id));
    assert.deepEqual(wrong.slice(0, 5), [], `round ${round}: ${wrong.length} decision details lost or changed`);
    assert.equal(store.integrityCheck(), 'ok', `round ${round}`);
    await store.close();
  }
  console.log(`cold crash harness (count trigger): 8 kills, ${everAcked.length} acknowledged rows, up to ${coldMax} cold in a segment`);
  assert.ok(coldMax > 100, `only ${coldMax} rows ever went cold: the harness did not exercise moves`);
});
