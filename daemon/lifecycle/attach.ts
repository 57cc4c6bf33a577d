// Start-or-attach, shared by the extension and the CLI: attach to the live daemon recorded in
// the discovery file, else start one detached and wait until it is ready. One daemon per user
// under races: the check-and-spawn runs under the exclusive lock in the home folder, handed to
// the daemon we spawn, which itself re-checks under it before listening (see main.ts).
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { DiscoveryInfo } from '../protocol/discovery';
import { RouterError } from '../protocol/errors';
import { createHttpRpcClient } from '../client/httpClient';
import { daemonState, isDaemonLive, isPidAlive, readDiscovery, removeStaleDiscovery } from './discovery';
import { acquireLock, LOCK_NONCE_ENV, type HeldLock } from './lock';
import { HOME_ENV } from './home';

export interface StartOrAttachOptions {
  home: string;
  /** Absolute path of dist/daemon.js. */
  daemonScript: string;
  /** Runtime for the daemon; default this process's (in VS Code: Electron, run as Node). */
  execPath?: string;
  env?: NodeJS.ProcessEnv;
  /** Extra `daemon` flags, e.g. ['--simulate-if-no-keys', '--idle-timeout', '600000']. */
  args?: string[];
  /** Overall time budget for attaching or starting; default 20 s. */
  timeoutMs?: number;
  /** A live daemon reporting another version is asked to shut down and is replaced. */
  expectedVersion?: string;
}

/**
 * Node flags for a daemon started under plain Node. Without V8's helper threads, background
 * compilation and GC run on the main thread: the daemon is one busy thread anyway, and each helper
 * thread keeps its own malloc arena (about 33 MB resident at idle, measured with bench proxy's
 * method; no CPU cost per request measured). Not passed to Electron (VS Code), where the flag is
 * unverified: a flag its Node does not accept would stop the daemon from starting.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--v8-pool-size=0'];

/**
 * Environment for the daemon under any runtime; the starter's own environment wins. glibc's malloc
 * raises its mmap threshold to the largest block freed (up to 32 MB) and then keeps blocks that
 * size in the main heap, where freed ones sit between live ones and stay resident. A fixed 128 KB
 * threshold returns every larger block to the system when it is freed: about 20 MB less resident
 * after 100k requests in `bench memory`. Not 64 KB: Node allocates each socket read's buffer as
 * exactly 64 KB, which at that threshold costs an mmap and an munmap per read. Other allocators
 * ignore it.
 */
export const DAEMON_NODE_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '131072' };

function nodeFlagsFor(execPath: string): readonly string[] {
  return process.versions.electron === undefined && execPath === process.execPath ? DAEMON_NODE_FLAGS : [];
}

/** Exit code of a daemon that found another live daemon already serving this home. */
export const EXIT_ALREADY_RUNNING = 75;
export const DAEMON_LOG_FILE = 'daemon.log';

const POLL_MS = 50;

/** The live daemon recorded in `home`, or null. A record naming a dead daemon is removed. */
export async function findLiveDaemon(home: string): Promise<DiscoveryInfo | null> {
  const info = readDiscovery(home);
  if (info === null) {
    return null;
  }
  if (await isDaemonLive(info)) {
    return info;
  }
  // Stale: dead pid, or its port now answers for someone else. Only a dead pid proves the record
  // can go; a live pid that does not answer may still be starting up or shutting down.
  if (!isPidAlive(info.pid)) {
    removeStaleDiscovery(home, info);
  }
  return null;
}

/** How long a recorded daemon whose pid lives but whose port refuses may take to finish exiting. */
const CLOSING_GRACE_MS = 10_000;

/**
 * The thorough check, run under the start lock before deciding to start a daemon: never start a
 * second daemon beside one that is merely slow or still flushing its store on the way out.
 * Returns the live daemon, or null once the home is free (stale records removed). Throws when a
 * recorded daemon is alive but does not answer until the deadline.
 */
export async function settleRecordedDaemon(home: string, deadline: number): Promise<DiscoveryInfo | null> {
  let closingSince: number | null = null;
  let timeoutMs = 1500;
  for (;;) {
    const info = readDiscovery(home);
    if (info === null) {
      return null;
    }
    const state = await daemonState(info, timeoutMs);
    if (state === 'live') {
      return info;
    }
    if (state === 'stale') {
      removeStaleDiscovery(home, info);
      return null;
    }
    if (state === 'closing') {
      closingSince ??= Date.now();
      // A pid that lives on without listening past the grace is not our daemon (the pid was reused).
      if (Date.now() - closingSince > CLOSING_GRACE_MS) {
        removeStaleDiscovery(home, info);
        return null;
      }
    } else {
      closingSince = null;
      timeoutMs = Math.min(timeoutMs * 2, 5_000);
    }
    if (Date.now() >= deadline) {
      throw new RouterError(
        'providerTimeout',
        state === 'unresponsive'
          ? `The daemon (pid ${info.pid}) is running but does not answer on port ${info.port}; stop it (\`llm-router stop\`, or kill ${info.pid}) and retry.`
          : `The daemon (pid ${info.pid}) is still shutting down; retry in a moment.`,
      );
    }
    await sleep(POLL_MS * 2);
  }
}

