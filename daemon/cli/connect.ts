// How CLI commands find the daemon: the home folder, the live daemon, or one started for them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DiscoveryInfo } from '../protocol/discovery';
import { routerHome, HOME_ENV } from '../lifecycle/home';
import { findLiveDaemon, startOrAttach } from '../lifecycle/attach';
import { daemonState, readDiscovery, type DaemonState } from '../lifecycle/discovery';

/** Overrides the daemon program the CLI starts (tests, development). */
export const DAEMON_SCRIPT_ENV = 'LLM_ROUTER_DAEMON_SCRIPT';
/** A daemon the CLI starts exits after this long without traffic, unless told otherwise. */
export const CLI_DAEMON_IDLE_MS = 30 * 60_000;

export function cliHome(homeFlag: string | undefined, env: NodeJS.ProcessEnv): string {
  return routerHome(homeFlag !== undefined ? { ...env, [HOME_ENV]: homeFlag } : env);
}

/** dist/daemon.js beside this bundle; else this program itself, whose `daemon` command is the same. */
export function daemonScriptPath(env: NodeJS.ProcessEnv): string {
  const explicit = env[DAEMON_SCRIPT_ENV];
  if (explicit !== undefined && explicit !== '') {
    return explicit;
  }
  const sibling = join(__dirname, 'daemon.js');
  return existsSync(sibling) ? sibling : (process.argv[1] ?? sibling);
}

/** The recorded daemon and how it is doing, or null when none is recorded or it is gone. */
export async function recordedDaemon(home: string): Promise<{ info: DiscoveryInfo; state: Exclude<DaemonState, 'stale'> } | null> {
  const info = readDiscovery(home);
  if (info === null) {
    return null;
  }
  const state = await daemonState(info);
  if (state === 'stale') {
    // Gone: findLiveDaemon tidies the record.
    await findLiveDaemon(home);
    return null;
  }
  return { info, state };
}

export interface EnsureOptions {
  simulate: boolean;
  env: NodeJS.ProcessEnv;
}

/** Attaches to the live daemon or starts one (simulating when asked, or when no key is found). */
export function ensureDaemon(home: string, options: EnsureOptions): Promise<DiscoveryInfo> {
  return startOrAttach({
    home,
    daemonScript: daemonScriptPath(options.env),
    env: options.env,
    args: [options.simulate ? '--simulate' : '--simulate-if-no-keys', '--idle-timeout', String(CLI_DAEMON_IDLE_MS)],
  });
}
