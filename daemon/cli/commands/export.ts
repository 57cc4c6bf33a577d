import { resolve } from 'node:path';
import type { CliCommand } from '../command';
import { writeJson } from '../command';
import { EXIT_OK, parseFlags } from '../usage';
import { dateFlag, oneOf, withDaemon } from './ledgerClient';

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'export the ledger as CSV or JSON for a date range',
  usage: `llm-router export [--format csv|json] [--from DATE] [--to DATE] [--out FILE] [--team] [--home DIR] [--json]

  Without --out the report is printed (up to 10,000 rows); with it the daemon writes the file
  (created atomically; an unwritable path is refused with pathNotWritable).
  --team exports the team ledger (team mode): every member's rows, with a member_id column.`,
  async run(args, io) {
    const { values } = parseFlags(args, {
      format: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      out: { type: 'string' },
      home: { type: 'string' },
      json: { type: 'boolean' },
      team: { type: 'boolean' },
    });
    const format = oneOf('format', values.format, ['csv', 'json'] as const) ?? 'csv';
    const from = dateFlag('from', values.from);
    const to = dateFlag('to', values.to);
    return withDaemon(values.home, io, async (client) => {
      const r = await client.call('report/export', {
        format,
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
        ...(values.team === true ? { scope: 'team' as const } : {}),
        // The daemon's working folder is not the user's: resolve here.
        ...(values.out !== undefined ? { path: resolve(values.out) } : {}),
      });
      if (values.json === true) {
        writeJson(io, r);
      } else if (r.path !== null) {
        io.stdout.write(`wrote ${r.rows} rows to ${r.path}\n`);
      } else {
        io.stdout.write(r.content ?? '');
      }
      return EXIT_OK;
    });
  },
};
