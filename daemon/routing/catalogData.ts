// The catalog data file (data/models.json, or a newer one given to `catalog update`): every model
// the router may choose, with quality per task category and latency figures, each citing its
// public source or saying why it is an estimate. Validated here, at the edge: a bad file is an
// error naming the file and the field, and never half-applied.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { Capability } from '../protocol/routing';
import { RouterError } from '../protocol/errors';
import { CategoryQualitySchema, ReasoningSpecSchema } from '../protocol/routing-methods';
import type { CatalogListResult, ReasoningSpecInput, SourcedFigure } from '../protocol/routing-methods';
import { TASK_CATEGORIES, type CategoryQuality } from './taskCategories';
import shippedCatalogJson from './data/models.json';

const SourceRef = z.object({
  title: z.string().min(1).max(500),
  url: z.url().optional(),
  repository: z.string().min(1).max(200).optional(),
  commit: z.string().regex(/^[0-9a-f]{7,40}$/, 'a git commit hash').optional(),
  file: z.string().min(1).max(500).optional(),
  date: z.string().regex(/^\d{4}(-\d{2}(-\d{2})?)?$/, 'a date: YYYY, YYYY-MM or YYYY-MM-DD'),
}).strict().refine((s) => s.url !== undefined || s.repository !== undefined, { message: 'a source needs a url or a repository' });

/** A figure with its source id, or with the reason it is an estimate: never a bare number. */
const Figure = (max: number, unit: string) =>
  z.object({
    value: z.number().positive().max(max, `${unit}: above ${max} looks like the wrong unit`),
    source: z.string().min(1).optional(),
    estimate: z.string().min(10, 'say why the figure is an estimate').optional(),
  }).strict().refine((f) => (f.source === undefined) !== (f.estimate === undefined), { message: 'a figure needs exactly one of "source" or "estimate"' });

/**
 * Tool use: a tool-calling leaderboard's accuracy for this very model (percent, with the source and
 * the leaderboard row), or why there is none. The loader puts accuracies on the quality scale
 * (toolQualities); a model without one keeps `tools` unknown.
 */
const ToolsFigure = z.union([
  z.object({ accuracy: z.number().min(0).max(100, 'accuracy is a percentage'), source: z.string().min(1), row: z.string().min(1), note: z.string().optional() }).strict(),
  z.object({ unknown: z.string().min(10, 'say why there is no tool-use figure') }).strict(),
]);
type ToolsFigure = z.infer<typeof ToolsFigure>;

const Quality = z.union([
  z.object({ source: z.string().min(1), arenaModel: z.string().min(1).optional(), byCategory: CategoryQualitySchema, note: z.string().optional(), tools: ToolsFigure.optional() }).strict(),
  z.object({ like: z.string().min(1), reason: z.string().min(10, 'say why the model is assumed like the other'), tools: ToolsFigure.optional() }).strict(),
]);

const DataModel = z.object({
  id: z.string().min(1).max(200),
  provider: z.string().min(1).max(50),
  apiModel: z.string().min(1).max(200).optional(),
  priceId: z.string().min(1).max(200).optional(),
  contextWindow: z.number().int().positive().max(100_000_000),
  maxOutputTokens: z.number().int().positive().max(10_000_000),
  capabilities: z.array(Capability),
  reasoning: z.intersection(ReasoningSpecSchema, z.object({ thinkingTokens: z.string().min(10, 'say where the thinking-token figures come from') })).optional(),
  quality: Quality,
  latency: z.object({
    ttftMs: Figure(120_000, 'ttftMs is milliseconds'),
    tokensPerSecond: Figure(20_000, 'tokensPerSecond is tokens per second'),
  }).strict(),
}).strict();
type DataModel = z.infer<typeof DataModel>;

export const CatalogFile = z.object({
  schema: z.literal(1),
  updated: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date: YYYY-MM-DD'),
  methods: z.record(z.string(), z.string()),
  sources: z.record(z.string(), SourceRef),
  models: z.array(DataModel).min(1),
}).strict();
export type CatalogFile = z.infer<typeof CatalogFile>;

/** How a model's thinking is controlled, and its levels (ascending depth is not assumed: see effortDepth). */
export type ReasoningSpec = ReasoningSpecInput;

