// Team mode's part of the daemon. Routing and calls stay local; only money and records are shared:
//  - a gate in the request path (`reserve` before the provider call, `settleInTx` in the ledger
//    write) that spends against budget leases held in memory, going to PostgreSQL only when a
//    lease must grow;
//  - a background sync (every `syncIntervalMs`) that ships the outbox, renews or returns leases
//    and refreshes the team budgets.
// Nothing here may stop the daemon: an unreachable database, a wrong password or a newer schema is
// reported by `team status` and, per `team.offline`, refuses calls or leaves them to local budgets.
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { z } from 'zod';
import { periodEnd } from '../ledger/periods';
import { RouterError } from '../protocol/errors';
import type { LedgerRow } from '../protocol/ledger';
import type { TeamBudget, TeamBudgetSetParams, TeamBudgetStatus, TeamConfig, TeamStatusResult } from '../protocol/team';
import type { Store, WriteTx } from '../store/database';
import { createTeamPool, describeTarget, describeTeamError, isUnreachable, teamPassword, type PasswordSources, type TeamDbTarget } from './connection';
import { availableOf, growLease, renewLease, returnLease, type LeaseOwner, type LocalLease } from './leases';
import { enqueueInTx, outboxBacklog, shipBatch } from './outbox';
import { migrateTeamDb } from './schema';
import { budgetStatuses, covers, deleteTeamBudget, describeTeamBudget, loadTeamBudgets, saveTeamBudget, TEAM_ZONE, teamPeriodStart, type TeamScope } from './teamBudgets';

export interface TeamServiceOptions {
  config: TeamConfig;
  store: Store;
  password: PasswordSources;
  now?: () => number;
  log?: (message: string) => void;
}

interface Hold {
  lease: LocalLease;
  amountUsd: number;
  /** Which reserve() took it (one per attempt), so a failed attempt gives back only its own. */
  ticket: number;
  at: number;
}

const SHIP_BATCH = 500;
/** Longer than any call's own time limits: a hold this old belongs to a call that will not settle. */
const STALE_HOLD_MS = 30 * 60_000;
/** How long shutdown may spend returning leases and shipping the outbox. */
const CLOSE_BUDGET_MS = 5000;
/** A lease nobody spent from for this share of its TTL goes back to the team. */
const IDLE_SHARE = 0.5;
const usd = (n: number): string => `$${n.toFixed(n < 0.01 ? 6 : n < 1 ? 4 : 2)}`;

export class TeamService {
  readonly target: TeamDbTarget;
  private pool: Pool | null = null;
  private connection: TeamStatusResult['connection'] = 'connecting';
  private problem: string | null = null;
  private schemaVersion: number | null = null;
  /** null until loaded once: before that no call can know which team budgets apply. */
  private budgets: TeamBudget[] | null = null;
  private readonly leases = new Map<string, LocalLease>();
  private readonly holds = new Map<string, Hold[]>();
  private readonly growing = new Map<string, Promise<void>>();
  private readonly owner: LeaseOwner;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private shipTimer: NodeJS.Timeout | null = null;
  private syncing: Promise<void> | null = null;
  private connecting: Promise<void> | null = null;
  private closed = false;
  private tickets = 0;
  private lastSyncAt: number | null = null;
  /** Counters for status, metrics and the bench. */
  readonly counters = { shippedRows: 0, leaseRoundTrips: 0, refusedCalls: 0, offlineCalls: 0 };

  constructor(private readonly options: TeamServiceOptions) {
    this.target = describeTarget(options.config.url);
    this.owner = { teamId: options.config.teamId, memberId: options.config.memberId, daemonId: randomUUID() };
    this.now = options.now ?? Date.now;
  }

  get config(): TeamConfig {
    return this.options.config;
  }

  /** Connects in the background and starts the sync loop; never throws. */
  start(): void {
    this.connecting = this.connect();
    this.timer = setInterval(() => void this.sync(), this.options.config.syncIntervalMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) {
      clearInterval(this.timer);
    }
    if (this.shipTimer) {
      clearTimeout(this.shipTimer);
    }
    await this.syncing?.catch(() => undefined);
    const pool = this.pool;
    if (pool !== null && this.connection === 'connected') {
      // Best effort, bounded: leases first (others may be waiting for that money), then the outbox;
      // what does not make it stays in the outbox for next time, and an unreturned lease expires.
      await withTimeout(
        (async () => {
          for (const [key, lease] of this.leases) {
            if (lease.heldUsd <= 1e-12) {
              await returnLease(pool, lease);
              this.leases.delete(key);
            }
          }
          await this.shipAll(pool);
        })(),
        CLOSE_BUDGET_MS,
      ).catch(() => undefined);
    }
    this.pool = null;
    await pool?.end().catch(() => undefined);
  }

