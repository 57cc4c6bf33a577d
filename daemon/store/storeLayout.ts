// Files of one store, numbered by generation:
//   <prefix>-<gen>.journal   transactions committed while generation <gen> was current
//   <prefix>-<gen>.snapshot  the database after every journal below <gen>
// So the state is always "a snapshot S (or the empty database as generation 0) plus journals
// S, S+1, … replayed in order". A snapshot never deletes the journals it replaces until a
// newer snapshot exists, so the previous snapshot plus its journals stay a complete fallback.
import { join } from 'node:path';

const GEN_DIGITS = 8;

export interface StoreListing {
  snapshots: number[];
  journals: number[];
  /** Snapshots that were being written when the process stopped. */
  temporaries: string[];
}

export class StoreLayout {
  constructor(
    readonly dir: string,
    private readonly prefix: string,
  ) {}

  journalPath(gen: number): string {
    return join(this.dir, `${this.prefix}-${String(gen).padStart(GEN_DIGITS, '0')}.journal`);
  }

  snapshotPath(gen: number): string {
    return join(this.dir, `${this.prefix}-${String(gen).padStart(GEN_DIGITS, '0')}.snapshot`);
  }

  temporaryPath(gen: number): string {
    return `${this.snapshotPath(gen)}.tmp`;
  }

  /** Where a damaged file is moved so that a person can still inspect it. */
  asidePath(path: string, now: number): string {
    return `${path}.corrupt-${now}`;
  }

  parse(names: readonly string[]): StoreListing {
    const pattern = new RegExp(`^${escapeRegExp(this.prefix)}-(\\d{${GEN_DIGITS}})\\.(journal|snapshot)(\\.tmp)?$`);
    const listing: StoreListing = { snapshots: [], journals: [], temporaries: [] };
    for (const name of names) {
      const m = pattern.exec(name);
      if (!m) {
        continue;
      }
      const gen = Number(m[1]);
      if (m[3] !== undefined) {
        listing.temporaries.push(join(this.dir, name));
      } else if (m[2] === 'journal') {
        listing.journals.push(gen);
      } else {
        listing.snapshots.push(gen);
      }
    }
    listing.snapshots.sort((a, b) => a - b);
    listing.journals.sort((a, b) => a - b);
    return listing;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