/** What the loader makes of one data-file model: the catalog's fields plus where each figure came from. */
export interface DataModelResolved {
  id: string;
  provider: string;
  apiModel: string;
  priceId: string;
  contextWindow: number;
  maxOutputTokens: number;
  capabilities: Capability[];
  qualityByCategory: CategoryQuality;
  qualityPrior: number;
  reasoning?: ReasoningSpec;
  latencyPrior: { ttftMs: number; tokensPerSecond: number };
  provenance: { quality: string; ttftMs: SourcedFigure; tokensPerSecond: SourcedFigure; thinkingTokens: string | null };
}

export interface CatalogData {
  updated: string;
  /** Where it was read from (the shipped file or the path given to `catalog update`). */
  file: string;
  methods: Record<string, string>;
  sources: CatalogListResult['sources'];
  models: DataModelResolved[];
}

/**
 * The one prompt-independent quality number older code reads: the overall (`chat`, arena "full")
 * figure when known, else the mean of the known categories.
 */
export function derivePrior(q: CategoryQuality): number | null {
  if (q.chat !== undefined) {
    return q.chat;
  }
  const known = TASK_CATEGORIES.map((c) => q[c]).filter((v): v is number => v !== undefined);
  return known.length ? Math.round((known.reduce((a, b) => a + b, 0) / known.length) * 1000) / 1000 : null;
}

function fail(where: string, path: (string | number)[], message: string): never {
  throw new RouterError('invalidParams', `${where}: ${path.length ? path.join('.') : '(root)'}: ${message}`, { file: where, field: path.join('.') });
}

