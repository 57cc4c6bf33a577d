// GET /metrics: the daemon's counters in Prometheus text format (prom-client). One registry per
// daemon (tests run several in one process). Request counters are fed by a pipeline hook inside
// the ledger write; budget, lease and outbox gauges are read when scraped.
import type * as Prom from 'prom-client';
import type { LedgerService } from '../ledger/service';
import type { TurnHooks } from '../service/hooks';
import type { TeamService } from '../team/service';

export interface MetricsSources {
  ledger: LedgerService;
  team: TeamService | null;
}

export interface DaemonMetrics {
  readonly contentType: string;
  readonly hooks: TurnHooks;
  render(): Promise<string>;
}

const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120];

/*
 * The four classes used, from their own files: prom-client's index also loads its cluster
 * aggregator, push gateway, summaries and default metrics (node:cluster, node:https, perf_hooks:
 * about 10 MB resident in an idle daemon) when none of them is used here.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const Registry = require('prom-client/lib/registry') as typeof Prom.Registry;
const Counter = require('prom-client/lib/counter') as typeof Prom.Counter;
const Gauge = require('prom-client/lib/gauge') as typeof Prom.Gauge;
const Histogram = require('prom-client/lib/histogram') as typeof Prom.Histogram;
/* eslint-enable @typescript-eslint/no-require-imports */

/** A counter whose increments are plain additions: prom-client's own `inc` hashes and validates its labels on every call (about 1% of a request's CPU in a profile under load). */
interface CountedCounter {
  /** Adds `value` to the series of these label values, given in the order of `labelNames`. */
  inc(value: number, ...labelValues: string[]): void;
}

interface Series {
  labels: Record<string, string>;
  value: number;
}

/**
 * Keeps each label set's total in a Map and hands the totals to prom-client when scraped: the same
 * series, values (summed in the same order) and first-seen order as calling `inc` on the counter
 * each time, and the same refusals (a decrease, an infinite value).
 */
function countedCounter(registry: Prom.Registry, config: { name: string; help: string; labelNames: string[] }): CountedCounter {
  const series = new Map<string, Series>();
  new Counter({
    ...config,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of series.values()) {
        this.inc(s.labels, s.value);
      }
    },
  });
  const names = config.labelNames;
  return {
    inc(value, ...labelValues) {
      if (value && !Number.isFinite(value)) {
        throw new TypeError(`Value is not a valid number: ${String(value)}`);
      }
      if (value < 0) {
        throw new Error('It is not possible to decrease a counter');
      }
      const key = labelValues.join('\u0000');
      const s = series.get(key);
      if (s !== undefined) {
        s.value += value;
        return;
      }
      const labels: Record<string, string> = {};
      names.forEach((n, i) => {
        labels[n] = labelValues[i] ?? '';
      });
      series.set(key, { labels, value });
    },
  };
}

