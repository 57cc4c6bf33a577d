import type { Migration } from '../migration';

// Issue 12: the reasoning effort a request ran at and the wall time its decision expected, as
// columns of its ledger row (not only words in `reason`), so spend reports and the dashboard can
// count and compare them. NULL: a model that does not reason, or a row from before this migration.
export const requestEffort: Migration = {
  version: 15,
  name: 'request effort',
  sql: `
    ALTER TABLE requests ADD COLUMN effort TEXT;
    ALTER TABLE requests ADD COLUMN expected_wall_ms INTEGER;
  `,
};