/** Validates a catalog data file and resolves `like` and source references; throws naming file and field. */
export function parseCatalogData(json: unknown, where: string): CatalogData {
  const r = CatalogFile.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0];
    const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more)` : '';
    fail(where, (first?.path ?? []).map((p) => (typeof p === 'symbol' ? String(p) : p)), `${first?.message ?? 'invalid'}${more}`);
  }
  const file = r.data;
  const ids = new Map<string, number>();
  file.models.forEach((m, i) => {
    if (ids.has(m.id)) {
      fail(where, ['models', i, 'id'], `"${m.id}" appears twice`);
    }
    ids.set(m.id, i);
  });
  const checkSource = (path: (string | number)[], id: string | undefined): void => {
    if (id !== undefined && !(id in file.sources)) {
      fail(where, path, `source "${id}" is not listed under "sources"`);
    }
  };
  const resolveQuality = (i: number, seen: Set<string>): { byCategory: CategoryQuality; text: string } => {
    const m = file.models[i] as DataModel;
    const q = m.quality;
    if ('byCategory' in q) {
      checkSource(['models', i, 'quality', 'source'], q.source);
      const src = `${q.source}${q.arenaModel ? ` (${q.arenaModel})` : ''}`;
      return { byCategory: q.byCategory, text: src };
    }
    const j = ids.get(q.like);
    if (j === undefined) {
      fail(where, ['models', i, 'quality', 'like'], `"${q.like}" is not a model in this file`);
    }
    if (seen.has(q.like)) {
      fail(where, ['models', i, 'quality', 'like'], `"like" chain loops through "${q.like}"`);
    }
    const base = resolveQuality(j, new Set([...seen, m.id]));
    return { byCategory: base.byCategory, text: `like ${q.like}: ${q.reason}` };
  };
  const resolved = file.models.map((m, i) => {
    const tools = m.quality.tools;
    if (tools && 'source' in tools) {
      checkSource(['models', i, 'quality', 'tools', 'source'], tools.source);
    }
    return resolveQuality(i, new Set([m.id]));
  });
  const toolQuality = toolQualities(file.models.map((m, i) => ({ tools: m.quality.tools, overall: derivePrior((resolved[i] as { byCategory: CategoryQuality }).byCategory) })));
  const models = file.models.map((m, i): DataModelResolved => {
    checkSource(['models', i, 'latency', 'ttftMs', 'source'], m.latency.ttftMs.source);
    checkSource(['models', i, 'latency', 'tokensPerSecond', 'source'], m.latency.tokensPerSecond.source);
    const base = resolved[i] as { byCategory: CategoryQuality; text: string };
    // The model's own tool-use entry decides: its figure, or unknown (not one inherited through "like").
    const own = m.quality.tools;
    const byCategory: CategoryQuality = { ...base.byCategory };
    const tools = toolQuality[i];
    if (tools !== undefined) {
      byCategory.tools = tools;
    } else if (own !== undefined) {
      delete byCategory.tools;
    }
    const q = { byCategory, text: `${base.text}${toolsText(own)}` };
    const prior = derivePrior(q.byCategory);
    if (prior === null) {
      fail(where, ['models', i, 'quality'], 'no category has a quality figure');
    }
    const apiModel = m.apiModel ?? m.id;
    const out: DataModelResolved = {
      id: m.id,
      provider: m.provider,
      apiModel,
      priceId: m.priceId ?? apiModel,
      contextWindow: m.contextWindow,
      maxOutputTokens: m.maxOutputTokens,
      capabilities: m.capabilities,
      qualityByCategory: q.byCategory,
      qualityPrior: prior,
      latencyPrior: { ttftMs: m.latency.ttftMs.value, tokensPerSecond: m.latency.tokensPerSecond.value },
      provenance: { quality: q.text, ttftMs: m.latency.ttftMs, tokensPerSecond: m.latency.tokensPerSecond, thinkingTokens: m.reasoning?.thinkingTokens ?? null },
    };
    if (m.reasoning) {
      out.reasoning = { control: m.reasoning.control, default: m.reasoning.default, levels: m.reasoning.levels };
    }
    return out;
  });
  return { updated: file.updated, file: where, methods: file.methods, sources: file.sources, models };
}

/**
 * Tool-use accuracies on the quality scale of the other categories: a z-score map that gives the
 * models with an accuracy the mean and spread of their own overall quality, so the leaderboard's
 * order and gaps are kept and a tool-calling prompt does not compare two scales. Fitted on the
 * file's own models (a newer file recalibrates); fewer than 3 accuracies leave tools unknown.
 */
export function toolQualities(models: readonly { tools: ToolsFigure | undefined; overall: number | null }[]): (number | undefined)[] {
  const pairs = models.flatMap((m) => (m.tools && 'accuracy' in m.tools && m.overall !== null ? [{ acc: m.tools.accuracy, q: m.overall }] : []));
  if (pairs.length < 3) {
    return models.map(() => undefined);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = (xs: number[], mu: number) => Math.sqrt(mean(xs.map((x) => (x - mu) ** 2)));
  const accs = pairs.map((p) => p.acc);
  const qs = pairs.map((p) => p.q);
  const [muA, muQ] = [mean(accs), mean(qs)];
  const scale = sd(accs, muA) > 0 ? sd(qs, muQ) / sd(accs, muA) : 0;
  return models.map((m) => (m.tools && 'accuracy' in m.tools ? Math.round(Math.min(0.99, Math.max(0.01, muQ + (m.tools.accuracy - muA) * scale)) * 1000) / 1000 : undefined));
}

function toolsText(t: ToolsFigure | undefined): string {
  if (!t) {
    return '';
  }
  return 'accuracy' in t ? `; tools: ${t.source} (${t.row}: ${t.accuracy}%${t.note ? `; ${t.note}` : ''})` : `; tools unknown: ${t.unknown}`;
}

/** Reads and validates a catalog data file from disk. */
export function readCatalogFile(path: string): CatalogData {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RouterError('invalidParams', `cannot read ${path}: ${(e as Error).message}`, { file: path });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new RouterError('parseError', `${path} is not JSON: ${(e as Error).message}`, { file: path });
  }
  return parseCatalogData(json, path);
}

let shipped: CatalogData | null = null;

/** The data file shipped with the daemon, parsed once. */
export function shippedCatalogData(): CatalogData {
  shipped ??= parseCatalogData(shippedCatalogJson, 'daemon/routing/data/models.json');
  return shipped;
}

/** Where `catalog update` keeps the newer data file, so a restart serves the same figures. */
export const USER_CATALOG_FILE = 'catalog.json';

/** Saves a validated data file atomically (temp file + rename): a crash leaves the old or the new one. */
export function saveCatalogFile(home: string, json: unknown): string {
  const path = join(home, USER_CATALOG_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(json, null, 1)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
  return path;
}

/**
 * The data file a daemon starts with: the one `catalog update` saved in `home`, unless the shipped
 * file is newer (an upgrade) or the saved one no longer validates (then the shipped one serves and
 * `problem` says why).
 */
export function startupCatalogData(home: string): { data: CatalogData; problem: string | null } {
  const path = join(home, USER_CATALOG_FILE);
  if (!existsSync(path)) {
    return { data: shippedCatalogData(), problem: null };
  }
  try {
    const saved = readCatalogFile(path);
    const shippedData = shippedCatalogData();
    return { data: saved.updated >= shippedData.updated ? saved : shippedData, problem: null };
  } catch (e) {
    return { data: shippedCatalogData(), problem: (e as Error).message };
  }
}
