// Follows the ledger incrementally: the first read takes the newest page (what was there before
// the reader started), and after that only the rows `spend/changed` notifications named are read
// (`spend/requests` with `ids`), never the newest page again. A row recorded late (a long request
// that started before others finished) is still read, because its notification names it.
// Pure and browser-safe: the dashboard and the editor's routing log both use it.
import type { LedgerRow, SpendRequestsResult } from '../daemon/protocol';

export type ReadRequests = (params: { limit: number } | { ids: string[] }) => Promise<SpendRequestsResult>;

/** `spend/requests` takes at most this many ids per call. */
export const IDS_PER_READ = 200;
const SEEN_LIMIT = 4_000;

export interface NewRowsStep {
  /** true for the first read (and the first after `reset`): `rows` is the newest page. */
  initial: boolean;
  /** Newest first. */
  rows: LedgerRow[];
}

export class NewRows {
  private seen = new Set<string>();
  private pending = new Set<string>();
  private primed = false;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly read: ReadRequests,
    private readonly firstPage = 50,
  ) {}

  /** A `spend/changed` named this row: the next step reads it. */
  noticed(requestId: string): void {
    if (!this.seen.has(requestId)) {
      this.pending.add(requestId);
    }
  }

  /** Ids noticed and not read yet. */
  get waiting(): number {
    return this.pending.size;
  }

  /** The next read starts over with the newest page (a full refresh). */
  reset(): void {
    this.primed = false;
  }

  /** Steps run one after another, so a notification during a read is read by the next step. */
  next(): Promise<NewRowsStep> {
    const step = this.chain.then(() => this.step());
    this.chain = step.catch(() => undefined);
    return step;
  }

  private async step(): Promise<NewRowsStep> {
    if (!this.primed) {
      const page = await this.read({ limit: this.firstPage });
      for (const r of page.rows) {
        this.pending.delete(r.id);
        this.remember(r.id);
      }
      this.primed = true;
      return { initial: true, rows: page.rows };
    }
    const ids = [...this.pending];
    this.pending.clear();
    const rows: LedgerRow[] = [];
    try {
      for (let i = 0; i < ids.length; i += IDS_PER_READ) {
        const page = await this.read({ ids: ids.slice(i, i + IDS_PER_READ) });
        rows.push(...page.rows.filter((r) => !this.seen.has(r.id)));
      }
    } catch (err) {
      // Not lost: the next step tries them again.
      for (const id of ids) {
        if (!this.seen.has(id)) {
          this.pending.add(id);
        }
      }
      throw err;
    }
    for (const r of rows) {
      this.remember(r.id);
    }
    rows.sort((a, b) => b.ts - a.ts || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    return { initial: false, rows };
  }

  private remember(id: string): void {
    this.seen.add(id);
    if (this.seen.size > SEEN_LIMIT) {
      // Sets iterate in insertion order: keep the newer half.
      this.seen = new Set([...this.seen].slice(-SEEN_LIMIT / 2));
    }
  }
}

/** The rows a list shows after a step: the first page as read, then new rows merged in by time, newest first. */
export function mergeLatest(shown: readonly LedgerRow[], step: NewRowsStep, limit: number): LedgerRow[] {
  if (step.initial) {
    return step.rows.slice(0, limit);
  }
  const fresh = new Set(step.rows.map((r) => r.id));
  return [...step.rows, ...shown.filter((r) => !fresh.has(r.id))].sort((a, b) => b.ts - a.ts || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)).slice(0, limit);
}
