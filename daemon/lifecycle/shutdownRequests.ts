// How the `daemon/shutdown` handler reaches the process owner (main.ts) without touching the
// process itself: main registers a listener; an in-process daemon (tests) has none.
export type ShutdownListener = (reason: string) => void;

let listener: ShutdownListener | null = null;

/** main.ts: called with the reason when a client asks the daemon to exit. Returns an unsubscribe. */
export function onShutdownRequested(fn: ShutdownListener): () => void {
  listener = fn;
  return () => {
    if (listener === fn) {
      listener = null;
    }
  };
}

/** True when a process owner will act on it. */
export function requestShutdown(reason: string): boolean {
  if (listener === null) {
    return false;
  }
  const fn = listener;
  // Let the RPC answer leave before the server starts closing.
  setImmediate(() => fn(reason));
  return true;
}
