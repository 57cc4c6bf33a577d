// Team mode (issue 14): shared budgets leased from PostgreSQL and one team ledger. `team/*`
// methods, the `team` config section's shapes, and the team scope of the spend reports.
// A leaf like methods.ts: imports nothing from the rest of the daemon.
import { z } from 'zod';

const result = <R>() => undefined as unknown as R;

const Id = z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/, 'ids are letters, digits, . _ @ and -');

/** What a team budget covers. `project` is the client's workspace; `member` a member id. */
export const TeamBudgetScope = z.enum(['team', 'project', 'member', 'model', 'provider']);
export type TeamBudgetScope = z.infer<typeof TeamBudgetScope>;
export const TeamBudgetPeriod = z.enum(['hour', 'day', 'week', 'month']);
export type TeamBudgetPeriod = z.infer<typeof TeamBudgetPeriod>;

/** The `team` section of config.json. The password never lives here (keychain or PGPASSWORD). */
export const TeamConfig = z
  .object({
    /** postgres://user@host:port/db[?sslmode=require]: TLS when the URL asks for it. */
    url: z
      .string()
      .max(2000)
      .refine((s) => /^postgres(ql)?:\/\//.test(s), 'team.url must start with postgres:// or postgresql://')
      .refine((s) => {
        try {
          return new URL(s).password === '';
        } catch {
          return false;
        }
      }, 'team.url must be a valid URL without a password: store the password in the keychain (keys/set with provider "team-postgres") or set PGPASSWORD'),
    teamId: Id,
    memberId: Id,
    /** Database unreachable and the lease spent: refuse calls, or go on under the local budgets only. */
    offline: z.enum(['refuse', 'localBudgets']).default('refuse'),
    lease: z
      .object({
        /** The largest slice one lease takes at a time. */
        maxSliceUsd: z.number().positive().max(1_000_000).default(1),
        /** A slice is at most this share of what is left of the budget (slices shrink near the limit). */
        shareOfRemaining: z.number().gt(0).max(1).default(0.1),
        /** A lease not renewed for this long expires and its unspent part returns to the team. */
        ttlMs: z.number().int().min(1000).max(86_400_000).default(120_000),
      })
      .strict()
      .default({ maxSliceUsd: 1, shareOfRemaining: 0.1, ttlMs: 120_000 }),
    /** How often the outbox ships, leases renew and team budgets refresh. */
    syncIntervalMs: z.number().int().min(100).max(600_000).default(2000),
    connectTimeoutMs: z.number().int().min(100).max(120_000).default(5000),
  })
  .strict();
export type TeamConfig = z.infer<typeof TeamConfig>;

export interface TeamBudget {
  id: string;
  name: string;
  scope: TeamBudgetScope;
  scopeValue: string | null;
  period: TeamBudgetPeriod;
  limitUsd: number;
  createdAt: number;
  updatedAt: number;
}

export interface TeamBudgetStatus {
  budget: TeamBudget;
  periodStart: number;
  /** Rows shipped to the team ledger in this period. */
  spentUsd: number;
  /** Held by open leases (all members) beyond what their rows already brought in. */
  leasedUsd: number;
  remainingUsd: number;
}

export interface TeamLeaseView {
  id: string;
  budgetId: string;
  periodStart: number;
  grantedUsd: number;
  usedUsd: number;
  heldUsd: number;
  availableUsd: number;
  expiresAt: number;
}

export const TeamStatusParams = z.object({}).strict();
export interface TeamStatusResult {
  enabled: boolean;
  teamId: string | null;
  memberId: string | null;
  /** Host, port and database only: never the password. */
  database: string | null;
  connection: 'connected' | 'connecting' | 'unreachable' | 'error' | 'off';
  /** The last connection or sync problem, in words a person can act on. */
  problem: string | null;
  schemaVersion: number | null;
  tls: boolean;
  offline: 'refuse' | 'localBudgets' | null;
  leases: TeamLeaseView[];
  outboxBacklog: number;
  lastSyncAt: number | null;
  shippedRows: number;
  leaseRoundTrips: number;
  budgets: TeamBudgetStatus[];
}

export const TeamBudgetSetParams = z
  .object({
    id: z.string().min(1).max(100).optional(),
    name: z.string().min(1).max(200).optional(),
    scope: TeamBudgetScope,
    scopeValue: z.string().min(1).max(200).optional(),
    period: TeamBudgetPeriod,
    limitUsd: z.number().positive().max(1e9),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.scope !== 'team' && p.scopeValue === undefined) {
      ctx.addIssue({ code: 'custom', path: ['scopeValue'], message: `a ${p.scope} budget needs scopeValue (the ${p.scope === 'project' ? 'workspace' : p.scope} it covers)` });
    }
    if (p.scope === 'team' && p.scopeValue !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['scopeValue'], message: 'a team budget covers the whole team: leave scopeValue out' });
    }
  });
export const TeamBudgetListParams = z.object({}).strict();
export interface TeamBudgetListResult {
  budgets: TeamBudgetStatus[];
}
export const TeamBudgetDeleteParams = z.object({ id: z.string().min(1).max(100) }).strict();
export interface TeamBudgetDeleteResult {
  id: string;
  deleted: boolean;
}

/** Reports read the member's own ledger (local, the default) or the team's (PostgreSQL). */
export const ReportScope = z.enum(['local', 'team']);
export type ReportScope = z.infer<typeof ReportScope>;

export const teamMethods = {
  'team/status': { params: TeamStatusParams, result: result<TeamStatusResult>() },
  'team/budgetSet': { params: TeamBudgetSetParams, result: result<TeamBudgetStatus>() },
  'team/budgetList': { params: TeamBudgetListParams, result: result<TeamBudgetListResult>() },
  'team/budgetDelete': { params: TeamBudgetDeleteParams, result: result<TeamBudgetDeleteResult>() },
} as const;
