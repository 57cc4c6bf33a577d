// Proves a command (normally `npm test`) leaves a person's own LLM Router alone.
//
//   node scripts/sentinel-check.mjs -- npm test
//
// It stands in for a developer's desktop: a session bus with an unlocked gnome-keyring holding
// "real" keys under the product's own service name `llm-router`, and a running daemon of the
// person's own at the default home (`$XDG_CONFIG_HOME/llm-router`, no LLM_ROUTER_HOME). It runs the
// command in that environment, then checks that every planted keychain entry still holds its
// value (and no probe entry was written), and that the daemon is the same process, its discovery
// file byte for byte the same, its ledger still empty, no client attached and its folder holding
// the same files. Any difference fails the run (exit 1), naming it.
//
// The session is always a private one this script starts itself (dbus-run-session; its keyring,
// runtime dir and config folder are temp folders), so running it on a real desktop never touches
// that desktop's keychain or daemon either.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const INSIDE = 'LLM_ROUTER_SENTINEL_SESSION';
const SERVICE = 'llm-router';
const ACCOUNTS = ['openai', 'anthropic', 'google', 'gemini', 'openrouter', 'groq', 'deepseek', 'mistral', 'together', 'xai'];
const PROBE_ACCOUNT = '__llm-router-probe__';
const DAEMON = resolve('dist/daemon.js');

const dash = process.argv.indexOf('--');
const command = dash >= 0 ? process.argv.slice(dash + 1) : [];
if (command.length === 0) {
  console.error('usage: node scripts/sentinel-check.mjs -- <command> [args…]   (e.g. -- npm test)');
  process.exit(2);
}

if (process.env[INSIDE] === undefined) {
  process.exit(startPrivateSession());
} else {
  process.exit(await checkInside());
}

