// The daemon's config file, `$LLM_ROUTER_HOME/config.json` (optional). Validated at the edge:
// a bad file stops start-up with a message that names the file and the field.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { RouterError } from '../protocol/errors';
import { Tradeoff } from '../protocol/routing';
import { RoutingConfig } from '../protocol/routing-methods';
import { TeamConfig } from '../protocol/team';
import { HOT_ROWS } from '../ledger/archive';

export const CONFIG_FILE = 'config.json';

const Ms = z.number().int().positive();

export const DaemonConfig = z
  .object({
    defaultTradeoff: Tradeoff.default('balanced'),
    /** What routing's savings are measured against; null reports no savings. */
    baselineModel: z.string().min(1).nullable().default('gpt-4o'),
    /** Ask confirms before sending above this estimate (USD); null turns confirmation off. */
    askConfirmAboveUsd: z.number().nonnegative().nullable().default(null),
    /** IANA zone for budget periods and reports (e.g. Europe/Berlin); null uses the system's zone. */
    timeZone: z.string().min(1).max(100).nullable().default(null),
    /**
     * Per-provider overrides, e.g. a corporate proxy or a local OpenAI-compatible server; rate
     * limits the daemon keeps itself (rpm, tpm); several endpoints or keys balanced by weight or
     * latency (`keyName` names a stored key, never the key itself).
     */
    providers: z.record(z.string(), z.object({
      baseUrl: z.url().optional(),
      rpm: z.number().int().positive().optional(),
      tpm: z.number().int().positive().optional(),
      balance: z.enum(['weighted', 'least_latency']).default('weighted'),
      endpoints: z.array(z.object({ id: z.string().min(1).max(100), baseUrl: z.url().optional(), keyName: z.string().min(1).max(100).optional(), weight: z.number().positive().default(1) }).strict()).min(1).optional(),
    }).strict()).default({}),
    /** Retries, the stream first-token limit and the opt-in exact-match response cache. */
    resilience: z.object({
      maxRetries: z.number().int().min(0).max(10).default(2),
      retryBudgetMs: z.number().int().nonnegative().default(10_000),
      firstTokenMs: z.number().int().nonnegative().default(60_000),
      cache: z.object({ enabled: z.boolean().default(false), ttlMs: Ms.default(300_000), maxEntries: z.number().int().positive().default(1000) }).strict().default({ enabled: false, ttlMs: 300_000, maxEntries: 1000 }),
    }).strict().default({ maxRetries: 2, retryBudgetMs: 10_000, firstTokenMs: 60_000, cache: { enabled: false, ttlMs: 300_000, maxEntries: 1000 } }),
    timeouts: z.object({ connectMs: Ms, firstByteMs: Ms, totalMs: Ms }).partial().strict().default({}),
    /** Pacing of the built-in simulator in simulate mode (the demo looks more like the real thing). */
    simulator: z.object({ ttftMs: z.number().int().nonnegative(), tokensPerSecond: z.number().nonnegative() }).partial().strict().default({}),
    /** Conversation affinity (routing/affinity.ts): later turns keep their model unless re-routing is worth it. */
    affinity: z.object({ enabled: z.boolean().default(true) }).strict().default({ enabled: true }),
    /** User policies, rules, task → policy map, model overrides (prices, new models) and workspace defaults. */
    routing: RoutingConfig.default({ policies: [], taskPolicies: {}, rules: [], models: [], workspaces: {} }),
    /** Team mode: shared budgets leased from PostgreSQL and the team ledger (absent: off). */
    team: TeamConfig.optional(),
    /**
     * The in-memory ledger keeps the newest `hotRows` request rows (and never older than the previous
     * month's start); older ones move to cold segments on disk (ledger/archive.ts).
     */
    ledger: z.object({ hotRows: z.number().int().min(1000).max(10_000_000).default(HOT_ROWS) }).strict().default({ hotRows: HOT_ROWS }),
    /** GET /metrics (Prometheus text): false serves it without the bearer token (127.0.0.1 only). */
    metrics: z.object({ requireToken: z.boolean().default(true) }).strict().default({ requireToken: true }),
  })
  .strict();
export type DaemonConfig = z.infer<typeof DaemonConfig>;

export function parseConfig(json: unknown, where = CONFIG_FILE): DaemonConfig {
  const r = DaemonConfig.safeParse(json);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new RouterError('invalidParams', `${where} is not valid: ${issues}`);
  }
  return r.data;
}

/** Reads the config file from `home`; a missing file means the defaults. */
export function loadConfig(home: string): DaemonConfig {
  const file = join(home, CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      return parseConfig({});
    }
    throw new RouterError('internal', `cannot read ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new RouterError('parseError', `${file} is not JSON: ${(e as Error).message}`);
  }
  return parseConfig(json, file);
}
