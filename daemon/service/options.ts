// What starts a daemon. `main.ts` (process, flags, signals, discovery file) builds these and calls
// `startDaemon` from `daemon/server.ts`; tests call `startDaemon` directly in-process.
import type { KeyStore } from '../keys/keyStore';

export interface DaemonOptions {
  /** $LLM_ROUTER_HOME: store, socket, config and discovery file live here. */
  home: string;
  version: string;
  /** 32+ random bytes, hex; required on every HTTP request but GET /health and on LSP connections. */
  token: string;
  /** HTTP port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** Unix socket (or Windows named pipe) for the LSP channel. */
  socketPath: string;
  keys: KeyStore;
  /** Serve every provider from the built-in simulator (no keys needed). */
  simulate: boolean;
  /** Exit after this long with no LSP clients and no HTTP traffic; 0 disables. */
  idleTimeoutMs: number;
  /** Called once when the idle timeout fires (main.ts exits the process). */
  onIdle?: () => void;
  /** Called at every request's start and end and every client message (main.ts: idle reclaim). */
  onActivity?: () => void;
  /** Environment for settings read at start (team mode's PGPASSWORD); process.env when absent. */
  env?: NodeJS.ProcessEnv;
  /** Something the user should fix that does not stop the daemon (e.g. a home folder open to others). */
  warn?: (message: string) => void;
}

export interface RunningDaemon {
  port: number;
  socketPath: string;
  /** Number of attached LSP clients (editor windows, CLI sessions). */
  clientCount(): number;
  /** Stops listening, lets in-flight requests finish, flushes the store. */
  close(): Promise<void>;
}
