// What a committed write transaction consists of: the statements its callback ran, in order.
// The journal stores exactly these and replays them, so they must be deterministic.
import type { SqlValue } from 'sql.js';
import { RouterError } from '../protocol/errors';

export type { SqlValue };
export type SqlParams = SqlValue[] | Record<string, SqlValue>;

/** A statement as it was executed inside a committed write (what a journal replays). */
export interface WrittenStatement {
  sql: string;
  params: SqlParams | undefined;
}

// A replayed statement must produce the same rows it produced the first time. Functions that
// read the clock or a random source would not, so times and ids are passed as parameters.
const NON_DETERMINISTIC = [
  /\brandom(blob)?\s*\(/i,
  /\bcurrent_(timestamp|date|time)\b/i,
  /'now'/i,
  /\bunixepoch\s*\(\s*\)/i,
];

/** Statements already checked: a write runs the same few texts over and over (four regexes each). */
const checked = new Set<string>();
const MAX_CHECKED = 4096;

export function assertDeterministic(sql: string): void {
  if (checked.has(sql)) {
    return;
  }
  for (const pattern of NON_DETERMINISTIC) {
    if (pattern.test(sql)) {
      throw new RouterError(
        'internal',
        `write statements must be deterministic (the journal replays them): pass times and random values as parameters instead of ${pattern.source} in: ${sql.trim().slice(0, 120)}`,
      );
    }
  }
  if (checked.size < MAX_CHECKED) {
    checked.add(sql);
  }
}
