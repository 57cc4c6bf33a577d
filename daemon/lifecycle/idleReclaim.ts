// Gives the V8 heap's pages back when traffic pauses. A burst of requests grows the young
// generation (up to 32 MB of semi-spaces) and leaves old-space pages that only a full collection
// frees; V8's own memory reducer gives them back only when its heuristics start it, which after a
// load of 100k requests took from seconds to never (README, "Performance"). So after `quietMs`
// without a request, once the heap has grown by `growthBytes` since the last time, the daemon runs
// one full collection itself. V8 shrinks the young generation at a collection that sees a low
// allocation rate (below 1 KB/ms since the previous collection), which 30 s after up to 32 MB of
// allocation always is.
//
// The pause is long because a full collection with no request in flight costs more than its own
// 50–130 ms: the object shapes only requests use die with it, the optimized code that depends on
// them is thrown away, and the next burst compiles it again (`--trace-deopt`: about 100 dependent
// code objects marked and 200 more TurboFan compiles per pause; in a bench of 5 s rounds with a
// pass between each, +0.15 ms of CPU per request). After a 30 s pause that is rare and small.
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface IdleReclaimOptions {
  /** A full collection; `fullGc()` by default. */
  collect: () => void;
  /** The V8 heap's committed bytes. */
  heapBytes?: () => number;
  now?: () => number;
  /** Time without activity before the first pass. */
  quietMs?: number;
  /** Heap growth since the last pass that makes a pause worth a pass. */
  growthBytes?: number;
  /** How often the timer looks (the hot path only counts). */
  pollMs?: number;
}

export const IDLE_RECLAIM_QUIET_MS = 30_000;
const GROWTH_BYTES = 8 * 2 ** 20;

export class IdleReclaim {
  private activity = 0;
  private seenActivity = 0;
  private quietSince: number;
  /** Whether the current pause is settled: collected, or found with nothing to give back. */
  private settled = false;
  /** Committed heap after the last pass (or at start). */
  private floor: number;
  private timer: NodeJS.Timeout | null = null;
  private readonly collect: () => void;
  private readonly heapBytes: () => number;
  private readonly now: () => number;
  private readonly quietMs: number;
  private readonly growthBytes: number;
  private readonly pollMs: number;
  /** Full collections run so far (for tests and the log). */
  collections = 0;

  constructor(options: IdleReclaimOptions) {
    this.collect = options.collect;
    this.heapBytes = options.heapBytes ?? (() => getHeapStatistics().total_heap_size);
    this.now = options.now ?? Date.now;
    this.quietMs = options.quietMs ?? IDLE_RECLAIM_QUIET_MS;
    this.growthBytes = options.growthBytes ?? GROWTH_BYTES;
    this.pollMs = options.pollMs ?? 1_000;
    this.quietSince = this.now();
    this.floor = this.heapBytes();
  }

  /** A request arrived or finished, a client spoke: the only per-request cost is this count. */
  seen(): void {
    this.activity++;
  }

  /** Looks every `pollMs` on an unref'd timer, so it never keeps the process alive. */
  start(): void {
    if (this.timer === null) {
      this.timer = setInterval(() => this.tick(), this.pollMs);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  /** One look: runs a pass when the pause and the growth call for one. */
  tick(): void {
    const now = this.now();
    if (this.activity !== this.seenActivity) {
      this.seenActivity = this.activity;
      this.quietSince = now;
      this.settled = false;
      return;
    }
    if (this.settled || now - this.quietSince < this.quietMs) {
      return;
    }
    this.settled = true;
    if (this.heapBytes() < this.floor + this.growthBytes) {
      return;
    }
    this.collect();
    this.collections++;
    this.floor = this.heapBytes();
  }
}

/**
 * V8's full collection, reached at run time rather than with `--expose-gc` on the command line, so
 * it works under VS Code's Electron too (which starts the daemon with no flags). Null when this
 * runtime refuses.
 */
export function fullGc(): (() => void) | null {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') {
    return exposed as () => void;
  }
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}

/** The pause before a pass, in ms; `0` turns idle reclaim off (the bench's side-by-side runs). */
export const IDLE_RECLAIM_ENV = 'LLM_ROUTER_IDLE_RECLAIM_MS';

/** `quietMs` from the environment: the default when unset or not a whole number, null for 0. */
export function idleReclaimQuietMs(env: NodeJS.ProcessEnv): number | null {
  const raw = env[IDLE_RECLAIM_ENV];
  if (raw === undefined || !/^\d+$/.test(raw)) {
    return IDLE_RECLAIM_QUIET_MS;
  }
  const ms = Number(raw);
  return ms === 0 ? null : ms;
}
