// llm-router catalog list | update FILE: what the router knows about every model (quality per task
// category, latency, reasoning levels, price) and where each figure comes from; a newer data file
// replaces the figures (validated first: a bad file changes nothing).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CliCommand, CliIo } from '../command';
import { writeJson } from '../command';
import { EXIT_OK, UsageError, parseFlags } from '../usage';
import type { LearnedModelState } from '../../protocol/learning';
import type { CatalogListEntry, CatalogListResult, SourcedFigure } from '../../protocol/routing-methods';
import { RouterError } from '../../protocol/errors';
import { TASK_CATEGORIES } from '../../protocol/taskCategories';
import { withDaemon } from './ledgerClient';

const USAGE = `llm-router catalog list [--sources] [--home DIR] [--json]
llm-router catalog update FILE [--home DIR] [--json]

  list    every model the router may choose: quality per task category (${TASK_CATEGORIES.join(', ')}),
          time to first token, output speed, reasoning levels, price, and what feedback taught
          the router (outcomes, and the learned adjustment overall and per category);
          --sources adds where each figure comes from (a cited source, or why it is an estimate).
  update  replaces the catalog's figures with FILE (the schema of daemon/routing/data/models.json).
          The daemon keeps it for its next start; your own models in config.json stay.`;

function figure(f: SourcedFigure, sources: CatalogListResult['sources']): string {
  if (f.source !== undefined) {
    const s = sources[f.source];
    return `${f.value} [${f.source}${s?.url ? ` ${s.url}` : s?.repository ? ` ${s.repository}@${s.commit ?? ''} ${s.file ?? ''}` : ''}${s ? `, ${s.date}` : ''}]`;
  }
  return `${f.value} [estimate: ${f.estimate ?? ''}]`;
}

function line(m: CatalogListEntry): string {
  const q = TASK_CATEGORIES.map((c) => (m.qualityByCategory[c] === undefined ? '  -  ' : (m.qualityByCategory[c] ?? 0).toFixed(3))).join(' ');
  const price = m.inputPerMTok === null ? 'unknown' : `$${m.inputPerMTok}/$${m.outputPerMTok}`;
  const effort = m.reasoning ? m.reasoning.levels.map((l) => l.effort).join('|') : '-';
  return `${m.id.padEnd(30)} ${m.provider.padEnd(10)} ${q}  ${String(m.latency.ttftMs.value).padStart(5)} ms ${String(m.latency.tokensPerSecond.value).padStart(4)} tok/s  ${effort.padEnd(28)} ${price}${m.userDefined ? '  (yours)' : ''}`;
}

/** Feedback count and the bounded online adjustment, overall and per category it was credited to. */
function learnedLine(l: LearnedModelState): string {
  const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(3)}`;
  const cats = TASK_CATEGORIES.flatMap((c) => {
    const s = l.byCategory[c];
    return s ? [`${c} ${signed(s.adjustment)} (weight ${s.weight})`] : [];
  });
  return `    learned from ${l.outcomes} feedback: ${signed(l.adjustment)} overall${cats.length ? `; ${cats.join(', ')}` : ''}`;
}

function printList(io: CliIo, r: CatalogListResult, withSources: boolean): void {
  io.stdout.write(`catalog of ${r.updated} (${r.file}), ${r.models.length} models; prices from @pydantic/genai-prices\n`);
  io.stdout.write(`${'model'.padEnd(30)} ${'provider'.padEnd(10)} ${TASK_CATEGORIES.map((c) => c.slice(0, 5).padEnd(5)).join(' ')}  ${'ttft'.padStart(8)} ${'speed'.padStart(10)}  ${'effort'.padEnd(28)} $/MTok in/out\n`);
  for (const m of r.models) {
    io.stdout.write(`${line(m)}\n`);
    if (m.learned) {
      io.stdout.write(`${learnedLine(m.learned)}\n`);
    }
    if (withSources) {
      io.stdout.write(`    quality: ${m.qualitySource}\n    ttft: ${figure(m.latency.ttftMs, r.sources)}\n    speed: ${figure(m.latency.tokensPerSecond, r.sources)}\n`);
      if (m.reasoning) {
        io.stdout.write(`    thinking tokens (${m.reasoning.levels.map((l) => `${l.effort} ${l.thinkingTokens}`).join(', ')}): ${m.reasoning.thinkingTokens}\n`);
      }
    }
  }
  const learnedModels = r.models.filter((m) => m.learned).length;
  io.stdout.write(`learned from feedback: ${learnedModels === 0 ? 'nothing yet' : `${learnedModels} model${learnedModels === 1 ? '' : 's'}`} (each adjustment shrunk by ${r.learning.priorStrength} outcomes, at most ±${r.learning.maxAdjustment})\n`);
  if (withSources) {
    io.stdout.write('\nmethods:\n');
    for (const [k, v] of Object.entries(r.methods)) {
      io.stdout.write(`  ${k}: ${v}\n`);
    }
  }
}

export const catalogCommand: CliCommand = {
  name: 'catalog',
  summary: 'list the models routing knows (with sources), or update their figures from a data file',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseFlags(args, { home: { type: 'string' }, json: { type: 'boolean' }, sources: { type: 'boolean' } }, true);
    const [verb, file, ...extra] = positionals;
    if (verb === 'list' && file === undefined) {
      return withDaemon(values.home, io, async (client) => {
        const r = await client.call('catalog/list', {});
        if (values.json === true) {
          writeJson(io, r);
        } else {
          printList(io, r, values.sources === true);
        }
        return EXIT_OK;
      });
    }
    if (verb === 'update' && file !== undefined && extra.length === 0) {
      const path = resolve(file);
      let data: unknown;
      try {
        data = JSON.parse(readFileSync(path, 'utf8'));
      } catch (e) {
        throw new RouterError('invalidParams', `${path}: ${(e as Error).message}`, { file: path });
      }
      return withDaemon(values.home, io, async (client) => {
        const r = await client.call('catalog/update', { data, source: path });
        if (values.json === true) {
          writeJson(io, r);
        } else {
          io.stdout.write(`catalog of ${r.catalogUpdated ?? '?'} from ${path}: ${r.models} models (${r.added.length} new, ${r.updated.length} updated)\n`);
        }
        return EXIT_OK;
      });
    }
    throw new UsageError(`catalog needs "list" or "update FILE"\n\n${USAGE}`);
  },
};
