import type { CliCommand } from '../command';
import { writeJson } from '../command';
import { EXIT_OK, intFlag, parseFlags } from '../usage';
import { dateFlag, oneOf, usd, withDaemon } from './ledgerClient';

const PERIODS = ['hour', 'day', 'week', 'month', 'all'] as const;
const DIMENSIONS = ['model', 'provider', 'policy', 'workspace', 'client', 'member'] as const;

export const spendCommand: CliCommand = {
  name: 'spend',
  summary: 'show spend for a period, grouped, with savings and the latest requests',
  usage: `llm-router spend [--period hour|day|week|month|all] [--from DATE] [--to DATE] [--by model|provider|policy|workspace|client|member]
                  [--requests N] [--conversations N] [--team] [--home DIR] [--json]

  Periods are calendar periods in the daemon's time zone; --from/--to (ISO 8601 or epoch ms) override them.
  Requests whose price is unknown are counted apart, never as $0. --conversations lists the most
  recent conversations: model, turns kept/moved, cached input tokens and what the cache saved.
  --team reads the team ledger (team mode): every member's requests; --by member groups by member.`,
  async run(args, io) {
    const { values } = parseFlags(args, {
      period: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      by: { type: 'string' },
      requests: { type: 'string' },
      conversations: { type: 'string' },
      home: { type: 'string' },
      json: { type: 'boolean' },
      team: { type: 'boolean' },
    });
    const team = values.team === true;
    const period = oneOf('period', values.period, PERIODS) ?? 'day';
    const groupBy = oneOf('by', values.by, DIMENSIONS);
    const from = dateFlag('from', values.from);
    const to = dateFlag('to', values.to);
    const latest = intFlag('requests', values.requests, 0, 500);
    const convCount = intFlag('conversations', values.conversations, 0, 500);
    return withDaemon(values.home, io, async (client) => {
      const summary = await client.call('spend/summary', { period, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), ...(groupBy ? { groupBy } : {}), ...(team ? { scope: 'team' as const } : {}) });
      const requests = latest > 0 ? await client.call('spend/requests', { limit: latest, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), ...(team ? { scope: 'team' as const } : {}) }) : null;
      const conversations = convCount > 0 ? (await client.call('spend/conversations', { limit: convCount })).conversations : null;
      if (values.json === true) {
        writeJson(io, { summary, requests: requests?.rows ?? null, ...(conversations ? { conversations } : {}) });
        return EXIT_OK;
      }
      const lines = [
        `${new Date(summary.from).toISOString()} → ${summary.to > 8e15 ? 'now' : new Date(summary.to).toISOString()}${summary.timeZone ? ` (${summary.timeZone})` : ''}`,
        `spent ${usd(summary.costUsd)} on ${summary.requests} requests (${summary.errors} failed${summary.unknownPriceRequests > 0 ? `, ${summary.unknownPriceRequests} with unknown price not included` : ''})`,
      ];
      if (summary.savingsUsd !== undefined && summary.savingsUsd !== null && summary.baselineModel) {
        lines.push(`saved ${usd(summary.savingsUsd)} against always using ${summary.baselineModel} (${usd(summary.baselineCostUsd)})`);
      }
      for (const g of summary.groups) {
        lines.push(`  ${(g.key || '(none)').padEnd(32)} ${usd(g.costUsd).padStart(12)}  ${String(g.requests).padStart(7)} req`);
      }
      for (const r of requests?.rows ?? []) {
        lines.push(`  ${new Date(r.ts).toISOString()}  ${r.model.padEnd(24)} ${(r.costState === 'known' ? usd(r.costUsd) : 'price unknown').padStart(12)}  ${r.status}`);
      }
      for (const c of conversations ?? []) {
        lines.push(
          `  ${c.id.slice(0, 13)} ${c.model.padEnd(24)} ${String(c.turns).padStart(4)} turns (${c.kept} kept, ${c.moved} moved)  ${String(c.tokensCached).padStart(8)} cached tok  saved ${usd(c.cacheSavedUsd)}  last: ${c.lastOutcome} — ${c.lastWhy}`,
        );
      }
      io.stdout.write(`${lines.join('\n')}\n`);
      return EXIT_OK;
    });
  },
};
