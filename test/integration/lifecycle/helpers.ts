// Shared by the lifecycle and CLI integration tests: the bundle, temp homes, and cleanup of every
// daemon a test started (by pid).
import { after, before } from 'node:test';
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isPidAlive, readDiscovery } from '../../../daemon/lifecycle/discovery';
import { testKeychainService } from '../../privateKeyring';

export const DIST_DAEMON = resolve('dist/daemon.js');
export const DIST_CLI = resolve('dist/cli.js');

/** `npm run test:integration` builds first; a bare run builds once if the bundle is missing. */
export function ensureBundle(): void {
  if (!existsSync(DIST_DAEMON) || !existsSync(DIST_CLI)) {
    execFileSync(process.execPath, ['esbuild.mjs'], { stdio: 'inherit' });
  }
}

export function tempHome(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Environment for children: a private home, its own keychain service name, no provider keys and
 * no keychain at all. The keyring library finds a desktop's session bus through
 * DBUS_SESSION_BUS_ADDRESS *or* $XDG_RUNTIME_DIR/bus, so both go: a test daemon must never reach
 * the person's own keychain (tests of the real keychain start a bus of their own).
 */
export function childEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LLM_ROUTER_HOME: home, LLM_ROUTER_KEYCHAIN_SERVICE: testKeychainService(), ...extra };
  for (const k of Object.keys(env)) {
    if (/_API_KEY$/.test(k) || k === 'DBUS_SESSION_BUS_ADDRESS' || k === 'XDG_RUNTIME_DIR' || k === 'NODE_TEST_CONTEXT' || k === 'NODE_OPTIONS') {
      delete env[k];
    }
  }
  return env;
}

/** Pids of daemon processes whose command line names this home (Linux /proc; [] elsewhere). */
export function daemonPidsFor(home: string): number[] {
  if (process.platform !== 'linux') {
    return [];
  }
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) {
      continue;
    }
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (cmd.includes('daemon') && cmd.includes(home)) {
        pids.push(Number(name));
      }
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Stops daemons this test started: SIGTERM, then SIGKILL after a grace period. */
export async function killPids(pids: Iterable<number>): Promise<void> {
  const list = [...new Set(pids)].filter((p) => p > 0 && p !== process.pid);
  for (const p of list) {
    try {
      process.kill(p, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  const until = Date.now() + 5_000;
  while (list.some(isPidAlive) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const p of list.filter(isPidAlive)) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * A CLI test file's own home: `cli(...)` runs dist/cli.js there (it starts its daemon on demand);
 * registers building the bundle first and, after the file's tests, stopping that daemon by pid.
 */
export function cliHarness(prefix: string): { home: string; env: NodeJS.ProcessEnv; cli(...args: string[]): SpawnSyncReturns<string> } {
  const home = tempHome(prefix);
  const env = childEnv(home, { LLM_ROUTER_DAEMON_SCRIPT: DIST_DAEMON });
  before(() => ensureBundle());
  after(async () => {
    const info = readDiscovery(home);
    await killPids([...(info ? [info.pid] : []), ...daemonPidsFor(home)]);
    rmSync(home, { recursive: true, force: true });
  });
  return { home, env, cli: (...args) => spawnSync(process.execPath, [DIST_CLI, ...args], { env, encoding: 'utf8', timeout: 60_000, input: '' }) };
}
