// spend/timeseries and report/export, read from the rollups and the ledger.
import { exportReport, spendTimeseries } from '../ledger/reports';
import type { DaemonDeps } from '../service/deps';
import { teamExport, teamTimeseries } from '../team/reports';
import { teamOf } from './team';
import type { Handlers } from './types';

export function reportHandlers(deps: DaemonDeps): Pick<Handlers, 'spend/timeseries' | 'report/export'> {
  return {
    'spend/timeseries': async (params) =>
      params.scope === 'team'
        ? teamTimeseries(teamOf(deps).reportPool(), teamOf(deps).config.teamId, params, deps.now(), deps.ledger.timeZone)
        : deps.store.read((tx) => spendTimeseries(tx, params, deps.now(), deps.ledger.timeZone)),
    'report/export': async (params) =>
      params.scope === 'team' ? teamExport(teamOf(deps).reportPool(), teamOf(deps).config.teamId, params, deps.now()) : exportReport((fn) => deps.store.read(fn), params, deps.now(), deps.cold ?? null),
  };
}
