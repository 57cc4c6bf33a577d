// The real OS keychain, only inside a session bus the test starts itself: `dbus-run-session` with
// a fresh, unlocked gnome-keyring whose data, runtime dir and home are temp folders. Whatever the
// machine offers (a developer's desktop session, CI's own keyring), a keychain test never reaches
// it: DBUS_SESSION_BUS_ADDRESS and XDG_RUNTIME_DIR both point into the private session.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

let services = 0;

/** A keychain service name no other test (and no person) uses. */
export function testKeychainService(): string {
  return `llm-router-test-${process.pid}-${++services}-${randomBytes(4).toString('hex')}`;
}

/** Set inside the private session; a keychain test file refuses to run without it. */
export const PRIVATE_KEYRING_ENV = 'LLM_ROUTER_TEST_PRIVATE_KEYRING';

function onPath(binary: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && spawnSync('test', ['-x', join(dir, binary)]).status === 0);
}

/** Why the real keychain cannot be tested here, or null when it can. */
export function privateKeyringUnavailable(): string | null {
  if (process.platform !== 'linux') {
    return `the private keyring session needs Linux (this is ${process.platform})`;
  }
  const missing = ['dbus-run-session', 'gnome-keyring-daemon'].filter((b) => !onPath(b));
  return missing.length > 0 ? `${missing.join(' and ')} not installed (Debian: gnome-keyring dbus-x11)` : null;
}

/**
 * Runs `node --import tsx --test <file>` inside a private session bus with an unlocked keyring.
 * The marker variable holds the private runtime dir, so the file can check where it runs.
 */
export function runInPrivateKeyring(testFile: string, extraEnv: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  const root = mkdtempSync(join(tmpdir(), 'lr-keyring-'));
  const runtime = join(root, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: root,
    XDG_RUNTIME_DIR: runtime,
    XDG_DATA_HOME: join(root, 'data'),
    XDG_CONFIG_HOME: join(root, 'config'),
    LLM_ROUTER_HOME: join(root, 'router-home'),
    LLM_ROUTER_KEYCHAIN_SERVICE: testKeychainService(),
    [PRIVATE_KEYRING_ENV]: runtime,
    ...extraEnv,
  };
  for (const k of ['DBUS_SESSION_BUS_ADDRESS', 'NODE_TEST_CONTEXT', 'NODE_OPTIONS']) {
    delete env[k];
  }
  try {
    return spawnSync(
      'dbus-run-session',
      ['--', 'sh', '-c', 'echo -n test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"', 'sh', process.execPath, '--import', 'tsx', '--test', testFile],
      { env, encoding: 'utf8', timeout: 120_000 },
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** In a keychain test file: throws unless this process runs in the session runInPrivateKeyring made. */
export function assertInPrivateKeyring(): void {
  const runtime = process.env[PRIVATE_KEYRING_ENV];
  const bus = process.env.DBUS_SESSION_BUS_ADDRESS ?? '';
  if (runtime === undefined || runtime === '' || process.env.XDG_RUNTIME_DIR !== runtime || bus === '' || !(process.env.LLM_ROUTER_KEYCHAIN_SERVICE ?? '').startsWith('llm-router-test-')) {
    throw new Error('this file touches a real keychain: it runs only inside runInPrivateKeyring (see test/privateKeyring.ts)');
  }
}

/** The outcome of a private-session run as one line per problem, for an assertion message. */
export function summarize(r: SpawnSyncReturns<string>): { passed: number; failed: number; skipped: number; text: string } {
  const count = (name: string): number => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(r.stdout ?? '')?.[1] ?? 0);
  return { passed: count('pass'), failed: count('fail'), skipped: count('skipped'), text: `${r.stdout ?? ''}\n${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}` };
}
