import { getRequest, listRequests } from '../ledger/requests';
import type { LedgerRow } from '../protocol/ledger';
import type { ReadTx } from '../store/database';
import { spendSummary } from '../ledger/reports';
import type { DaemonDeps } from '../service/deps';
import { RouterError } from '../protocol/errors';
import { teamRequests, teamSummary } from '../team/reports';
import { teamOf } from './team';
import type { Handlers } from './types';

export function spendHandlers(deps: DaemonDeps): Pick<Handlers, 'spend/summary' | 'spend/requests'> {
  return {
    // Rollup-backed (ledger/reports.ts): whole hours from spend_hourly, so it stays fast at 1M rows.
    'spend/summary': async (params) =>
      params.scope === 'team'
        ? teamSummary(teamOf(deps).reportPool(), teamOf(deps).config.teamId, params, deps.now(), deps.ledger.timeZone)
        : deps.store.read((tx) => spendSummary(tx, params, deps.now(), deps.ledger.timeZone, { model: deps.ledger.baselineModel, price: deps.ledger.baselinePrice() }, deps.cold ?? null)),
    'spend/requests': async (params) => {
      if (params.scope === 'team') {
        return teamRequests(teamOf(deps).reportPool(), teamOf(deps).config.teamId, params);
      }
      if (params.member !== undefined) {
        throw new RouterError('invalidParams', 'member filters the team ledger: add scope "team" (team mode)', { member: params.member });
      }
      if (params.ids !== undefined) {
        const ids = params.ids;
        const cold = deps.cold;
        return deps.store.read((tx) => ({ rows: readRows(tx, ids, cold ? (missing) => [...cold.findByIds(tx, missing).values()].map((c) => c.row) : null), nextCursor: null }));
      }
      // Continues into the cold segments (ledger/archive.ts) past the hot rows.
      const cold = deps.cold;
      return deps.store.read((tx) => listRequests(tx, params, cold ? (from, to, before) => cold.rowsDescending(tx, from, to, before) : undefined));
    },
  };
}

/** The named rows, hot or else cold (found in one read from the time the oldest missing id carries), newest first. */
function readRows(tx: ReadTx, ids: readonly string[], cold: ((ids: string[]) => LedgerRow[]) | null): LedgerRow[] {
  const rows: LedgerRow[] = [];
  const missing: string[] = [];
  for (const id of new Set(ids)) {
    const r = getRequest(tx, id);
    if (r === undefined) {
      missing.push(id);
    } else {
      rows.push(r);
    }
  }
  if (missing.length > 0 && cold !== null) {
    rows.push(...cold(missing));
  }
  return rows.sort((a, b) => b.ts - a.ts || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}