  // ---- the gate in the request path -------------------------------------------------------------

  /**
   * Holds `estimateUsd` on the lease of every team budget the call falls under. In memory when the
   * leases have room (no round trip); grows a lease in one PostgreSQL transaction otherwise.
   */
  async reserve(requestId: string, scope: TeamScope, estimateUsd: number | null): Promise<number> {
    const ticket = ++this.tickets;
    if (this.budgets === null && this.connecting !== null) {
      await this.connecting;
    }
    const budgets = this.budgets;
    if (budgets === null) {
      if (this.config.offline === 'localBudgets') {
        this.counters.offlineCalls += 1;
        return ticket;
      }
      this.counters.refusedCalls += 1;
      throw new RouterError(
        'teamUnavailable',
        `team mode: the team budgets could not be loaded (${this.problem ?? 'not connected yet'}), so this call is refused (team.offline = "refuse"; "localBudgets" would go on under the local budgets only)`,
        { database: this.target.display, offline: this.config.offline },
      );
    }
    const applicable = budgets.filter((b) => covers(b, scope));
    if (applicable.length === 0) {
      return ticket;
    }
    if (estimateUsd === null) {
      this.counters.refusedCalls += 1;
      throw new RouterError('budgetExceeded', `${describeTeamBudget(applicable[0] as TeamBudget)} cannot be enforced: this request's model has no known price. Set its price or choose a priced model`, {
        budgetId: (applicable[0] as TeamBudget).id,
        team: true,
        reason: 'priceUnknown',
      });
    }
    const now = this.now();
    const held: Hold[] = [];
    try {
      for (const b of applicable) {
        const lease = this.holdFast(b, now, estimateUsd) ?? (await this.holdSlow(b, estimateUsd));
        if (lease !== null) {
          held.push({ lease, amountUsd: estimateUsd, ticket, at: now });
        }
      }
    } catch (e) {
      for (const h of held) {
        h.lease.heldUsd -= h.amountUsd;
      }
      this.counters.refusedCalls += 1;
      throw e;
    }
    this.holds.set(requestId, [...(this.holds.get(requestId) ?? []), ...held]);
    return ticket;
  }

  /** An attempt that failed before answering gives its holds back (the call's others stay). */
  release(requestId: string, ticket: number): void {
    const holds = this.holds.get(requestId);
    if (!holds) {
      return;
    }
    for (const h of holds.filter((x) => x.ticket === ticket)) {
      h.lease.heldUsd = Math.max(0, h.lease.heldUsd - h.amountUsd);
    }
    this.holds.set(requestId, holds.filter((x) => x.ticket !== ticket));
  }

  /**
   * Charges the recorded row's cost to the leases it held (once per lease, however many holds),
   * and queues the row for the team ledger, in the transaction that records it.
   */
  settleInTx(tx: WriteTx, row: LedgerRow): void {
    const holds = this.holds.get(row.id) ?? [];
    const byLease = new Map<LocalLease, number>();
    for (const h of holds) {
      h.lease.heldUsd = Math.max(0, h.lease.heldUsd - h.amountUsd);
      byLease.set(h.lease, Math.max(byLease.get(h.lease) ?? 0, h.amountUsd));
    }
    for (const [lease, heldAmount] of byLease) {
      // An unpriced answer is charged what it held: never $0 against a shared limit.
      lease.usedUsd += row.costState === 'known' && row.costUsd !== null ? row.costUsd : heldAmount;
    }
    enqueueInTx(tx, row.id, [...byLease.keys()].map((l) => l.id), this.now());
  }

  /** After the row is durable: forget the holds and ship soon (batched; nobody waits on it). */
  afterRecord(row: LedgerRow): void {
    this.holds.delete(row.id);
    if (this.shipTimer === null && !this.closed) {
      this.shipTimer = setTimeout(() => {
        this.shipTimer = null;
        void this.sync(true);
      }, 100);
      this.shipTimer.unref();
    }
  }

  private holdFast(b: TeamBudget, now: number, amount: number): LocalLease | null {
    const lease = this.leases.get(leaseKey(b, now));
    if (lease && lease.expiresAt > now && availableOf(lease) + 1e-12 >= amount) {
      lease.heldUsd += amount;
      lease.touchedAt = now;
      return lease;
    }
    return null;
  }

  /** One grower per budget at a time; the others wait and re-check (the grown lease may fit them). */
  private async holdSlow(b: TeamBudget, amount: number): Promise<LocalLease | null> {
    for (;;) {
      const now = this.now();
      const fast = this.holdFast(b, now, amount);
      if (fast) {
        return fast;
      }
      const key = leaseKey(b, now);
      const busy = this.growing.get(key);
      if (busy) {
        await busy.catch(() => undefined);
        continue;
      }
      let result: LocalLease | null = null;
      const work = this.grow(b, key, now, amount).then((h) => {
        result = h;
      });
      this.growing.set(key, work);
      try {
        await work;
      } finally {
        this.growing.delete(key);
      }
      return result;
    }
  }