export function createMetrics(src: MetricsSources): DaemonMetrics {
  const registry = new Registry();
  const requests = countedCounter(registry, { name: 'llm_router_requests_total', help: 'Routed requests recorded in the ledger.', labelNames: ['endpoint', 'model', 'provider', 'status'] });
  const tokens = countedCounter(registry, { name: 'llm_router_tokens_total', help: 'Tokens of recorded requests.', labelNames: ['model', 'kind'] });
  const cost = countedCounter(registry, { name: 'llm_router_cost_usd_total', help: 'Spend of recorded requests with a known price (USD).', labelNames: ['model', 'provider'] });
  const unknownPrice = countedCounter(registry, { name: 'llm_router_unknown_price_requests_total', help: 'Recorded requests whose price is unknown (never counted as $0).', labelNames: ['model'] });
  const providerErrors = countedCounter(registry, { name: 'llm_router_provider_errors_total', help: 'Failed provider attempts by error code.', labelNames: ['provider', 'model', 'code'] });
  const latency = new Histogram({ name: 'llm_router_request_duration_seconds', help: 'End-to-end request latency.', labelNames: ['endpoint', 'stream'], buckets: LATENCY_BUCKETS, registers: [registry] });
  const ttft = new Histogram({ name: 'llm_router_time_to_first_token_seconds', help: 'Time to the first streamed token.', labelNames: ['endpoint'], buckets: LATENCY_BUCKETS, registers: [registry] });

  new Gauge({
    name: 'llm_router_budget_used_usd',
    help: 'Spent plus reserved in the current window of each local budget (USD).',
    labelNames: ['budget', 'name', 'scope', 'period'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of src.ledger.guard.status()) {
        this.set({ budget: s.budget.id, name: s.budget.name, scope: s.budget.scope, period: s.budget.period }, s.spentUsd + s.reservedUsd);
      }
    },
  });
  new Gauge({
    name: 'llm_router_budget_left_usd',
    help: 'What is left in the current window of each local budget (USD; negative when over).',
    labelNames: ['budget', 'name', 'scope', 'period'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of src.ledger.guard.status()) {
        if (s.budget.period !== 'request') {
          this.set({ budget: s.budget.id, name: s.budget.name, scope: s.budget.scope, period: s.budget.period }, s.budget.limitUsd - s.spentUsd - s.reservedUsd);
        }
      }
    },
  });

  const team = src.team;
  if (team !== null) {
    new Gauge({
      name: 'llm_router_team_connected',
      help: '1 when the team database answered the last sync, else 0.',
      registers: [registry],
      collect() {
        this.set(team.connectionState === 'connected' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'llm_router_team_outbox_backlog',
      help: 'Ledger rows waiting to ship to the team ledger.',
      registers: [registry],
      collect() {
        this.set(team.outboxBacklog());
      },
    });
    const leaseGauge = (name: string, help: string, pick: (l: ReturnType<TeamService['localLeases']>[number]) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['budget'],
        registers: [registry],
        collect() {
          this.reset();
          for (const l of team.localLeases()) {
            this.set({ budget: l.budgetId }, pick(l));
          }
        },
      });
    };
    leaseGauge('llm_router_team_lease_granted_usd', "This daemon's lease on each team budget: granted (USD).", (l) => l.grantedUsd);
    leaseGauge('llm_router_team_lease_used_usd', "This daemon's lease: spent against it (USD).", (l) => l.usedUsd);
    leaseGauge('llm_router_team_lease_available_usd', "This daemon's lease: still spendable without a round trip (USD).", (l) => Math.max(0, l.grantedUsd - l.usedUsd - l.heldUsd));
    leaseGauge('llm_router_team_lease_expires_in_seconds', "This daemon's lease: seconds until it stops being spent unless renewed.", (l) => Math.max(0, (l.expiresAt - Date.now()) / 1000));
    new Gauge({
      name: 'llm_router_team_lease_round_trips',
      help: 'Lease grows (one PostgreSQL transaction each) since start.',
      registers: [registry],
      collect() {
        this.set(team.counters.leaseRoundTrips);
      },
    });
    new Gauge({
      name: 'llm_router_team_shipped_rows',
      help: 'Rows shipped to the team ledger since start.',
      registers: [registry],
      collect() {
        this.set(team.counters.shippedRows);
      },
    });
    const teamWindow = (name: string, help: string, pick: (s: Awaited<ReturnType<TeamService['status']>>['budgets'][number]) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['budget', 'name', 'scope', 'period'],
        registers: [registry],
        async collect() {
          this.reset();
          const st = await team.status();
          for (const s of st.budgets) {
            this.set({ budget: s.budget.id, name: s.budget.name, scope: s.budget.scope, period: s.budget.period }, pick(s));
          }
        },
      });
    };
    teamWindow('llm_router_team_budget_used_usd', 'Team budget: spent by the team plus held by open leases, current window (USD).', (s) => s.spentUsd + s.leasedUsd);
    teamWindow('llm_router_team_budget_left_usd', 'Team budget: free for new leases, current window (USD).', (s) => s.remainingUsd);
  }

  const hooks: TurnHooks = {
    onRecord: (_tx, row, attempts) => {
      requests.inc(1, row.endpoint, row.model, row.provider, row.status);
      tokens.inc(row.tokensIn, row.model, 'input');
      tokens.inc(row.tokensOut, row.model, 'output');
      if (row.tokensCached > 0) {
        tokens.inc(row.tokensCached, row.model, 'cached');
      }
      if (row.tokensReasoning > 0) {
        tokens.inc(row.tokensReasoning, row.model, 'reasoning');
      }
      if (row.costState === 'known' && row.costUsd !== null) {
        cost.inc(row.costUsd, row.model, row.provider);
      } else {
        unknownPrice.inc(1, row.model);
      }
      for (const a of attempts) {
        if (a.status === 'error' && a.errorCode !== null) {
          providerErrors.inc(1, a.provider, a.model, a.errorCode);
        }
      }
      latency.observe({ endpoint: row.endpoint, stream: String(row.stream) }, row.latencyMs / 1000);
      if (row.ttftMs !== null) {
        ttft.observe({ endpoint: row.endpoint }, row.ttftMs / 1000);
      }
    },
  };

  return { contentType: registry.contentType, hooks, render: () => registry.metrics() };
}
