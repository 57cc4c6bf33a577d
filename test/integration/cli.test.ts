// The `llm-router` CLI as a real program (dist/cli.js) against a real daemon it starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { readDiscovery, isPidAlive } from '../../daemon/lifecycle/discovery';
import { cliHarness, DIST_CLI, DIST_DAEMON, childEnv, daemonPidsFor, killPids, tempHome } from './lifecycle/helpers';

const { home, cli } = cliHarness('lr-cli-');


test('status when nothing runs: "not running", exit 3; --json says so too', () => {
  const r = cli('status');
  assert.equal(r.status, 3);
  assert.match(r.stdout, /not running/);
  const j = cli('status', '--json');
  assert.equal(j.status, 3);
  assert.deepEqual(JSON.parse(j.stdout), { running: false, home });
});

test('ask starts a simulated daemon and streams the answer, then model · reason · cost', () => {
  const r = cli('ask', '--simulate', 'What is 2 + 2?');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  const footer = lines[lines.length - 1] ?? '';
  assert.match(footer, /^— \S+ · .+ · (\$\d+\.\d+|cost unknown)$/);
  const answer = lines.slice(0, -2).join('\n');
  assert.ok(answer.trim().length > 0, 'an answer before the footer');
  const info = readDiscovery(home);
  assert.ok(info && isPidAlive(info.pid));
});

test('ask --json: one JSON object per line, text pieces then done', () => {
  const r = cli('ask', '--json', 'Name a colour.');
  assert.equal(r.status, 0, r.stderr);
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; text?: string; model?: string; requestId?: string });
  const done = events[events.length - 1];
  assert.equal(done?.type, 'done');
  assert.ok(done?.model);
  assert.ok(done?.requestId);
  const texts = events.filter((e) => e.type === 'text');
  assert.ok(texts.length >= 1);
  assert.ok(texts.map((e) => e.text ?? '').join('').length > 0);
});

test('status --json describes the running daemon', () => {
  const r = cli('status', '--json');
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout) as { running: boolean; pid: number; simulate: boolean; home: string; port: number };
  const info = readDiscovery(home);
  assert.equal(s.running, true);
  assert.equal(s.pid, info?.pid);
  assert.equal(s.port, info?.port);
  assert.equal(s.simulate, true);
  assert.equal(s.home, home);
});

test('usage errors exit 2 on stderr', () => {
  const r = cli('ask', '--tradeoff', 'fastest', 'hi');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--tradeoff must be one of/);
  assert.equal(cli('frobnicate').status, 2);
});

test('stop stops the daemon gracefully', () => {
  const info = readDiscovery(home);
  assert.ok(info);
  const r = cli('stop', '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { stopped: true, pid: info.pid });
  assert.equal(isPidAlive(info.pid), false);
  assert.equal(readDiscovery(home), null);
  assert.equal(cli('status').status, 3);
});

test('ten `llm-router ask` processes started at once share one daemon', async () => {
  const h = tempHome('lr-cli-race-');
  const raceEnv = childEnv(h, { LLM_ROUTER_DAEMON_SCRIPT: DIST_DAEMON });
  try {
    const runs = await Promise.all(
      Array.from(
        { length: 10 },
        (_, i) =>
          new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
            const child = spawn(process.execPath, [DIST_CLI, 'ask', '--simulate', '--json', `question ${i}`], { env: raceEnv, stdio: ['ignore', 'pipe', 'pipe'] });
            let out = '';
            let err = '';
            child.stdout.on('data', (d: Buffer) => (out += d.toString()));
            child.stderr.on('data', (d: Buffer) => (err += d.toString()));
            child.on('close', (code) => resolve({ code, out, err }));
          }),
      ),
    );
    for (const r of runs) {
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /"type":"done"/);
    }
    if (process.platform === 'linux') {
      assert.equal(daemonPidsFor(h).length, 1);
    }
    const info = readDiscovery(h);
    assert.ok(info && isPidAlive(info.pid));
  } finally {
    const info = readDiscovery(h);
    await killPids([...(info ? [info.pid] : []), ...daemonPidsFor(h)]);
    rmSync(h, { recursive: true, force: true });
  }
});
