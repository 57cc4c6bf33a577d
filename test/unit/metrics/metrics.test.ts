import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from 'prom-client';
import { createMetrics } from '../../../daemon/metrics/metrics';
import type { LedgerService } from '../../../daemon/ledger/service';
import type { AttemptRow } from '../../../daemon/ledger/requests';
import type { LedgerRow } from '../../../daemon/protocol/ledger';
import type { WriteTx } from '../../../daemon/store/database';
import type { Turn } from '../../../daemon/pipeline/turn';

const BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120];

/** What /metrics printed when every record called prom-client's own `inc`/`observe` (before the counters kept plain totals). */
function reference(): { record(row: LedgerRow, attempts: readonly AttemptRow[]): void; render(): Promise<string> } {
  const registry = new Registry();
  const requests = new Counter({ name: 'llm_router_requests_total', help: 'Routed requests recorded in the ledger.', labelNames: ['endpoint', 'model', 'provider', 'status'], registers: [registry] });
  const tokens = new Counter({ name: 'llm_router_tokens_total', help: 'Tokens of recorded requests.', labelNames: ['model', 'kind'], registers: [registry] });
  const cost = new Counter({ name: 'llm_router_cost_usd_total', help: 'Spend of recorded requests with a known price (USD).', labelNames: ['model', 'provider'], registers: [registry] });
  const unknownPrice = new Counter({ name: 'llm_router_unknown_price_requests_total', help: 'Recorded requests whose price is unknown (never counted as $0).', labelNames: ['model'], registers: [registry] });
  const providerErrors = new Counter({ name: 'llm_router_provider_errors_total', help: 'Failed provider attempts by error code.', labelNames: ['provider', 'model', 'code'], registers: [registry] });
  const latency = new Histogram({ name: 'llm_router_request_duration_seconds', help: 'End-to-end request latency.', labelNames: ['endpoint', 'stream'], buckets: BUCKETS, registers: [registry] });
  const ttft = new Histogram({ name: 'llm_router_time_to_first_token_seconds', help: 'Time to the first streamed token.', labelNames: ['endpoint'], buckets: BUCKETS, registers: [registry] });
  return {
    record(row, attempts) {
      requests.inc({ endpoint: row.endpoint, model: row.model, provider: row.provider, status: row.status });
      tokens.inc({ model: row.model, kind: 'input' }, row.tokensIn);
      tokens.inc({ model: row.model, kind: 'output' }, row.tokensOut);
      if (row.tokensCached > 0) {
        tokens.inc({ model: row.model, kind: 'cached' }, row.tokensCached);
      }
      if (row.tokensReasoning > 0) {
        tokens.inc({ model: row.model, kind: 'reasoning' }, row.tokensReasoning);
      }
      if (row.costState === 'known' && row.costUsd !== null) {
        cost.inc({ model: row.model, provider: row.provider }, row.costUsd);
      } else {
        unknownPrice.inc({ model: row.model });
      }
      for (const a of attempts) {
        if (a.status === 'error' && a.errorCode !== null) {
          providerErrors.inc({ provider: a.provider, model: a.model, code: a.errorCode });
        }
      }
      latency.observe({ endpoint: row.endpoint, stream: String(row.stream) }, row.latencyMs / 1000);
      if (row.ttftMs !== null) {
        ttft.observe({ endpoint: row.endpoint }, row.ttftMs / 1000);
      }
    },
    render: () => registry.metrics(),
  };
}

const MODELS = ['gpt-4o-mini', 'claude-sonnet-4', 'o3', 'x,model:with=odd"chars'];
const ENDPOINTS = ['chat.completions', 'messages', 'responses'] as const;

function rowAt(i: number): { row: LedgerRow; attempts: AttemptRow[] } {
  const model = MODELS[(i * 7) % MODELS.length] as string;
  const unknown = i % 11 === 0;
  const row: LedgerRow = {
    id: `req_${i}`, ts: 1_700_000_000_000 + i, clientKind: 'script', clientName: null, workspace: null, endpoint: ENDPOINTS[i % 3] as LedgerRow['endpoint'],
    requestedModel: 'auto', model, provider: i % 2 ? 'openai' : 'anthropic', policy: null, strategy: 'learned', taskType: 'chat', reason: null, stream: i % 4 === 0,
    tokensIn: (i * 37) % 900, tokensOut: (i * 13) % 300, tokensCached: i % 5 === 0 ? 64 : 0, tokensReasoning: i % 6 === 0 ? 128 : 0,
    estimatedCostUsd: null, costUsd: unknown ? null : ((i * 7919) % 1000) * 1.37e-7, costState: unknown ? 'unknown' : 'known',
    latencyMs: (i * 53) % 4000, ttftMs: i % 4 === 0 ? (i * 17) % 900 : null, status: i % 9 === 0 ? 'error' : 'ok', errorCode: i % 9 === 0 ? 'upstreamError' : null,
    fallbacks: [], experimentId: null, arm: null,
  };
  const attempts: AttemptRow[] = i % 3 === 0
    ? [{ n: 0, ts: row.ts, model: 'o3', provider: 'openai', status: 'error', errorCode: i % 2 ? 'rateLimited' : 'timeout', latencyMs: 5 }, { n: 1, ts: row.ts, model, provider: row.provider, status: 'ok', errorCode: null, latencyMs: 9 }]
    : [{ n: 0, ts: row.ts, model, provider: row.provider, status: 'ok', errorCode: null, latencyMs: 9 }];
  return { row, attempts };
}

/** The request metrics' blocks (the budget gauges read the ledger and are left out here). */
function requestBlocks(text: string): string {
  return text.split('\n# HELP ').filter((b) => !b.includes('llm_router_budget_')).join('\n# HELP ');
}

test('/metrics prints the same request counters and histograms as prom-client fed on every record, across scrapes', async () => {
  const ledger = { guard: { status: () => [] } } as unknown as LedgerService;
  const metrics = createMetrics({ ledger, team: null });
  const ref = reference();
  const tx = {} as WriteTx;
  const turn = {} as Turn;
  assert.equal(requestBlocks(await metrics.render()), requestBlocks(await ref.render()));
  for (let i = 1; i <= 400; i++) {
    const { row, attempts } = rowAt(i);
    metrics.hooks.onRecord?.(tx, row, attempts, turn);
    ref.record(row, attempts);
    if (i % 150 === 0) {
      assert.equal(requestBlocks(await metrics.render()), requestBlocks(await ref.render()), `after ${i} records`);
    }
  }
  const text = await metrics.render();
  assert.equal(requestBlocks(text), requestBlocks(await ref.render()));
  assert.match(text, /llm_router_cost_usd_total\{model="gpt-4o-mini",provider="anthropic"\} \d/);
  assert.match(text, /llm_router_provider_errors_total\{provider="openai",model="o3",code="rateLimited"\} \d+/);
});

test('a counter refuses what prom-client refuses: a negative or infinite increment fails the record', () => {
  const ledger = { guard: { status: () => [] } } as unknown as LedgerService;
  const metrics = createMetrics({ ledger, team: null });
  const { row, attempts } = rowAt(1);
  assert.throws(() => metrics.hooks.onRecord?.({} as WriteTx, { ...row, tokensIn: -1 }, attempts, {} as Turn), /not possible to decrease a counter/);
  assert.throws(() => metrics.hooks.onRecord?.({} as WriteTx, { ...row, costUsd: Number.POSITIVE_INFINITY, costState: 'known' }, attempts, {} as Turn), /not a valid number/);
});
