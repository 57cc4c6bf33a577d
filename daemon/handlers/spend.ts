import { listRequests } from '../ledger/requests';
import { spendSummary } from '../ledger/reports';
import type { DaemonDeps } from '../service/deps';
import type { Handlers } from './types';

export function spendHandlers(deps: DaemonDeps): Pick<Handlers, 'spend/summary' | 'spend/requests'> {
  return {
    // Rollup-backed (ledger/reports.ts): whole hours from spend_hourly, so it stays fast at 1M rows.
    'spend/summary': async (params) =>
      deps.store.read((tx) =>
        spendSummary(tx, params, deps.now(), deps.ledger.timeZone, { model: deps.ledger.baselineModel, price: deps.ledger.baselinePrice() }, deps.cold ?? null),
      ),
    // Continues into the cold segments (ledger/archive.ts) past the hot rows.
    'spend/requests': async (params) => {
      const cold = deps.cold;
      return deps.store.read((tx) => listRequests(tx, params, cold ? (from, to, before) => cold.rowsDescending(tx, from, to, before) : undefined));
    },
  };
}
