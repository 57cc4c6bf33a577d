// The daemon program (dist/daemon.js, and `llm-router daemon`): the only daemon code that touches
// the process — flags, the token, the lock and discovery file, signals, stdio and exit.
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { startDaemon } from './server';
import type { RunningDaemon } from './service/options';
import { createKeychainKeyStore, ENV_KEY_VARIABLES } from './keys/keychain';
import type { KeyStore } from './keys/keyStore';
import { routerHome, HOME_ENV } from './lifecycle/home';
import { removeDiscovery, unlinkQuietly, writeDiscovery } from './lifecycle/discovery';
import { acquireLock, adoptLock, LOCK_NONCE_ENV, type HeldLock } from './lifecycle/lock';
import { EXIT_ALREADY_RUNNING, findLiveDaemon, settleRecordedDaemon } from './lifecycle/attach';
import { daemonSocketPath } from './lifecycle/socketPath';
import { onShutdownRequested } from './lifecycle/shutdownRequests';
import { daemonVersion } from './lifecycle/version';
import { fileLogger, type Logger } from './lifecycle/log';
import { fullGc, IdleReclaim, idleReclaimQuietMs } from './lifecycle/idleReclaim';
import { DAEMON_USAGE, parseDaemonFlags, type DaemonFlags } from './cli/daemonFlags';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './cli/usage';
import type { DiscoveryInfo } from './protocol/discovery';

/** How long a graceful stop may take before the process exits anyway. */
const CLOSE_GRACE_MS = 30_000;

/** Whether any provider has a key in the keychain or the environment. */
async function anyProviderKey(keys: KeyStore): Promise<boolean> {
  const found = await Promise.all(Object.keys(ENV_KEY_VARIABLES).map(async (p) => (await keys.get(p).catch(() => null)) !== null));
  return found.includes(true);
}

function usageLines(info: DiscoveryInfo): string[] {
  const base = `http://127.0.0.1:${info.port}/v1`;
  return [
    'Try it:',
    `  curl -s ${base}/chat/completions -H "Authorization: Bearer ${info.token}" -H 'content-type: application/json' -d '{"model":"auto","messages":[{"role":"user","content":"Hello"}]}'`,
    '',
    'From the openai SDK:',
    `  new OpenAI({ baseURL: '${base}', apiKey: '${info.token}' })`,
  ];
}

/** Run by hand while a daemon already serves this home: say so, and how to use that one. */
function reportAlreadyRunning(home: string, other: DiscoveryInfo | null, env: NodeJS.ProcessEnv): void {
  process.stderr.write(`llm-router: a daemon is already running for ${home}${other !== null ? ` (pid ${other.pid}, port ${other.port})` : ''}\n`);
  const startedByClient = (env[LOCK_NONCE_ENV] ?? '') !== '';
  if (other !== null && !startedByClient) {
    process.stdout.write(`${[...usageLines(other), '', '`llm-router stop` stops it.'].join('\n')}\n`);
  }
}

function readyLines(info: DiscoveryInfo, simulate: boolean, home: string): string {
  const base = `http://127.0.0.1:${info.port}/v1`;
  return [
    `LLM Router daemon ${info.version} ready (pid ${info.pid})${simulate ? ' — SIMULATED providers, no real calls' : ''}`,
    `  home:   ${home}`,
    `  HTTP:   ${base}   (token in ${home}/daemon.json)`,
    '',
    ...usageLines(info),
    '',
    'Ctrl-C stops the daemon.',
  ].join('\n');
}

/**
 * Takes the start lock: the one our starter handed us, else our own. While waiting, a daemon
 * that becomes live means we are not needed.
 */
async function takeStartLock(home: string, env: NodeJS.ProcessEnv): Promise<HeldLock | 'already-running'> {
  const nonce = env[LOCK_NONCE_ENV];
  if (nonce !== undefined && nonce !== '') {
    const adopted = adoptLock(home, nonce);
    if (adopted !== null) {
      return adopted;
    }
  }
  const lock = await acquireLock(home, {
    deadline: Date.now() + 20_000,
    whileWaiting: async () => (await findLiveDaemon(home)) !== null,
  });
  return lock ?? 'already-running';
}

/** Idle reclaim (lifecycle/idleReclaim.ts), unless the environment turns it off or V8 refuses. */
function idleReclaimFor(env: NodeJS.ProcessEnv, logger: Logger): IdleReclaim | null {
  const quietMs = idleReclaimQuietMs(env);
  if (quietMs === null) {
    return null;
  }
  const collect = fullGc();
  if (collect === null) {
    logger.log('warn', 'idle reclaim off: this runtime gives no full garbage collection');
    return null;
  }
  return new IdleReclaim({ collect, quietMs });
}

