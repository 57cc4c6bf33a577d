// One daemon per user under races, as real child processes of dist/daemon.js.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { startOrAttach, DAEMON_NODE_ENV, EXIT_ALREADY_RUNNING } from '../../../daemon/lifecycle/attach';
import { discoveryPath, isPidAlive, readDiscovery, writeDiscovery } from '../../../daemon/lifecycle/discovery';
import { PACKAGE_VERSION } from '../../../daemon/lifecycle/version';
import { createHttpRpcClient } from '../../../daemon/client/httpClient';
import { connectLspClient } from '../../../daemon/client/lspClient';
import { DIST_DAEMON, childEnv, daemonPidsFor, ensureBundle, killPids, tempHome, waitFor } from './helpers';

const started = new Set<number>();
const homes: string[] = [];
const servers: Server[] = [];

function home(): string {
  const h = tempHome('lr-life-');
  homes.push(h);
  return h;
}

async function start(h: string, args: string[] = ['--simulate'], extraEnv: NodeJS.ProcessEnv = {}, expectedVersion?: string) {
  const info = await startOrAttach({ home: h, daemonScript: DIST_DAEMON, env: childEnv(h, extraEnv), args, timeoutMs: 30_000, ...(expectedVersion ? { expectedVersion } : {}) });
  started.add(info.pid);
  return info;
}

before(() => ensureBundle());
after(async () => {
  await killPids([...started, ...homes.flatMap(daemonPidsFor)]);
  for (const s of servers) {
    s.close();
  }
  for (const h of homes) {
    rmSync(h, { recursive: true, force: true });
  }
});

test('the first call starts a daemon, the second attaches to it', async () => {
  const h = home();
  const a = await start(h);
  assert.ok(isPidAlive(a.pid));
  assert.equal(a.version, PACKAGE_VERSION);
  const b = await start(h);
  assert.equal(b.pid, a.pid);
  assert.equal(b.token, a.token);
  const client = createHttpRpcClient(a);
  try {
    const status = await client.call('daemon/status', {});
    assert.equal(status.pid, a.pid);
    assert.equal(status.simulate, true);
  } finally {
    client.close();
  }
});

test('the daemon starts with a fixed malloc mmap threshold, and a starter setting its own wins', { skip: process.platform !== 'linux' }, async () => {
  const environOf = (pid: number): string[] => readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  const a = await start(home());
  assert.ok(environOf(a.pid).includes(`MALLOC_MMAP_THRESHOLD_=${DAEMON_NODE_ENV.MALLOC_MMAP_THRESHOLD_ ?? ''}`));
  const b = await start(home(), ['--simulate'], { MALLOC_MMAP_THRESHOLD_: '262144' });
  assert.ok(environOf(b.pid).includes('MALLOC_MMAP_THRESHOLD_=262144'));
});

test('ten concurrent clients end with one daemon', async () => {
  const h = home();
  const infos = await Promise.all(Array.from({ length: 10 }, () => start(h)));
  const pids = new Set(infos.map((i) => i.pid));
  assert.equal(pids.size, 1, `pids: ${[...pids].join(',')}`);
  // No second daemon process is left running for this home either.
  if (process.platform === 'linux') {
    await waitFor(() => daemonPidsFor(h).length === 1, 10_000, 'losing daemons to exit');
    assert.deepEqual(daemonPidsFor(h), [...pids]);
  }
});

test('a stale discovery file (dead pid, port answering for someone else) is recovered', async () => {
  const h = home();
  const impostor = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ status: 'ok', pid: 1 }));
  });
  servers.push(impostor);
  await new Promise<void>((r) => impostor.listen(0, '127.0.0.1', () => r()));
  const port = (impostor.address() as AddressInfo).port;
  writeDiscovery(h, { version: PACKAGE_VERSION, pid: 2 ** 22 + 777, socketPath: '/nonexistent', port, token: 'b'.repeat(64), startedAt: 1 });
  const info = await start(h);
  assert.notEqual(info.pid, 2 ** 22 + 777);
  assert.notEqual(info.port, port);
  assert.equal(readDiscovery(h)?.pid, info.pid);

  // A live pid (ours) whose port now answers with another pid is not attached to either.
  const h2 = home();
  writeDiscovery(h2, { version: PACKAGE_VERSION, pid: process.pid, socketPath: '/nonexistent', port, token: 'c'.repeat(64), startedAt: 1 });
  const info2 = await start(h2);
  assert.notEqual(info2.pid, process.pid);
  assert.equal(readDiscovery(h2)?.pid, info2.pid);
});