export async function startOrAttach(options: StartOrAttachOptions): Promise<DiscoveryInfo> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  // Only an OLDER daemon is replaced: two windows of different versions would otherwise keep
  // replacing each other's daemon. A newer daemon serves older clients (the protocol only grows).
  const wanted = (info: DiscoveryInfo): boolean => options.expectedVersion === undefined || !isOlderVersion(info.version, options.expectedVersion);

  const first = await findLiveDaemon(options.home);
  if (first !== null && wanted(first)) {
    return first;
  }

  let attached: DiscoveryInfo | null = null;
  const lock = await acquireLock(options.home, {
    deadline,
    pollMs: POLL_MS,
    // While someone else holds the lock they are most likely starting the daemon: attach to it
    // as soon as it is ready instead of waiting for their lock to be released.
    whileWaiting: async () => {
      const live = await findLiveDaemon(options.home);
      if (live !== null && wanted(live)) {
        attached = live;
        return true;
      }
      return false;
    },
  });
  if (lock === null) {
    if (attached === null) {
      throw new RouterError('internal', 'lock wait ended without a daemon');
    }
    return attached;
  }
  try {
    const live = await settleRecordedDaemon(options.home, deadline);
    if (live !== null) {
      if (wanted(live)) {
        return live;
      }
      await replaceDaemon(options.home, live, deadline);
    }
    return await spawnAndWait(options, lock, deadline);
  } finally {
    lock.release();
  }
}

/** Whether dotted version `a` is older than `b` (numeric parts; a pre-release tag sorts before its release). */
export function isOlderVersion(a: string, b: string): boolean {
  const parse = (v: string) => {
    const [core = '', pre] = v.split('-', 2);
    return { parts: core.split('.').map((n) => Number.parseInt(n, 10) || 0), pre: pre ?? null };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < Math.max(x.parts.length, y.parts.length); i++) {
    const d = (x.parts[i] ?? 0) - (y.parts[i] ?? 0);
    if (d !== 0) {
      return d < 0;
    }
  }
  if (x.pre === y.pre) {
    return false;
  }
  if (x.pre === null || y.pre === null) {
    return x.pre !== null;
  }
  return x.pre < y.pre;
}

/** Asks a daemon of another version to shut down (gracefully: in-flight requests finish) and waits for it to exit. */
async function replaceDaemon(home: string, old: DiscoveryInfo, deadline: number): Promise<void> {
  const client = createHttpRpcClient({ port: old.port, token: old.token, timeoutMs: 5_000 });
  try {
    await client.call('daemon/shutdown', { reason: 'replaced by a client expecting another version' });
  } catch {
    // An older daemon may not know daemon/shutdown; SIGTERM below is its graceful path too.
  } finally {
    client.close();
  }
  const graceUntil = Math.min(deadline, Date.now() + 10_000);
  let signalled = false;
  while (isPidAlive(old.pid)) {
    if (Date.now() >= graceUntil) {
      if (signalled || Date.now() >= deadline) {
        throw new RouterError('conflict', `The running daemon (pid ${old.pid}, version ${old.version}) did not shut down; stop it and retry.`);
      }
      signalled = true;
      try {
        process.kill(old.pid, 'SIGTERM');
      } catch {
        // Gone already, or not ours to signal: the loop condition decides.
      }
    }
    await sleep(POLL_MS);
  }
  removeStaleDiscovery(home, old);
}

async function spawnAndWait(options: StartOrAttachOptions, lock: HeldLock, deadline: number): Promise<DiscoveryInfo> {
  const home = options.home;
  // The daemon logs here itself; this descriptor only catches what it prints before its logger is up.
  const logFd = openSync(join(home, DAEMON_LOG_FILE), 'a', 0o600);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  let spawnError: Error | null = null;
  let pid: number | undefined;
  try {
    const execPath = options.execPath ?? process.execPath;
    const child = spawn(execPath, [...nodeFlagsFor(execPath), options.daemonScript, 'daemon', '--home', home, ...(options.args ?? [])], {
      detached: true,
      stdio: ['ignore', 'ignore', logFd],
      env: { ...DAEMON_NODE_ENV, ...(options.env ?? process.env), ELECTRON_RUN_AS_NODE: '1', [HOME_ENV]: home, [LOCK_NONCE_ENV]: lock.nonce },
      windowsHide: true,
    });
    child.on('exit', (code, signal) => {
      exited = { code, signal };
    });
    child.on('error', (e) => {
      spawnError = e;
    });
    child.unref();
    pid = child.pid;
  } finally {
    closeSync(logFd);
  }

  for (;;) {
    if (spawnError !== null) {
      throw new RouterError('internal', `Could not start the daemon: ${(spawnError as Error).message}`);
    }
    const info = readDiscovery(home);
    if (info !== null && (info.pid === pid || pid === undefined) && (await isDaemonLive(info))) {
      return info;
    }
    const ended = exited as { code: number | null; signal: NodeJS.Signals | null } | null;
    if (ended !== null) {
      if (ended.code === EXIT_ALREADY_RUNNING) {
        const other = await findLiveDaemon(home);
        if (other !== null) {
          return other;
        }
      }
      throw new RouterError('internal', `The daemon exited before it was ready (${ended.signal ?? `code ${String(ended.code)}`}); see ${join(home, DAEMON_LOG_FILE)}.`);
    }
    if (Date.now() >= deadline) {
      // Stop it before the lock is released: a daemon that comes up after we gave up would race
      // the next starter's daemon for the same home.
      if (pid !== undefined && isPidAlive(pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Gone meanwhile.
        }
      }
      throw new RouterError('providerTimeout', `The daemon did not become ready in time; see ${join(home, DAEMON_LOG_FILE)}.`);
    }
    await sleep(POLL_MS);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
