// team/status and the team budgets (team mode; see daemon/team/). With team mode off, status says
// so and the budget methods explain how to turn it on.
import { RouterError } from '../protocol/errors';
import type { DaemonDeps } from '../service/deps';
import type { TeamService } from '../team/service';
import type { Handlers } from './types';

export function teamOf(deps: DaemonDeps): TeamService {
  if (!deps.team) {
    throw new RouterError('invalidParams', 'team mode is off: add a "team" section (url, teamId, memberId) to config.json in the LLM Router home folder and restart the daemon');
  }
  return deps.team;
}

export function teamHandlers(deps: DaemonDeps): Pick<Handlers, 'team/status' | 'team/budgetSet' | 'team/budgetList' | 'team/budgetDelete'> {
  return {
    'team/status': async () =>
      deps.team
        ? deps.team.status()
        : {
            enabled: false,
            teamId: null,
            memberId: null,
            database: null,
            connection: 'off',
            problem: null,
            schemaVersion: null,
            tls: false,
            offline: null,
            leases: [],
            outboxBacklog: 0,
            lastSyncAt: null,
            shippedRows: 0,
            leaseRoundTrips: 0,
            budgets: [],
          },
    'team/budgetSet': async (params) => teamOf(deps).setBudget(params),
    'team/budgetList': async () => ({ budgets: await teamOf(deps).listBudgets() }),
    'team/budgetDelete': async (params) => ({ id: params.id, deleted: await teamOf(deps).deleteBudget(params.id) }),
  };
}
