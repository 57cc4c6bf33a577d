import type { TeamBudgetStatus, TeamStatusResult } from '../../protocol/team';
import { TeamBudgetPeriod, TeamBudgetScope } from '../../protocol/team';
import type { CliCommand } from '../command';
import { writeResult } from '../command';
import { EXIT_FAILURE, EXIT_OK, UsageError, parseFlags } from '../usage';
import { oneOf, usd, withDaemon } from './ledgerClient';

const USAGE = `llm-router team status [--home DIR] [--json]
llm-router team budget list [--home DIR] [--json]
llm-router team budget set --scope team|project|member|model|provider [--value V] --period hour|day|week|month --limit USD
                           [--name NAME] [--id ID] [--home DIR] [--json]
llm-router team budget delete --id ID [--home DIR] [--json]

  Team mode shares budgets and one ledger through PostgreSQL (config.json "team"; see the README).
  status: the connection, this daemon's leases, the outbox backlog and the team budgets.
  Exit code 1 from status when team mode is on but the database is not connected.
  --value  the project (workspace path), member id, model or provider the budget covers`;

function budgetLine(s: TeamBudgetStatus): string {
  const b = s.budget;
  const where = b.scope === 'team' ? 'team' : `${b.scope}=${b.scopeValue ?? ''}`;
  return `${b.id}  ${b.name}  [${where}, ${b.period} UTC]  limit ${usd(b.limitUsd)}  spent ${usd(s.spentUsd)}  leased ${usd(s.leasedUsd)}  free ${usd(s.remainingUsd)}`;
}

function statusText(s: TeamStatusResult): string {
  if (!s.enabled) {
    return 'team mode is off (add a "team" section to config.json)';
  }
  const lines = [
    `team ${s.teamId} as ${s.memberId}: ${s.connection} to ${s.database}${s.tls ? ' (TLS)' : ''}${s.schemaVersion !== null ? `, schema v${s.schemaVersion}` : ''}`,
  ];
  if (s.problem !== null) {
    lines.push(`problem: ${s.problem}`);
  }
  lines.push(`offline policy: ${s.offline === 'refuse' ? 'refuse calls once the lease is spent' : 'fall back to local budgets'}`);
  lines.push(`outbox: ${s.outboxBacklog} row(s) waiting; ${s.shippedRows} shipped since start; last sync ${s.lastSyncAt === null ? 'never' : new Date(s.lastSyncAt).toISOString()}`);
  lines.push(`leases: ${s.leases.length === 0 ? 'none held' : ''}`);
  for (const l of s.leases) {
    lines.push(`  budget ${l.budgetId}: granted ${usd(l.grantedUsd)}, used ${usd(l.usedUsd)}, in flight ${usd(l.heldUsd)}, available ${usd(l.availableUsd)}, until ${new Date(l.expiresAt).toISOString()}`);
  }
  lines.push(`lease round trips since start: ${s.leaseRoundTrips}`);
  for (const b of s.budgets) {
    lines.push(`  ${budgetLine(b)}`);
  }
  return lines.join('\n');
}

export const teamCommand: CliCommand = {
  name: 'team',
  summary: 'team mode: connection, leases, outbox backlog and team budgets',
  usage: USAGE,
  async run(args, io) {
    const [sub, ...afterSub] = args;
    const verb = sub === 'budget' ? afterSub[0] : undefined;
    const rest = sub === 'budget' ? afterSub.slice(1) : afterSub;
    const { values } = parseFlags(rest, {
      id: { type: 'string' },
      scope: { type: 'string' },
      value: { type: 'string' },
      period: { type: 'string' },
      limit: { type: 'string' },
      name: { type: 'string' },
      home: { type: 'string' },
      json: { type: 'boolean' },
    });
    const json = values.json === true;
    if (sub === 'status') {
      return withDaemon(values.home, io, async (client) => {
        const s = await client.call('team/status', {});
        writeResult(io, json, s, statusText(s));
        return s.enabled && s.connection !== 'connected' ? EXIT_FAILURE : EXIT_OK;
      });
    }
    if (sub !== 'budget') {
      throw new UsageError(`team needs a subcommand: status or budget\n\n${USAGE}`);
    }
    switch (verb) {
      case 'list':
        return withDaemon(values.home, io, async (client) => {
          const r = await client.call('team/budgetList', {});
          writeResult(io, json, r, r.budgets.length === 0 ? 'no team budgets' : r.budgets.map(budgetLine).join('\n'));
          return EXIT_OK;
        });
      case 'set': {
        const scope = oneOf('scope', values.scope, TeamBudgetScope.options);
        const period = oneOf('period', values.period, TeamBudgetPeriod.options);
        const limitUsd = values.limit === undefined ? undefined : Number(values.limit);
        if (scope === undefined || period === undefined || limitUsd === undefined || !Number.isFinite(limitUsd)) {
          throw new UsageError('team budget set needs --scope, --period and --limit (a number of USD)');
        }
        return withDaemon(values.home, io, async (client) => {
          const s = await client.call('team/budgetSet', {
            scope,
            period,
            limitUsd,
            ...(values.value !== undefined ? { scopeValue: values.value } : {}),
            ...(values.id !== undefined ? { id: values.id } : {}),
            ...(values.name !== undefined ? { name: values.name } : {}),
          });
          writeResult(io, json, s, budgetLine(s));
          return EXIT_OK;
        });
      }
      case 'delete': {
        const id = values.id;
        if (id === undefined) {
          throw new UsageError('team budget delete needs --id (see team budget list)');
        }
        return withDaemon(values.home, io, async (client) => {
          const r = await client.call('team/budgetDelete', { id });
          writeResult(io, json, r, r.deleted ? `deleted ${id}` : `no team budget ${id}`);
          return EXIT_OK;
        });
      }
      default:
        throw new UsageError(`team budget needs list, set or delete\n\n${USAGE}`);
    }
  },
};
