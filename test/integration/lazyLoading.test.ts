// The bundle's lazily loaded parts stay unloaded until their first use: an idle daemon
// (dist/daemon.js, simulate mode) requires none of dist/vendor/*.js and none of the Node modules
// only they need (node:http2, node:tls), and a chat call and an editor's connection load exactly
// the ones they use. The daemon reports what it loaded as it exits, through a --require preload.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DIST_DAEMON, childEnv, ensureBundle, killPids, tempHome } from './lifecycle/helpers';

const pids = new Set<number>();
let dir = '';

before(() => {
  ensureBundle();
  dir = tempHome('lr-lazy-');
  // Written at exit: the files the CommonJS loader loaded, and Node's built-in modules.
  writeFileSync(
    join(dir, 'report.cjs'),
    `process.on('exit', () => require('node:fs').writeFileSync(process.env.LOADED_REPORT, JSON.stringify({ files: Object.keys(require.cache), builtins: process.moduleLoadList })));\n`,
  );
});

after(async () => {
  await killPids(pids);
  rmSync(dir, { recursive: true, force: true });
});

interface Loaded {
  vendor: string[];
  builtins: string[];
}

/** Starts a daemon, runs `use` against it, stops it (SIGTERM) and returns what it had loaded. */
async function loadedAfter(name: string, use: (ready: { port: number; token: string; socketPath: string }) => Promise<void>): Promise<Loaded> {
  const home = join(dir, name);
  const report = join(dir, `${name}.json`);
  const child = spawn(process.execPath, ['--require', join(dir, 'report.cjs'), DIST_DAEMON, '--home', home, '--simulate', '--json', '--port', '0'], {
    env: { ...childEnv(home), LOADED_REPORT: report },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid !== undefined) {
    pids.add(child.pid);
  }
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const ready = await new Promise<{ port: number; token: string; socketPath: string }>((resolve, reject) => {
    let out = '';
    const guard = setTimeout(() => reject(new Error(`daemon not ready in 30 s: ${out}`)), 30_000);
    child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const line = out.split('\n').find((l) => l.startsWith('{"event":"ready"'));
      if (line !== undefined) {
        clearTimeout(guard);
        resolve(JSON.parse(line) as { port: number; token: string; socketPath: string });
      }
    });
    void exited.then((code) => reject(new Error(`daemon exited (${String(code)}) before ready: ${out}`)));
  });
  await use(ready);
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  const seen = JSON.parse(readFileSync(report, 'utf8')) as { files: string[]; builtins: string[] };
  return {
    vendor: seen.files
      .filter((f) => /[\\/]dist[\\/]vendor[\\/]/.test(f))
      .map((f) => f.replace(/^.*[\\/]/, ''))
      .sort(),
    builtins: seen.builtins.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length)),
  };
}

test('an idle daemon loads no vendor file, nor node:http2 or node:tls', async () => {
  const loaded = await loadedAfter('idle', async () => {
    await new Promise((r) => setTimeout(r, 500));
  });
  assert.deepEqual(loaded.vendor, []);
  assert.ok(!loaded.builtins.includes('http2'), 'node:http2 loaded at idle');
  assert.ok(!loaded.builtins.includes('tls'), 'node:tls loaded at idle');
});

test('a chat call loads undici, an editor connection the language server runtime; pg stays out', async () => {
  const loaded = await loadedAfter('used', async ({ port, token, socketPath }) => {
    const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello' }] }),
    });
    assert.equal(res.status, 200);
    await res.json();
    await new Promise<void>((resolve, reject) => {
      const s = connect(socketPath, () => {
        s.end();
      });
      s.on('close', () => resolve());
      s.on('error', reject);
    });
  });
  assert.deepEqual(loaded.vendor, ['undici.js', 'vscode-languageserver.js']);
});
