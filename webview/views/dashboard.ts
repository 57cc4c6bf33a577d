// The dashboard's first view: today's spend and the latest requests. Later views (budgets,
// timeseries, A/B tests, model health) mount beside it from their own modules.
import type { BudgetStatusResult, LedgerRow, SpendRequestsResult, SpendSummaryResult } from '../../daemon/protocol';
import { formatMs, formatTime, formatTokens, formatUsd } from '../format';
import type { Bridge } from '../rpc';
import { budgetsSection } from './budgets';
import { h, replaceChildren } from './dom';

const LATEST_ROWS = 25;
const REFRESH_COALESCE_MS = 300;

export function mountDashboard(root: HTMLElement, bridge: Bridge): void {
  const cards = h('section', { class: 'cards', 'data-testid': 'spend-cards' });
  const budgets = h('section', { class: 'budgets-section' });
  const table = h('section', { class: 'requests' });
  const status = h('p', { class: 'muted status-line' });
  const refreshButton = h('button', { type: 'button', class: 'secondary' }, 'Refresh');
  replaceChildren(root, h('header', { class: 'dash-header' }, h('h1', null, 'LLM Router — today'), refreshButton), cards, h('h2', null, 'Budgets'), budgets, h('h2', null, 'Latest requests'), table, status);

  let pending: ReturnType<typeof setTimeout> | undefined;
  const load = async (): Promise<void> => {
    try {
      const [summary, requests, budgetStatus] = await Promise.all([
        bridge.call('spend/summary', { period: 'day' }),
        bridge.call('spend/requests', { limit: LATEST_ROWS }),
        bridge.call('budget/status', {}).catch((): BudgetStatusResult | null => null),
      ]);
      replaceChildren(cards, ...summaryCards(summary));
      replaceChildren(budgets, budgetsSection(budgetStatus));
      replaceChildren(table, requestsTable(requests));
      status.textContent = `Updated ${formatTime(Date.now())}`;
      document.body.dataset.loaded = 'true';
    } catch (err) {
      status.textContent = '';
      replaceChildren(cards, h('p', { class: 'error' }, `Could not load spend: ${err instanceof Error ? err.message : String(err)}`));
    }
  };
  const schedule = (): void => {
    clearTimeout(pending);
    pending = setTimeout(() => void load(), REFRESH_COALESCE_MS);
  };
  refreshButton.addEventListener('click', () => void load());
  bridge.on('spend/changed', schedule);
  bridge.on('budget/changed', schedule);
  replaceChildren(cards, h('p', { class: 'muted' }, 'Loading…'));
  void load();
}

function card(label: string, value: string, note?: string): HTMLElement {
  return h('div', { class: 'card' }, h('div', { class: 'card-label' }, label), h('div', { class: 'card-value' }, value), note ? h('div', { class: 'card-note muted' }, note) : null);
}

function summaryCards(s: SpendSummaryResult): HTMLElement[] {
  return [
    card('Spent today', formatUsd(s.costUsd), s.unknownPriceRequests > 0 ? 'excludes requests with unknown prices' : undefined),
    card('Requests', String(s.requests)),
    card('Failed', String(s.errors)),
    card('Price unknown', String(s.unknownPriceRequests)),
  ];
}

function requestsTable(result: SpendRequestsResult): HTMLElement {
  if (result.rows.length === 0) {
    return h('p', { class: 'muted' }, 'No requests yet today. Run “LLM Router: Ask (auto-routed)” or point a script at the daemon.');
  }
  const head = h('tr', null, ...['Time', 'Client', 'Model', 'Provider', 'Tokens in / out', 'Cost', 'Latency', 'Status'].map((t) => h('th', null, t)));
  return h('table', { 'data-testid': 'requests-table' }, h('thead', null, head), h('tbody', null, ...result.rows.map(requestRow)));
}

function requestRow(row: LedgerRow): HTMLElement {
  const statusText = row.status === 'ok' ? 'ok' : row.errorCode ? `${row.status}: ${row.errorCode}` : row.status;
  return h(
    'tr',
    null,
    h('td', null, formatTime(row.ts)),
    h('td', { title: [row.clientName, row.workspace].filter(Boolean).join(' · ') }, row.clientKind),
    h('td', { title: row.reason ?? '' }, row.model),
    h('td', null, row.provider),
    h('td', { class: 'num' }, `${formatTokens(row.tokensIn)} / ${formatTokens(row.tokensOut)}`),
    h('td', { class: row.costState === 'known' ? 'num' : 'num muted' }, row.costState === 'known' ? formatUsd(row.costUsd) : 'price unknown'),
    h('td', { class: 'num' }, formatMs(row.latencyMs)),
    h('td', { class: `status-${row.status}` }, statusText),
  );
}
