// Gives the V8 heap's pages back when traffic pauses. A burst of requests grows the young
// generation (up to 32 MB of semi-spaces) and leaves old-space pages that only a full collection
// frees; V8's own memory reducer gives them back only when its heuristics start it, which after a
// load of 100k requests took from seconds to never (README, "Performance"). So after `quietMs`
// without a request, once the heap has grown by `growthBytes` since the last time, the daemon runs
// one full collection itself; and a second one `quietMs` later, because V8 shrinks the young
// generation only at a collection that sees a low allocation rate over its last 5 s, which the first
// pass, close to the traffic, may not.
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
  /** Passes per pause, `quietMs` apart. */
  passes?: number;
  /** How often the timer looks (the hot path only counts). */
  pollMs?: number;
}

export const IDLE_RECLAIM_QUIET_MS = 5_000;
const GROWTH_BYTES = 8 * 2 ** 20;

export class IdleReclaim {
  private activity = 0;
  private seenActivity = 0;
  private quietSince: number;
  /** Passes run in the current pause; -1 when this pause has nothing to give back. */
  private passesDone = 0;
  /** Committed heap after the last pass (or at start). */
  private floor: number;
  private timer: NodeJS.Timeout | null = null;
  private readonly collect: () => void;
  private readonly heapBytes: () => number;
  private readonly now: () => number;
  private readonly quietMs: number;
  private readonly growthBytes: number;
  private readonly passes: number;
  private readonly pollMs: number;
  /** Full collections run so far (for tests and the log). */
  collections = 0;

  constructor(options: IdleReclaimOptions) {
    this.collect = options.collect;
    this.heapBytes = options.heapBytes ?? (() => getHeapStatistics().total_heap_size);
    this.now = options.now ?? Date.now;
    this.quietMs = options.quietMs ?? IDLE_RECLAIM_QUIET_MS;
    this.growthBytes = options.growthBytes ?? GROWTH_BYTES;
    this.passes = options.passes ?? 2;
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
      this.passesDone = 0;
      return;
    }
    if (this.passesDone < 0 || this.passesDone >= this.passes || now - this.quietSince < this.quietMs * (this.passesDone + 1)) {
      return;
    }
    if (this.passesDone === 0 && this.heapBytes() < this.floor + this.growthBytes) {
      this.passesDone = -1;
      return;
    }
    this.collect();
    this.collections++;
    this.passesDone++;
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