  private async grow(b: TeamBudget, key: string, now: number, amount: number): Promise<LocalLease | null> {
    const existing = this.leases.get(key);
    const current = existing && existing.expiresAt > now ? existing : null;
    const need = amount - (current ? Math.max(0, availableOf(current)) : 0);
    const pool = this.pool;
    let result: Awaited<ReturnType<typeof growLease>>;
    try {
      if (pool === null) {
        throw new RouterError('teamUnavailable', this.problem ?? `team database ${this.target.display} is not connected`);
      }
      this.counters.leaseRoundTrips += 1;
      result = await growLease(pool, this.owner, b, teamPeriodStart(now, b.period), current, need, this.config.lease, this.now);
    } catch (e) {
      if (!isUnreachable(e)) {
        throw e;
      }
      this.markUnreachable(e);
      if (this.config.offline === 'localBudgets') {
        this.counters.offlineCalls += 1;
        return null;
      }
      const left = current ? Math.max(0, availableOf(current)) : 0;
      throw new RouterError(
        'teamUnavailable',
        `team database unreachable (${this.problem}): this daemon's lease on ${describeTeamBudget(b)} has ${usd(left)} left and this call needs ~${usd(amount)}; refusing until the database answers (team.offline = "refuse")`,
        { budgetId: b.id, leaseLeftUsd: left, estimateUsd: amount, offline: this.config.offline },
      );
    }
    this.markConnected();
    if (result.kind === 'gone') {
      this.budgets = (this.budgets ?? []).filter((x) => x.id !== b.id);
      return null;
    }
    if (result.kind === 'refused') {
      throw new RouterError(
        'budgetExceeded',
        `${describeTeamBudget(b)} of ${usd(result.limitUsd)} would be exceeded: the team spent ${usd(result.spentUsd)}, members' leases hold ${usd(result.leasedUsd)}, ${usd(result.freeUsd)} is free and this call needs ~${usd(amount)}; it resets ${new Date(periodEnd(now, b.period, TEAM_ZONE)).toISOString()}`,
        { budgetId: b.id, name: b.name, team: true, limitUsd: result.limitUsd, spentUsd: result.spentUsd, leasedUsd: result.leasedUsd, estimateUsd: amount, resetsAt: periodEnd(now, b.period, TEAM_ZONE) },
      );
    }
    this.leases.set(key, result.lease);
    result.lease.heldUsd += amount;
    result.lease.touchedAt = now;
    return result.lease;
  }

  // ---- background sync --------------------------------------------------------------------------

  private async connect(): Promise<void> {
    const pool = createTeamPool(this.config, await teamPassword(this.options.password));
    try {
      const client = await pool.connect();
      try {
        this.schemaVersion = await migrateTeamDb(client);
      } finally {
        client.release();
      }
      this.budgets = await loadTeamBudgets(pool, this.config.teamId);
      this.pool = pool;
      this.markConnected();
    } catch (e) {
      await pool.end().catch(() => undefined);
      this.markUnreachable(e);
    } finally {
      this.connecting = null;
    }
  }

  /** One round: connect if needed, ship the outbox, renew or return leases, refresh budgets. */
  sync(shipOnly = false): Promise<void> {
    if (this.closed) {
      return Promise.resolve();
    }
    this.syncing ??= this.syncOnce(shipOnly).finally(() => {
      this.syncing = null;
    });
    return this.syncing;
  }

  private async syncOnce(shipOnly: boolean): Promise<void> {
    if (this.pool === null) {
      if (shipOnly) {
        return;
      }
      this.connecting ??= this.connect();
      await this.connecting;
    }
    const pool = this.pool;
    if (pool === null) {
      return;
    }
    try {
      await this.shipAll(pool);
      if (!shipOnly) {
        this.budgets = await loadTeamBudgets(pool, this.config.teamId);
        await this.renewLeases(pool);
      }
      this.lastSyncAt = this.now();
      this.markConnected();
    } catch (e) {
      this.markUnreachable(e);
    }
  }

