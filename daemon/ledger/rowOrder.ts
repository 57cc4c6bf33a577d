// Ledger rows are ordered by (ts, id) everywhere: keyset pagination, exports, and the merge of hot
// rows (sql.js) with cold ones (segments).
import type { LedgerRow } from '../protocol/ledger';

export interface RowKey {
  ts: number;
  id: string;
}

export function compareKeys(a: RowKey, b: RowKey): number {
  return a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Merges two streams sorted by (ts, id) in `direction` into one sorted stream. */
export function* mergeByKey(a: Iterator<LedgerRow>, b: Iterator<LedgerRow>, direction: 'ascending' | 'descending'): Generator<LedgerRow> {
  const sign = direction === 'ascending' ? 1 : -1;
  let x = a.next();
  let y = b.next();
  while (!x.done || !y.done) {
    if (y.done || (!x.done && sign * compareKeys(x.value, y.value) <= 0)) {
      yield x.value as LedgerRow;
      x = a.next();
    } else {
      yield y.value;
      y = b.next();
    }
  }
}
