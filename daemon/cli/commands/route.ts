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
import { dryRun, type DryRunDecider } from '../../routing/dryRun';
import { createHttpRpcClient } from '../../client/httpClient';
import { cliHome, recordedDaemon } from '../connect';

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
    'llm-router route --dry-run [--home DIR | --config FILE] [--local] [--tradeoff quality|balanced|cost|latency] [--baseline MODEL]',
    '',
    '  Reads one request per line: {"id", "prompt" or "messages", "candidates"?: [model ids],',
    '    "model"?, "max_tokens"?, "reasoning_effort"?, "routing"?, "context"?}',
    '  Writes one decision per line, in the same order:',
    '    {"id", "model", "effort", "expectedWallMs", "costUsd",',
    '     "estimates": {"<model>": {"quality", "costUsd", "latencyMs", "effort", "thinkingTokens"}}, "reason"}',
    '  A malformed line gets an error line {"id", "line", "error": {"code", "message"}}; the rest go on.',
    '  When the daemon of that home folder is running, it decides (route/decide with dryRun): its',
    '  config, catalog and what it learned from feedback. Otherwise (or with --local or --config FILE)',
    '  the same config.json and saved catalog are read here, with the shipped quality model; no',
    '  daemon is started and no API keys are needed.',
  ].join('\n'),
  async run(args, io) {
    const { values } = parseFlags(args, { 'dry-run': { type: 'boolean' }, tradeoff: { type: 'string' }, baseline: { type: 'string' }, home: { type: 'string' }, config: { type: 'string' }, local: { type: 'boolean' } });
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
    const live = values.local === true || values.config !== undefined || values.baseline !== undefined ? null : await recordedDaemon(home);
    if (live?.state === 'live') {
      // The user's running router decides: same config, catalog and online learning.
      const client = createHttpRpcClient({ port: live.info.port, token: live.info.token, timeoutMs: 60_000 });
      const tradeoffFlag = values.tradeoff !== undefined ? tradeoff.data : undefined;
      const decide: DryRunDecider = (input) =>
        client.call('route/decide', {
          ...input.request,
          model: input.requestedModel,
          dryRun: true,
          ...(input.candidates ? { candidates: input.candidates } : {}),
          ...(input.context ? { context: input.context } : {}),
          ...(input.routing || tradeoffFlag ? { routing: { ...(tradeoffFlag ? { tradeoff: tradeoffFlag } : {}), ...input.routing } } : {}),
        });
      try {
        // Created only now: readline emits lines as soon as it exists, and none may be lost.
        for await (const out of dryRun(decide, createInterface({ input: io.stdin, crlfDelay: Infinity }))) {
          io.stdout.write(`${out}\n`);
        }
      } finally {
        client.close();
      }
      return EXIT_OK;
    }
    const router = new Router({ catalog, isAvailable: () => false, defaultTradeoff: tradeoff.data, baselineModel: values.baseline ?? config.baselineModel, config: config.routing });
    // --tradeoff is each request's own choice, as on the daemon path above: it outranks a policy's
    // tradeoff (the code policy's balanced), which only config.json's default tradeoff does not.
    const local: DryRunDecider = values.tradeoff === undefined ? (input) => router.decide(input) : (input) => router.decide({ ...input, routing: { tradeoff: tradeoff.data, ...input.routing } });
    for await (const out of dryRun(local, createInterface({ input: io.stdin, crlfDelay: Infinity }))) {
      io.stdout.write(`${out}\n`);
    }
    return EXIT_OK;
  },
};