  private async shipAll(pool: Pool): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const n = await shipBatch(this.options.store, pool, this.config.teamId, this.config.memberId, SHIP_BATCH, this.now);
      this.counters.shippedRows += n;
      if (n < SHIP_BATCH) {
        return;
      }
    }
  }

  private async renewLeases(pool: Pool): Promise<void> {
    const now = this.now();
    const ttl = this.config.lease.ttlMs;
    this.dropStaleHolds(now);
    for (const [key, lease] of [...this.leases]) {
      const budget = this.budgets?.find((b) => b.id === lease.budgetId);
      const over = budget === undefined || periodEnd(lease.periodStart, budget.period, TEAM_ZONE) <= now;
      const idle = now - lease.touchedAt > ttl * IDLE_SHARE;
      if ((over || idle) && lease.heldUsd <= 1e-12) {
        await returnLease(pool, lease);
        this.leases.delete(key);
        continue;
      }
      const sentAt = this.now();
      if (await renewLease(pool, lease, ttl)) {
        lease.expiresAt = sentAt + ttl - Math.min(1000, ttl / 10);
      } else {
        // The database expired it (we were away too long): the next call takes a new one.
        this.leases.delete(key);
      }
    }
  }

  /**
   * A call whose row could not be recorded (the store refused the write) never settles: after
   * STALE_HOLD_MS its holds are charged in full (the call may have been paid for) so the lease
   * neither stays blocked nor under-reports.
   */
  private dropStaleHolds(now: number): void {
    for (const [requestId, holds] of this.holds) {
      if (holds.length > 0 && holds.every((h) => now - h.at > STALE_HOLD_MS)) {
        for (const h of holds) {
          h.lease.heldUsd = Math.max(0, h.lease.heldUsd - h.amountUsd);
          h.lease.usedUsd += h.amountUsd;
        }
        this.holds.delete(requestId);
      }
    }
  }

  private markConnected(): void {
    this.connection = 'connected';
    this.problem = null;
  }

  private markUnreachable(e: unknown): void {
    const text = describeTeamError(e, this.target);
    const code = (e as { code?: string }).code;
    const permanent = e instanceof RouterError || code === '28P01' || code === '28000' || code === '3D000' || /password/i.test(text);
    if (this.problem !== text) {
      this.options.log?.(`[team] ${text}`);
    }
    this.connection = permanent ? 'error' : 'unreachable';
    this.problem = text;
  }

  // ---- views ------------------------------------------------------------------------------------

  requirePool(): Pool {
    if (this.pool === null || this.connection !== 'connected') {
      throw new RouterError('teamUnavailable', `team database not available: ${this.problem ?? 'still connecting'}`, { database: this.target.display });
    }
    return this.pool;
  }

  /** For reports: the pool even when the last sync failed (the query then says why). */
  reportPool(): Pool {
    if (this.pool === null) {
      throw new RouterError('teamUnavailable', `team database not available: ${this.problem ?? 'still connecting'}`, { database: this.target.display });
    }
    return this.pool;
  }

  outboxBacklog(): number {
    return outboxBacklog(this.options.store);
  }

  localLeases(): LocalLease[] {
    return [...this.leases.values()];
  }

  get connectionState(): TeamStatusResult['connection'] {
    return this.connection;
  }

  async status(): Promise<TeamStatusResult> {
    let budgets: TeamBudgetStatus[] = [];
    if (this.pool !== null) {
      try {
        budgets = await budgetStatuses(this.pool, this.config.teamId, this.now());
      } catch (e) {
        this.markUnreachable(e);
      }
    }
    return {
      enabled: true,
      teamId: this.config.teamId,
      memberId: this.config.memberId,
      database: this.target.display,
      connection: this.connection,
      problem: this.problem,
      schemaVersion: this.schemaVersion,
      tls: this.target.tls,
      offline: this.config.offline,
      leases: this.localLeases().map((l) => ({
        id: l.id,
        budgetId: l.budgetId,
        periodStart: l.periodStart,
        grantedUsd: l.grantedUsd,
        usedUsd: l.usedUsd,
        heldUsd: l.heldUsd,
        availableUsd: Math.max(0, availableOf(l)),
        expiresAt: l.expiresAt,
      })),
      outboxBacklog: this.outboxBacklog(),
      lastSyncAt: this.lastSyncAt,
      shippedRows: this.counters.shippedRows,
      leaseRoundTrips: this.counters.leaseRoundTrips,
      budgets,
    };
  }

  async setBudget(params: z.output<typeof TeamBudgetSetParams>): Promise<TeamBudgetStatus> {
    const s = await saveTeamBudget(this.requirePool(), this.config.teamId, params, this.now());
    this.budgets = await loadTeamBudgets(this.requirePool(), this.config.teamId);
    return s;
  }

  async listBudgets(): Promise<TeamBudgetStatus[]> {
    return budgetStatuses(this.requirePool(), this.config.teamId, this.now());
  }

  async deleteBudget(id: string): Promise<boolean> {
    const deleted = await deleteTeamBudget(this.requirePool(), this.config.teamId, id);
    this.budgets = await loadTeamBudgets(this.requirePool(), this.config.teamId);
    return deleted;
  }
}

function leaseKey(b: TeamBudget, now: number): string {
  return `${b.id}\u0000${teamPeriodStart(now, b.period)}`;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout')), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
