import type { Migration } from '../migration';

// A request's full routing decision (every candidate with its estimates, the rule or policy that
// decided), written in the ledger row's transaction by service/requestDecisions.ts, so the
// dashboard's decision detail works for every recorded request, not only recent ones. `detail` is
// compact JSON of bounded size, deflated (a format byte first); rows live as long as their ledger
// row is hot (pruned once it has moved to the cold ledger). WITHOUT ROWID: the request id is the
// table's own key, so no second index of ids.
export const requestDecisions: Migration = {
  version: 16,
  name: 'request_decisions',
  sql: `
    CREATE TABLE request_decisions (
      request_id TEXT PRIMARY KEY,
      ts INTEGER NOT NULL,
      detail BLOB NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX request_decisions_ts ON request_decisions(ts);
  `,
};
