// Crash harness through the real daemon (dist/daemon.js): scripts send chat completions over HTTP,
// the daemon is killed with SIGKILL at seeded random moments, and every request it answered —
// non-streaming 200s and streams that reached [DONE] — must be in the ledger after the kill, with
// PRAGMA integrity_check = ok. The next round starts a new daemon on the same home (stale
// discovery file and lock included).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { request, Agent } from 'node:http';
import { rmSync } from 'node:fs';
import { Store } from '../../daemon/store/database';
import { DIST_DAEMON, childEnv, ensureBundle, killPids, tempHome } from './lifecycle/helpers';
import { mulberry32 } from './prng';

const ROUNDS = 20;
const SEED = 0xdeadbe11;


const pids = new Set<number>();
let home = '';

before(() => {
  ensureBundle();
  home = tempHome('lr-crashd-');
});

after(async () => {
  await killPids(pids);
  rmSync(home, { recursive: true, force: true });
});

interface Ready {
  child: ChildProcess;
  port: number;
  token: string;
}

function startDaemonChild(): Promise<Ready> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DIST_DAEMON, '--simulate', '--json'], { env: childEnv(home), stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid !== undefined) {
      pids.add(child.pid);
    }
    let out = '';
    let err = '';
    const guard = setTimeout(() => reject(new Error(`daemon not ready in 30 s: ${out} ${err}`)), 30_000);
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      for (const line of out.split('\n')) {
        if (line.startsWith('{')) {
          try {
            const ready = JSON.parse(line) as { event?: string; port?: number; token?: string };
            if (ready.event === 'ready' && typeof ready.port === 'number' && typeof ready.token === 'string') {
              clearTimeout(guard);
              resolve({ child, port: ready.port, token: ready.token });
              return;
            }
          } catch {
            // A partial line; more is coming.
          }
        }
      }
    });
    child.on('exit', (code) => {
      clearTimeout(guard);
      reject(new Error(`daemon exited before ready (code ${code}): ${err}`));
    });
  });
}

/** One chat completion; resolves with the ledger id once the daemon has fully answered, else null. */
function chat(ready: Ready, agent: Agent, n: number, stream: boolean): Promise<string | null> {
  const body = JSON.stringify({ model: 'auto', stream, messages: [{ role: 'user', content: `crash round request ${n}: summarise the ledger` }] });
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port: ready.port, path: '/v1/chat/completions', method: 'POST', agent, headers: { authorization: `Bearer ${ready.token}`, 'content-type': 'application/json' } },
      (res) => {
        const id = res.headers['x-llm-router-request-id'];
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          const complete = res.statusCode === 200 && (!stream || text.includes('data: [DONE]'));
          resolve(complete && typeof id === 'string' ? id : null);
        });
        res.on('error', () => resolve(null));
      },
    );
    req.on('error', () => resolve(null));
    req.end(body);
  });
}

test(`SIGKILL of the real daemon at ${ROUNDS} random points never loses an answered request`, { timeout: 300_000 }, async () => {
  const rand = mulberry32(SEED);
  const answered: string[] = [];
  let killedMidTraffic = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const ready = await startDaemonChild();
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    const workers = 1 + Math.floor(rand() * 16);
    const killAfter = 1 + Math.floor(rand() * 80);
    const streamShare = rand();
    let n = 0;
    let stop = false;
    const roundAnswered: string[] = [];
    const exited = new Promise<void>((r) => ready.child.once('exit', () => r()));
    const kill = (): void => {
      if (!stop) {
        stop = true;
        ready.child.kill('SIGKILL');
      }
    };
    const worker = async (): Promise<void> => {
      while (!stop) {
        const id = await chat(ready, agent, n++, rand() < streamShare);
        if (id !== null) {
          roundAnswered.push(id);
          if (roundAnswered.length >= killAfter) {
            kill();
          }
        }
      }
    };
    const guard = setTimeout(kill, 20_000);
    await Promise.all(Array.from({ length: workers }, () => worker()));
    clearTimeout(guard);
    await exited;
    agent.destroy();
    answered.push(...roundAnswered);
    if (roundAnswered.length > 0) {
      killedMidTraffic++;
    }

    const store = await Store.open({ dir: home, log: () => undefined });
    const present = new Set(store.read((tx) => tx.all<{ id: string }>('SELECT id FROM requests')).map((r) => r.id));
    const missing = answered.filter((id) => !present.has(id));
    assert.deepEqual(missing.slice(0, 5), [], `round ${round}: ${missing.length} of ${answered.length} answered requests missing from the ledger`);
    assert.equal(store.integrityCheck(), 'ok', `round ${round}`);
    await store.close();
  }
  console.log(`daemon crash harness: ${ROUNDS} kills, ${answered.length} answered requests all recorded`);
  assert.ok(killedMidTraffic >= ROUNDS / 2, `only ${killedMidTraffic} rounds killed the daemon mid-traffic`);
});
