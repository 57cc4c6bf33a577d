// `llm-router route --dry-run`: what routing would do with a batch of prompts, and what it would
// cost, decided locally (no daemon, no keys, nothing sent anywhere).
import { createInterface } from 'node:readline';
import type { CliCommand } from '../command';
import { parseFlags, UsageError, EXIT_OK } from '../usage';
import { Tradeoff } from '../../protocol/routing';
import { Catalog } from '../../routing/catalog';
import { Router } from '../../routing/router';
import { dryRun } from '../../routing/dryRun';

export const routeCommand: CliCommand = {
  name: 'route',
  summary: 'dry-run routing: JSONL requests on stdin → JSONL decisions on stdout',
  usage: [
    'llm-router route --dry-run [--tradeoff quality|balanced|cost|latency] [--baseline MODEL]',
    '',
    '  Reads one request per line: {"id", "prompt" or "messages", "candidates"?: [model ids]}',
    '  Writes one decision per line, in the same order:',
    '    {"id", "model", "estimates": {"<model>": {"quality", "costUsd", "latencyMs"}}, "reason"}',
    '  A malformed line gets an error line {"id", "line", "error": {"code", "message"}}; the rest go on.',
    '  Needs no running daemon and no API keys: nothing is called.',
  ].join('\n'),
  async run(args, io) {
    const { values } = parseFlags(args, { 'dry-run': { type: 'boolean' }, tradeoff: { type: 'string' }, baseline: { type: 'string' } });
    if (values['dry-run'] !== true) {
      throw new UsageError('route needs --dry-run (live requests go through the daemon: use `llm-router ask` or the HTTP endpoint)');
    }
    const tradeoff = Tradeoff.safeParse(values.tradeoff ?? 'balanced');
    if (!tradeoff.success) {
      throw new UsageError(`--tradeoff must be one of ${Tradeoff.options.join(', ')}`);
    }
    const catalog = Catalog.builtIn();
    if (values.baseline !== undefined && !catalog.get(values.baseline)) {
      throw new UsageError(`--baseline: unknown model "${values.baseline}"`);
    }
    const router = new Router({ catalog, isAvailable: () => false, defaultTradeoff: tradeoff.data, baselineModel: values.baseline ?? 'gpt-4o' });
    const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
    for await (const out of dryRun(router, lines)) {
      io.stdout.write(`${out}\n`);
    }
    return EXIT_OK;
  },
};
