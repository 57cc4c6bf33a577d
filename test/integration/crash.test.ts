// Crash harness for the store: a child process records ledger rows under sustained load and is
// killed with SIGKILL at seeded random moments (during start-up recovery, between writes, in the
// middle of group commits and snapshots). After every kill, every write the child acknowledged
// must be present and the database must pass PRAGMA integrity_check.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { Store } from '../../daemon/store/database';
import { mulberry32 } from './prng';

const ROUNDS = 24;
const SEED = 0x5eed1e55;


let work = '';
let childJs = '';
const children = new Set<ChildProcess>();

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'llmr-crash-'));
  childJs = join(work, 'crashWriter.js');
  await esbuild.build({ entryPoints: [join(__dirname, 'crashWriter.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: childJs, logLevel: 'warning' });
  copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), join(work, 'sql-wasm.wasm'));
});

after(() => {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) {
      process.kill(c.pid, 'SIGKILL');
    }
  }
  rmSync(work, { recursive: true, force: true });
});

interface RoundResult {
  acked: string[];
  killedAt: string;
}

/** Runs one child until the kill trigger fires, then SIGKILLs it and waits for it to be gone. */
function runRound(dir: string, tag: string, rand: () => number): Promise<RoundResult> {
  const byTime = rand() < 0.3;
  const killAfterMs = Math.floor(rand() * 400);
  const killAfterAcks = 1 + Math.floor(rand() * 600);
  const jitterMs = Math.floor(rand() * 10);
  const inFlight = 1 + Math.floor(rand() * 32);
  const maxRecords = 20 + Math.floor(rand() * 300);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childJs, dir, tag, String(inFlight), String(maxRecords)], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    const acked: string[] = [];
    let pending = '';
    let stderr = '';
    let killed = false;
    let killedAt = '';
    const kill = (why: string): void => {
      if (!killed && child.pid !== undefined) {
        killed = true;
        killedAt = `${why} after ${acked.length} acks`;
        child.kill('SIGKILL');
      }
    };
    const guard = setTimeout(() => kill('guard timeout'), 15_000);
    if (byTime) {
      setTimeout(() => kill(`${killAfterMs} ms`), killAfterMs);
    }
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('ack ')) {
          acked.push(line.slice(4));
        }
      }
      if (!byTime && acked.length >= killAfterAcks) {
        setTimeout(() => kill(`${killAfterAcks} acks + ${jitterMs} ms`), jitterMs);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => (stderr += c));
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      children.delete(child);
      if (signal !== 'SIGKILL') {
        reject(new Error(`child exited by itself (code ${code}): ${stderr}`));
        return;
      }
      resolve({ acked, killedAt });
    });
  });
}

test(`SIGKILL at ${ROUNDS} random points during sustained writes never loses an acknowledged write`, { timeout: 180_000 }, async () => {
  const rand = mulberry32(SEED);
  const dir = join(work, 'home');
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
