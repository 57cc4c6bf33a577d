// One daemon shared by many clients, as real child processes of dist/daemon.js: closing one
// window never stops the daemon for the others (even with a short idle timeout), and a graceful
// stop (SIGTERM) lets in-flight requests — streaming and not — finish, records them, and leaves no
// open budget reservation behind. (Ten clients at once, stale discovery files, version
// replacement and idle exit are covered in lifecycle/startOrAttach.test.ts.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'node:http';
import { isPidAlive } from '../../daemon/lifecycle/discovery';
import { Store } from '../../daemon/store/database';
import { attachLsp } from './lspClient';
import { DIST_DAEMON, childEnv, ensureBundle, killPids, tempHome, waitFor } from './lifecycle/helpers';

const pids = new Set<number>();
const homes: string[] = [];

before(() => ensureBundle());
after(async () => {
  await killPids(pids);
  for (const h of homes) {
    rmSync(h, { recursive: true, force: true });
  }
});

interface Ready {
  child: ChildProcess;
  home: string;
  port: number;
  token: string;
  socketPath: string;
  exited: Promise<number | null>;
}

function startDaemonChild(args: string[], config: unknown = {}): Promise<Ready> {
  const home = tempHome('lr-races-');
  homes.push(home);
  writeFileSync(join(home, 'config.json'), JSON.stringify(config));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DIST_DAEMON, '--simulate', '--json', ...args], { env: childEnv(home), stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid !== undefined) {
      pids.add(child.pid);
    }
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    let out = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const line = out.split('\n').find((l) => l.startsWith('{"event":"ready"'));
      if (line !== undefined) {
        const r = JSON.parse(line) as { port: number; token: string; socketPath: string };
        resolve({ child, home, port: r.port, token: r.token, socketPath: r.socketPath, exited });
      }
    });
    void exited.then((code) => reject(new Error(`daemon exited (code ${code}) before ready: ${out}`)));
  });
}

test('closing one window never stops the daemon for the others, even with a short idle timeout', { timeout: 60_000 }, async () => {
  const d = await startDaemonChild(['--idle-timeout', '300']);
  const pid = d.child.pid ?? 0;
  const a = await attachLsp(d.socketPath, d.token, 'Window A');
  const b = await attachLsp(d.socketPath, d.token, 'Window B');
  const c = await attachLsp(d.socketPath, d.token, 'Window C');
  await a.close();
  await c.close();
  // Several idle periods pass with B still attached and silent.
  await new Promise((r) => setTimeout(r, 1500));
  assert.ok(isPidAlive(pid), 'the daemon is still running for window B');
  const status = (await b.connection.sendRequest('daemon/status', {})) as { clients: number; pid: number };
  assert.equal(status.pid, pid);
  assert.equal(status.clients, 1);
  const answer = (await b.connection.sendRequest('chat/complete', { messages: [{ role: 'user', content: 'still there?' }] })) as { text: string };
  assert.ok(answer.text.length > 0);
  // The last window leaving lets the idle timeout end the daemon.
  await b.close();
  assert.equal(await d.exited, 0);
});

function chat(d: Ready, stream: boolean, n: number): { headers: Promise<void>; done: Promise<{ status: number; body: string; id: string }> } {
  let headersSeen: () => void = () => undefined;
  const headers = new Promise<void>((r) => (headersSeen = r));
  const done = new Promise<{ status: number; body: string; id: string }>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: d.port, method: 'POST', path: '/v1/chat/completions', headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/json' } },
      (res) => {
        headersSeen();
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, id: String(res.headers['x-llm-router-request-id'] ?? '') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ model: 'auto', stream, messages: [{ role: 'user', content: `in flight during shutdown ${n}, answer at length please` }] }));
  });
  return { headers, done };
}

test('a graceful stop lets in-flight requests finish, records them and settles their reservations', { timeout: 90_000 }, async () => {
  // Slow simulated providers: each answer takes over a second, so the stop lands mid-request.
  const d = await startDaemonChild([], { simulator: { ttftMs: 800, tokensPerSecond: 40 } });
  const rpc = await new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: d.port, method: 'POST', path: '/rpc', headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'budget/set', params: { scope: 'global', period: 'day', limitUsd: 100 } }));
  });
  assert.equal(rpc, 200);
  const calls = Array.from({ length: 6 }, (_, i) => chat(d, i % 2 === 0, i));
  // Streams have started (headers sent) and the others have been admitted before the stop.
  await Promise.all(calls.filter((_, i) => i % 2 === 0).map((c) => c.headers));
  d.child.kill('SIGTERM');
  const results = await Promise.all(calls.map((c) => c.done));
  for (const [i, r] of results.entries()) {
    assert.equal(r.status, 200, `request ${i}: ${r.body.slice(0, 200)}`);
    if (i % 2 === 0) {
      assert.ok(r.body.includes('data: [DONE]'), `stream ${i} ran to its end`);
    } else {
      assert.ok((JSON.parse(r.body) as { choices: unknown[] }).choices.length > 0);
    }
  }
  assert.equal(await d.exited, 0, 'the daemon exits cleanly after the in-flight work');
  const store = await Store.open({ dir: d.home, log: () => undefined });
  try {
    const rows = store.read((tx) => tx.all<{ id: string; status: string }>('SELECT id, status FROM requests'));
    for (const r of results) {
      assert.ok(rows.some((row) => row.id === r.id && row.status === 'ok'), `request ${r.id} is recorded as ok`);
    }
    const open = store.read((tx) => tx.get<{ n: number }>('SELECT count(*) AS n FROM reservations'))?.n;
    assert.equal(open, 0, 'no reservation is left open');
    // The budget saw the spend (so reservations were taken) and holds nothing back any more.
    const usage = store.read((tx) => tx.get<{ spent: number; reserved: number }>('SELECT sum(spent_usd) AS spent, sum(reserved_usd) AS reserved FROM budget_usage'));
    assert.ok((usage?.spent ?? 0) > 0, `spend was counted against the budget: ${JSON.stringify(usage)}`);
    assert.ok(Math.abs(usage?.reserved ?? 1) < 1e-9, `nothing is still reserved: ${JSON.stringify(usage)}`);
    assert.equal(store.integrityCheck(), 'ok');
  } finally {
    await store.close();
  }
});

test('a request arriving during a graceful stop is refused or served, never left hanging', { timeout: 60_000 }, async () => {
  const d = await startDaemonChild([], { simulator: { ttftMs: 600, tokensPerSecond: 40 } });
  const first = chat(d, true, 0);
  await first.headers;
  d.child.kill('SIGTERM');
  const late = chat(d, false, 1).done.then(
    (r) => r.status,
    (e: NodeJS.ErrnoException) => e.code ?? 'error',
  );
  const outcome = await late;
  assert.ok(outcome === 200 || outcome === 503 || outcome === 'ECONNREFUSED' || outcome === 'ECONNRESET', `late request: ${outcome}`);
  assert.equal((await first.done).status, 200);
  assert.equal(await d.exited, 0);
  await waitFor(() => !isPidAlive(d.child.pid ?? 0), 10_000, 'the daemon to exit');
});
