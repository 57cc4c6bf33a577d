// Where the daemon keeps its discovery file, lock, socket, store and log: one folder per user.
import { mkdirSync, chmodSync } from 'node:fs';
import { homedir } from 'node:os';
import { platformLayout } from './platform';

export const HOME_ENV = 'LLM_ROUTER_HOME';

/** The folder path without touching the disk: `$LLM_ROUTER_HOME`, else the OS per-user config folder. */
export function resolveRouterHome(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  const explicit = env[HOME_ENV];
  if (explicit !== undefined && explicit.trim() !== '') {
    return explicit;
  }
  return platformLayout(platform).defaultHome(env, home);
}

/**
 * The router's home folder, created private (0700) if missing. The token in the discovery file
 * is the only thing between other local users and the user's API spend, so the folder is never
 * left group- or world-readable when we create it.
 */
export function routerHome(env: NodeJS.ProcessEnv = process.env): string {
  const dir = resolveRouterHome(env);
  const created = mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (created !== undefined && platformLayout().usesFileModes) {
    // mkdir's mode is masked by the umask; a folder the user made themselves is left as they made it.
    chmodSync(dir, 0o700);
  }
  return dir;
}