/** Runs the daemon until it is stopped; resolves with the process exit code. */
export async function runDaemon(flags: DaemonFlags, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const home = routerHome(flags.home !== undefined ? { ...env, [HOME_ENV]: flags.home } : env);
  let token = '';
  const logger: Logger = fileLogger(home, () => [token]);
  const version = daemonVersion(env);

  const lock = await takeStartLock(home, env);
  if (lock === 'already-running') {
    reportAlreadyRunning(home, await findLiveDaemon(home), env);
    return EXIT_ALREADY_RUNNING;
  }

  const reclaim = idleReclaimFor(env, logger);
  let running: RunningDaemon;
  let info: DiscoveryInfo;
  let simulate = flags.simulate;
  try {
    // Re-checked under the lock: whoever started before us may have finished meanwhile, and a
    // daemon that is slow or still flushing on its way out must not get a twin.
    const other = await settleRecordedDaemon(home, Date.now() + 15_000);
    if (other !== null) {
      reportAlreadyRunning(home, other, env);
      return EXIT_ALREADY_RUNNING;
    }
    token = randomBytes(32).toString('hex');
    const keys = createKeychainKeyStore({ env });
    if (!simulate && flags.simulateIfNoKeys && !(await anyProviderKey(keys))) {
      simulate = true;
      process.stdout.write('No provider API key found in the keychain or environment: simulating every provider (demo mode — no real calls, no spend).\n');
      logger.log('info', 'no provider key found: simulate mode');
    }
    const socketPath = daemonSocketPath(home);
    if (process.platform !== 'win32') {
      // We hold the lock and no daemon is live, so a socket file left here is from a dead daemon.
      unlinkQuietly(socketPath);
    }
    running = await startDaemon({
      home,
      version,
      token,
      port: flags.port,
      socketPath,
      keys,
      simulate,
      idleTimeoutMs: flags.idleTimeoutMs,
      env,
      onIdle: () => {
        void stop('idle timeout');
      },
      onActivity: reclaim === null ? undefined : () => reclaim.seen(),
      warn: (message) => {
        logger.log('warn', message);
        process.stderr.write(`llm-router: ${message}\n`);
      },
    });
    info = { version, pid: process.pid, socketPath: running.socketPath, port: running.port, token, startedAt: Date.now() };
    if (!lock.stillHeld()) {
      // Our starter gave up on us (or the lock was broken as stale) and someone else may be
      // starting a daemon now: stand down rather than become a second one.
      await running.close();
      process.stderr.write('llm-router: lost the start lock while starting; another daemon is taking over\n');
      logger.log('warn', 'lost the start lock while starting: exiting');
      return EXIT_ALREADY_RUNNING;
    }
    writeDiscovery(home, info);
  } catch (e) {
    logger.log('error', `start failed: ${e instanceof Error ? e.message : String(e)}`);
    throw e;
  } finally {
    lock.release();
  }
  logger.log('info', `started version=${version} port=${info.port} simulate=${String(simulate)} idleTimeoutMs=${flags.idleTimeoutMs}`);
  reclaim?.start();

  let stopping: Promise<number> | null = null;
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((r) => {
    resolveExit = r;
  });

  function stop(reason: string): Promise<number> {
    if (stopping !== null) {
      return stopping;
    }
    logger.log('info', `stopping: ${reason}`);
    stopping = (async () => {
      let code = EXIT_OK;
      const hardStop = setTimeout(() => {
        logger.log('warn', `graceful stop took longer than ${CLOSE_GRACE_MS} ms; exiting`);
        removeDiscovery(home, process.pid);
        resolveExit(EXIT_FAILURE);
      }, CLOSE_GRACE_MS);
      hardStop.unref();
      try {
        await running.close();
      } catch (e) {
        code = EXIT_FAILURE;
        logger.log('error', `close failed: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        clearTimeout(hardStop);
        removeDiscovery(home, process.pid);
      }
      logger.log('info', 'stopped');
      resolveExit(code);
      return code;
    })();
    return stopping;
  }

  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping !== null && signal === 'SIGINT') {
      // A second Ctrl-C: the user wants out now.
      removeDiscovery(home, process.pid);
      resolveExit(130);
      return;
    }
    void stop(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (process.platform !== 'win32') {
    process.on('SIGHUP', onSignal);
  }
  const unsubscribe = onShutdownRequested((reason) => {
    void stop(`shutdown requested: ${reason}`);
  });
  process.on('exit', () => {
    removeDiscovery(home, process.pid);
  });
  // Node would crash anyway; this records why in the log (masked) before the exit handler runs.
  const onFatal = (e: unknown): void => {
    logger.log('error', `fatal: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(EXIT_FAILURE);
  };
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);

  process.stdout.write(flags.json ? `${JSON.stringify({ event: 'ready', ...info, home, simulate })}\n` : `${readyLines(info, simulate, home)}\n`);

  const code = await exited;
  reclaim?.stop();
  unsubscribe();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('SIGHUP', onSignal);
  return code;
}

/** `daemon [flags]` from argv; usage errors exit 2. */
export async function daemonMain(argv: string[]): Promise<number> {
  const args = argv[0] === 'daemon' ? argv.slice(1) : argv;
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${DAEMON_USAGE}\n`);
    return EXIT_OK;
  }
  let flags: DaemonFlags;
  try {
    flags = parseDaemonFlags(args);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`llm-router daemon: ${e.message}\n\n${DAEMON_USAGE}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
  try {
    return await runDaemon(flags);
  } catch (e) {
    process.stderr.write(`llm-router daemon: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT_FAILURE;
  }
}

// Run only when this file is the program (dist/daemon.js, or daemon/main.ts under tsx); the CLI
// bundle imports daemonMain and calls it for `llm-router daemon`.
const entry = process.argv[1] ?? '';
if (basename(entry) === 'daemon.js' || /[\\/]daemon[\\/]main\.ts$/.test(entry)) {
  void daemonMain(process.argv.slice(2)).then((code) => {
    process.exit(code);
  });
}
