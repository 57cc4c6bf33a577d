import type { BudgetStatus } from '../../protocol/budget';
import { BudgetAction, BudgetPeriod, BudgetScope } from '../../protocol/budget';
import type { CliCommand } from '../command';
import { writeResult } from '../command';
import { EXIT_OK, UsageError, parseFlags } from '../usage';
import { oneOf, usd, withDaemon } from './ledgerClient';

const USAGE = `llm-router budget list|status [--id ID] [--home DIR] [--json]
llm-router budget set --scope global|workspace|client|provider|model|policy [--value V] --period request|hour|day|week|month
                      --limit USD [--threshold 0.8] [--actions notify,downgrade,pauseAbovePrice] [--pause-above USD_PER_MTOK]
                      [--confirm] [--hard-stop] [--downgrade-named] [--name NAME] [--id ID] [--home DIR] [--json]
llm-router budget delete --id ID [--home DIR] [--json]

  One budget per scope, value and period (a scope may hold several windows: hour, day, month…);
  give --id to change an existing one.
  --value            the workspace path, client kind (editor|script|cli), provider, model or policy
  --confirm          at the limit the editor asks, instead of refusing outright
  --hard-stop        at the limit refuse, instead of routing to a model the budget still affords
  --downgrade-named  with the downgrade action, requests naming a model may get a cheaper one`;

function money(name: string, value: string | undefined): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) {
    throw new UsageError(`--${name} expects a number, got "${value}"`);
  }
  return n;
}

function line(s: BudgetStatus): string {
  const b = s.budget;
  const where = b.scope === 'global' ? 'global' : `${b.scope}=${b.scopeValue ?? ''}`;
  const head = `${b.id}  ${b.name}  [${where}, ${b.period}]  limit ${usd(b.limitUsd)}`;
  if (s.periodStart === null) {
    return `${head}  (per request)`;
  }
  const pct = Math.round(s.fraction * 100);
  return `${head}  spent ${usd(s.spentUsd)}${s.reservedUsd > 0 ? ` +${usd(s.reservedUsd)} in flight` : ''}, ${usd(s.leftUsd)} left (${pct}%, ${s.state})${
    s.unknownPriceRequests > 0 ? `, ${s.unknownPriceRequests} unknown-price requests` : ''
  }  resets ${new Date(s.resetsAt ?? 0).toISOString()}`;
}

const PERIOD_ORDER: Record<string, number> = { request: 0, hour: 1, day: 2, week: 3, month: 4 };

/** Budgets grouped by scope, each scope's windows from the shortest to the longest. */
function grouped(statuses: readonly BudgetStatus[]): string {
  const key = (s: BudgetStatus) => (s.budget.scope === 'global' ? 'global' : `${s.budget.scope}=${s.budget.scopeValue ?? ''}`);
  const groups = new Map<string, BudgetStatus[]>();
  for (const s of statuses) {
    groups.set(key(s), [...(groups.get(key(s)) ?? []), s]);
  }
  return [...groups.entries()]
    .map(([k, list]) => `${k}\n${list.sort((a, b) => (PERIOD_ORDER[a.budget.period] ?? 9) - (PERIOD_ORDER[b.budget.period] ?? 9)).map((s) => `  ${line(s)}`).join('\n')}`)
    .join('\n');
}

export const budgetCommand: CliCommand = {
  name: 'budget',
  summary: 'list, set, delete and check budgets',
  usage: USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    const { values } = parseFlags(rest, {
      id: { type: 'string' },
      scope: { type: 'string' },
      value: { type: 'string' },
      period: { type: 'string' },
      limit: { type: 'string' },
      threshold: { type: 'string' },
      actions: { type: 'string' },
      'pause-above': { type: 'string' },
      confirm: { type: 'boolean' },
      'hard-stop': { type: 'boolean' },
      'downgrade-named': { type: 'boolean' },
      name: { type: 'string' },
      home: { type: 'string' },
      json: { type: 'boolean' },
    });
    const json = values.json === true;
    switch (sub) {
      case 'list':
      case 'status':
        return withDaemon(values.home, io, async (client) => {
          const r = await client.call('budget/status', values.id !== undefined ? { id: values.id } : {});
          writeResult(io, json, r, r.statuses.length === 0 ? 'no budgets' : `${grouped(r.statuses)}\n(time zone ${r.timeZone})`);
          return EXIT_OK;
        });
      case 'set': {
        const scope = oneOf('scope', values.scope, BudgetScope.options);
        const period = oneOf('period', values.period, BudgetPeriod.options);
        const limitUsd = money('limit', values.limit);
        if (scope === undefined || period === undefined || limitUsd === undefined) {
          throw new UsageError('budget set needs --scope, --period and --limit');
        }
        const actions = values.actions?.split(',').map((a) => oneOf('actions', a.trim(), BudgetAction.options) as BudgetAction);
        const threshold = money('threshold', values.threshold);
        const pause = money('pause-above', values['pause-above']);
        return withDaemon(values.home, io, async (client) => {
          const s = await client.call('budget/set', {
            scope,
            period,
            limitUsd,
            ...(values.value !== undefined ? { scopeValue: values.value } : {}),
            ...(values.id !== undefined ? { id: values.id } : {}),
            ...(values.name !== undefined ? { name: values.name } : {}),
            ...(threshold !== undefined ? { alertThreshold: threshold } : {}),
            ...(actions !== undefined ? { actions } : {}),
            ...(pause !== undefined ? { pauseAbovePerMTok: pause } : {}),
            ...(values.confirm === true ? { confirmOverBudget: true } : {}),
            ...(values['hard-stop'] === true ? { hardStop: true } : {}),
            ...(values['downgrade-named'] === true ? { downgradeNamedModels: true } : {}),
          });
          writeResult(io, json, s, line(s));
          return EXIT_OK;
        });
      }
      case 'delete': {
        const id = values.id;
        if (id === undefined) {
          throw new UsageError('budget delete needs --id (see budget list)');
        }
        return withDaemon(values.home, io, async (client) => {
          const r = await client.call('budget/delete', { id });
          writeResult(io, json, r, r.deleted ? `deleted ${id}` : `no budget ${id}`);
          return EXIT_OK;
        });
      }
      default:
        throw new UsageError(`budget needs a subcommand: list, status, set or delete\n\n${USAGE}`);
    }
  },
};