test('a daemon refuses to start while another live daemon owns the home', async () => {
  const h = home();
  const info = await start(h);
  const r = spawnSync(process.execPath, [DIST_DAEMON, 'daemon', '--home', h, '--simulate'], { env: childEnv(h), encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, EXIT_ALREADY_RUNNING, r.stderr);
  assert.match(r.stderr, /already running/);
  assert.equal(readDiscovery(h)?.pid, info.pid);
});

test('idle shutdown exits and removes the discovery file', async () => {
  const h = home();
  const info = await start(h, ['--simulate', '--idle-timeout', '800']);
  await waitFor(() => !isPidAlive(info.pid), 20_000, 'the idle daemon to exit');
  assert.equal(existsSync(discoveryPath(h)), false);
});

test('SIGTERM stops gracefully and removes the discovery file', async () => {
  const h = home();
  const info = await start(h);
  process.kill(info.pid, 'SIGTERM');
  await waitFor(() => !isPidAlive(info.pid), 20_000, 'the daemon to stop');
  assert.equal(existsSync(discoveryPath(h)), false);
});

test('a daemon of another version is asked to shut down and replaced', async () => {
  const h = home();
  const old = await start(h, ['--simulate'], { LLM_ROUTER_VERSION_OVERRIDE: '0.0.1-old' });
  assert.equal(old.version, '0.0.1-old');
  const fresh = await start(h, ['--simulate'], {}, PACKAGE_VERSION);
  assert.notEqual(fresh.pid, old.pid);
  assert.equal(fresh.version, PACKAGE_VERSION);
  assert.equal(isPidAlive(old.pid), false);
  assert.equal(readDiscovery(h)?.pid, fresh.pid);
});

test('a client of an older version attaches to a newer daemon instead of replacing it', async () => {
  const h = home();
  const newer = await start(h, ['--simulate'], { LLM_ROUTER_VERSION_OVERRIDE: '99.0.0' });
  const attached = await start(h, ['--simulate'], {}, PACKAGE_VERSION);
  assert.equal(attached.pid, newer.pid);
  assert.equal(isPidAlive(newer.pid), true);
  process.kill(newer.pid, 'SIGTERM');
  await waitFor(() => !isPidAlive(newer.pid), 20_000, 'the daemon to stop');
});

test('the foreground daemon prints a ready-to-paste curl line and stops on SIGINT', async () => {
  const h = home();
  const child = spawn(process.execPath, [DIST_DAEMON, 'daemon', '--home', h, '--simulate-if-no-keys'], { env: childEnv(h), stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(child.pid ?? 0);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes('Ctrl-C'), 30_000, 'the ready lines');
  const info = readDiscovery(h);
  assert.ok(info);
  assert.match(out, /No provider API key found/);
  assert.ok(out.includes(`curl -s http://127.0.0.1:${info.port}/v1/chat/completions -H "Authorization: Bearer ${info.token}"`));
  assert.ok(out.includes(`baseURL: 'http://127.0.0.1:${info.port}/v1'`));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGINT');
  assert.equal(await exited, 0);
  assert.equal(existsSync(discoveryPath(h)), false);
});

test('SIGTERM lets an in-flight request finish and records it before the daemon exits', async () => {
  const h = home();
  // A slow simulated provider, so the request is still running when the signal arrives.
  writeFileSync(join(h, 'config.json'), JSON.stringify({ simulator: { ttftMs: 1500 } }));
  const info = await start(h);
  const client = createHttpRpcClient(info);
  try {
    const pending = client.call('chat/complete', { messages: [{ role: 'user', content: 'Take your time.' }] });
    await new Promise((r) => setTimeout(r, 400));
    process.kill(info.pid, 'SIGTERM');
    const result = await pending;
    assert.ok(result.text.length > 0);
    await waitFor(() => !isPidAlive(info.pid), 20_000, 'the daemon to stop');
  } finally {
    client.close();
  }
  // The next daemon on this home finds the request in the ledger.
  const next = await start(h);
  const again = createHttpRpcClient(next);
  try {
    const page = await again.call('spend/requests', { limit: 10 });
    assert.equal(page.rows.length, 1);
    assert.equal(page.rows[0]?.status, 'ok');
  } finally {
    again.close();
  }
});

test('a daemon killed with SIGKILL is replaced by the next client', async () => {
  const h = home();
  const first = await start(h);
  process.kill(first.pid, 'SIGKILL');
  await waitFor(() => !isPidAlive(first.pid), 10_000, 'the killed daemon to go');
  // Its discovery file and socket are left behind; the next start must not trip over them.
  assert.equal(readDiscovery(h)?.pid, first.pid);
  const second = await start(h);
  assert.notEqual(second.pid, first.pid);
  assert.equal(readDiscovery(h)?.pid, second.pid);
});

test('closing one window never stops the daemon for the others; it idles out after the last one leaves', async () => {
  const h = home();
  const info = await start(h, ['--simulate', '--idle-timeout', '800']);
  const a = await connectLspClient(info, { kind: 'editor', name: 'window A' });
  const b = await connectLspClient(info, { kind: 'editor', name: 'window B' });
  a.close();
  await new Promise((r) => setTimeout(r, 2_000));
  assert.ok(isPidAlive(info.pid), 'still serving window B');
  const status = await b.call('daemon/status', {});
  assert.equal(status.clients, 1);
  b.close();
  await waitFor(() => !isPidAlive(info.pid), 20_000, 'the idle daemon to exit after the last window');
  assert.equal(existsSync(discoveryPath(h)), false);
});

test('daemon/shutdown over the socket: its answer reaches the client, then the daemon exits and hangs up', { timeout: 30_000 }, async () => {
  // The server closes right after the answer (on the next tick); closing flushes queued replies
  // instead of destroying the sockets, so the client gets the answer, not a hang-up. (When the
  // sockets were destroyed, the call here never settled: the timeout makes that a failure.)
  const h = home();
  const info = await start(h);
  const c = await connectLspClient(info, { kind: 'editor', name: 'window' });
  try {
    const answer = await c.call('daemon/shutdown', { reason: 'test' });
    assert.deepEqual(answer, { pid: info.pid, shuttingDown: true });
    await c.closed;
    await waitFor(() => !isPidAlive(info.pid), 20_000, 'the daemon to exit after daemon/shutdown');
  } finally {
    c.close();
  }
});
