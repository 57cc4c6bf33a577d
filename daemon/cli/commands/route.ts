// `llm-router route --dry-run`: what routing would do with a batch of prompts, and what it would
// cost and how long it would take, decided locally (no daemon, no keys, nothing sent anywhere) by
// the user's own router: the same config.json (policies, rules, models, workspaces, value of time)
// and catalog data file the daemon in that home folder serves.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { CliCommand } from '../command';
import { parseFlags, UsageError, EXIT_OK } from '../usage';
import { Tradeoff } from '../../protocol/routing';
import { RouterError } from '../../protocol/errors';
import { loadConfig, parseConfig, type DaemonConfig } from '../../config/config';
import { Catalog } from '../../routing/catalog';
import { startupCatalogData } from '../../routing/catalogData';
import { Router } from '../../routing/router';
import { dryRun } from '../../routing/dryRun';
import { cliHome } from '../connect';

function readConfigFile(path: string): DaemonConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new RouterError('invalidParams', `${path}: ${(e as Error).message}`, { file: path });
  }
  return parseConfig(json, path);
}

export const routeCommand: CliCommand = {
  name: 'route',
  summary: 'dry-run routing: JSONL requests on stdin → JSONL decisions on stdout',
  usage: [
    'llm-router route --dry-run [--home DIR | --config FILE] [--tradeoff quality|balanced|cost|latency] [--baseline MODEL]',
    '',
    '  Reads one request per line: {"id", "prompt" or "messages", "candidates"?: [model ids],',
    '    "model"?, "max_tokens"?, "reasoning_effort"?, "routing"?, "context"?}',
    '  Writes one decision per line, in the same order:',
    '    {"id", "model", "effort", "expectedWallMs", "costUsd",',
    '     "estimates": {"<model>": {"quality", "costUsd", "latencyMs", "effort", "thinkingTokens"}}, "reason"}',
    '  A malformed line gets an error line {"id", "line", "error": {"code", "message"}}; the rest go on.',
    '  Decides as the daemon of that home folder would: its config.json (or --config FILE) and the',
    '  catalog data file `catalog update` saved there. Needs no running daemon and no API keys.',
    '  Not yet read: the feedback the daemon learned online (the shipped quality model is used).',
  ].join('\n'),
  async run(args, io) {
    const { values } = parseFlags(args, { 'dry-run': { type: 'boolean' }, tradeoff: { type: 'string' }, baseline: { type: 'string' }, home: { type: 'string' }, config: { type: 'string' } });
    if (values['dry-run'] !== true) {
      throw new UsageError('route needs --dry-run (live requests go through the daemon: use `llm-router ask` or the HTTP endpoint)');
    }
    const home = cliHome(values.home, io.env);
    const config = values.config !== undefined ? readConfigFile(values.config) : loadConfig(home);
    const tradeoff = Tradeoff.safeParse(values.tradeoff ?? config.defaultTradeoff);
    if (!tradeoff.success) {
      throw new UsageError(`--tradeoff must be one of ${Tradeoff.options.join(', ')}`);
    }
    const catalog = Catalog.withOverrides(config.routing.models, `${values.config ?? 'config.json'} routing.models`, startupCatalogData(home).data);
    if (values.baseline !== undefined && !catalog.get(values.baseline)) {
      throw new UsageError(`--baseline: unknown model "${values.baseline}"`);
    }
    const router = new Router({ catalog, isAvailable: () => false, defaultTradeoff: tradeoff.data, baselineModel: values.baseline ?? config.baselineModel, config: config.routing });
    const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
    for await (const out of dryRun(router, lines)) {
      io.stdout.write(`${out}\n`);
    }
    return EXIT_OK;
  },
};