/** Re-runs this script inside a fresh session bus with its own keyring and config folder. */
function startPrivateSession() {
  for (const binary of ['dbus-run-session', 'gnome-keyring-daemon']) {
    if (spawnSync('sh', ['-c', `command -v ${binary}`]).status !== 0) {
      console.error(`sentinel: ${binary} is not installed (Debian: gnome-keyring dbus-x11); cannot stand in for a desktop keychain`);
      return 2;
    }
  }
  const root = mkdtempSync(join(tmpdir(), 'lr-sentinel-'));
  const runtime = join(root, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  const env = { ...process.env, [INSIDE]: root, XDG_RUNTIME_DIR: runtime, XDG_DATA_HOME: join(root, 'data'), XDG_CONFIG_HOME: join(root, 'config') };
  for (const k of ['DBUS_SESSION_BUS_ADDRESS', 'LLM_ROUTER_HOME', 'LLM_ROUTER_KEYCHAIN_SERVICE']) {
    delete env[k];
  }
  try {
    const r = spawnSync(
      'dbus-run-session',
      ['--', 'sh', '-c', 'echo -n sentinel | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"', 'sh', process.execPath, ...process.argv.slice(1)],
      { env, stdio: 'inherit' },
    );
    return r.status ?? 1;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function checkInside() {
  const { AsyncEntry } = await import('@napi-rs/keyring');
  const entry = (account) => new AsyncEntry(SERVICE, account, { linux: { store: 'secret-service' } });
  const configHome = process.env.XDG_CONFIG_HOME ?? '';
  const home = join(configHome, 'llm-router');
  const problems = [];

  // 1. The person's keys.
  const planted = new Map(ACCOUNTS.map((a) => [a, `sentinel-${a}-${randomBytes(12).toString('hex')}`]));
  for (const [account, value] of planted) {
    await entry(account).setPassword(value);
    if ((await entry(account).getPassword()) !== value) {
      console.error(`sentinel: the private keyring did not keep ${SERVICE}/${account}; cannot run the check`);
      return 2;
    }
  }

  // 2. The person's daemon at the default home.
  if (!existsSync(DAEMON)) {
    spawnSync(process.execPath, ['esbuild.mjs'], { stdio: 'inherit' });
  }
  const daemonEnv = { ...process.env };
  delete daemonEnv[INSIDE];
  // Started through a shell that exits at once, so the daemon is nobody's child here: a command
  // that stops it sees it gone (our own child would linger as a zombie until we reaped it).
  const daemonLog = join(process.env[INSIDE], 'sentinel-daemon.out');
  spawnSync('sh', ['-c', '"$0" "$@" >"$SENTINEL_LOG" 2>&1 </dev/null &', process.execPath, DAEMON, 'daemon', '--simulate', '--idle-timeout', '0', '--json'], {
    env: { ...daemonEnv, SENTINEL_LOG: daemonLog },
    stdio: 'ignore',
  });
  let ready = null;
  for (const until = Date.now() + 30_000; ready === null && Date.now() < until; ) {
    const line = existsSync(daemonLog) ? readFileSync(daemonLog, 'utf8').split('\n').find((l) => l.startsWith('{"event":"ready"')) : undefined;
    if (line !== undefined) {
      ready = JSON.parse(line);
    } else {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (ready === null || ready.home !== home) {
    console.error(`sentinel: the daemon did not start at the default home ${home}: ${existsSync(daemonLog) ? readFileSync(daemonLog, 'utf8') : ''}`);
    if (ready !== null) {
      process.kill(ready.pid, 'SIGKILL');
    }
    return 2;
  }
  const pid = ready.pid;
  const rpc = async (method, params = {}) => {
    const res = await fetch(`http://127.0.0.1:${ready.port}/rpc`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ready.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = await res.json();
    if (body.error !== undefined) {
      throw new Error(`${method}: ${body.error.message}`);
    }
    return body.result;
  };
  const discoveryBefore = readFileSync(join(home, 'daemon.json'));
  const filesBefore = readdirSync(home).sort();
  const configBefore = readdirSync(configHome).sort();
  console.log(`sentinel: planted ${planted.size} entries under keychain service "${SERVICE}" and a daemon (pid ${pid}, port ${ready.port}) at ${home}`);

  // 3. The command, in this environment (as on the person's desktop).
  const run = spawnSync(command[0], command.slice(1), { stdio: 'inherit', env: daemonEnv });
  const status = run.status ?? 1;

  // 4. Everything as it was.
  for (const [account, value] of planted) {
    let now;
    try {
      now = await entry(account).getPassword();
    } catch (e) {
      now = `unreadable (${e.message})`;
    }
    if (now !== value) {
      problems.push(`keychain ${SERVICE}/${account} was ${now === null ? 'deleted' : 'changed'}`);
    }
  }
  if ((await entry(PROBE_ACCOUNT).getPassword()) !== null) {
    problems.push(`keychain ${SERVICE}/${PROBE_ACCOUNT} was written (a keychain probe ran against the person's service)`);
  }
  let alive = true;
  try {
    process.kill(pid, 0);
  } catch {
    alive = false;
    problems.push(`the person's daemon (pid ${pid}) was stopped`);
  }
  const discoveryAfter = existsSync(join(home, 'daemon.json')) ? readFileSync(join(home, 'daemon.json')) : Buffer.alloc(0);
  if (!discoveryAfter.equals(discoveryBefore)) {
    problems.push(`the person's discovery file ${join(home, 'daemon.json')} was ${discoveryAfter.length === 0 ? 'removed' : 'rewritten'}`);
  }
  const filesAfter = existsSync(home) ? readdirSync(home).sort() : [];
  if (filesAfter.join('\n') !== filesBefore.join('\n')) {
    problems.push(`the person's home changed: before [${filesBefore.join(', ')}], after [${filesAfter.join(', ')}]`);
  }
  const configAfter = readdirSync(configHome).sort();
  if (configAfter.join('\n') !== configBefore.join('\n')) {
    problems.push(`the person's config folder changed: before [${configBefore.join(', ')}], after [${configAfter.join(', ')}]`);
  }
  if (alive) {
    try {
      const st = await rpc('daemon/status');
      if (st.pid !== pid) {
        problems.push(`the daemon answering at port ${ready.port} is pid ${st.pid}, not ${pid}`);
      }
      if (st.clients !== 0) {
        problems.push(`${st.clients} client(s) attached to the person's daemon`);
      }
      const rows = await rpc('spend/requests', { limit: 5 });
      if (rows.rows.length > 0) {
        problems.push(`the person's ledger gained ${rows.rows.length}+ request(s): ${rows.rows.map((r) => r.id).join(', ')}`);
      }
      const budgets = await rpc('budget/list');
      if (JSON.stringify(budgets).includes('"id"')) {
        problems.push(`the person's daemon gained budgets: ${JSON.stringify(budgets).slice(0, 200)}`);
      }
    } catch (e) {
      problems.push(`the person's daemon no longer answers with its token: ${e.message}`);
    }
  }

  // 5. Clean up what this script made (the private session goes away with it).
  if (alive) {
    process.kill(pid, 'SIGTERM');
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      try {
        process.kill(pid, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  for (const account of planted.keys()) {
    await entry(account).deletePassword().catch(() => undefined);
  }

  if (problems.length > 0) {
    console.error(`\nsentinel: the command touched the person's own keychain or daemon:\n  - ${problems.join('\n  - ')}`);
    return 1;
  }
  console.log(`sentinel: untouched after the command: ${planted.size} keychain entries (and no probe entry), the daemon (same pid, discovery file, files; no client, no request, no budget)`);
  return status;
}
