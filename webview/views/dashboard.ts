// The dashboard: today's spend, budgets, spend over time, where requests went, what routing
// saved, model health, conversations and what routing learned, A/B tests, team mode and the latest
// requests. Each section reads its own daemon
// method through the bridge and fails on its own: one unreadable section never blanks the rest.
import type { BudgetStatusResult, LedgerRow, SpendSummaryResult } from '../../daemon/protocol';
import { formatMs, formatTime, formatTokens, formatUsd } from '../format';
import { mergeLatest, NewRows } from '../newRows';
import type { Bridge } from '../rpc';
import { budgetsView } from './budgets';
import { conversationsSection, CONVERSATIONS_SHOWN } from './conversations';
import { decisionDetail } from './decision';
import { h, replaceChildren } from './dom';
import { vsButton, vsTabs } from './elements';
import { experimentsSection, loadExperiments } from './experiments';
import { healthSection } from './health';
import { learnedSection } from './learned';
import { loadSpendOverTime, spendOverTimeSection, type SpendRange } from './spendOverTime';
import { savingsSection, sharesTable } from './spendShares';
import { teamSection } from './team';

const LATEST_ROWS = 25;
const REFRESH_COALESCE_MS = 300;

export function mountDashboard(root: HTMLElement, bridge: Bridge): void {
  const cards = h('section', { class: 'cards', 'data-testid': 'spend-cards' });
  const budgets = h('section', { class: 'budgets-section' });
  const budgetEditor = budgetsView(bridge, () => schedule());
  budgets.append(budgetEditor.element);
  const detail = h('section', { class: 'decision-detail', 'aria-live': 'polite', 'data-testid': 'decision-detail' });
  const overTime = h('section', { class: 'over-time' });
  const savings = h('section', { class: 'savings-section' });
  const byModel = h('section', { class: 'by-model' });
  const byProvider = h('section', { class: 'by-provider' });
  const health = h('section', { class: 'health' });
  const experiments = h('section', { class: 'experiments-section' });
  const conversations = h('div', { class: 'conversations' });
  const learned = h('div', { class: 'learned' });
  // Shown only in team mode.
  const teamHead = h('h2', { hidden: 'hidden' }, 'Team');
  const team = h('section', { class: 'team-section', hidden: 'hidden' });
  const table = h('section', { class: 'requests' });
  const status = h('p', { class: 'muted status-line' });
  let range: SpendRange = 'day';
  const refreshButton = vsButton('Refresh', () => {
    latest.reset();
    void load();
  }, { title: 'Read everything again', testId: 'refresh' });
  const rangeButtons = (['day', 'hour'] as const).map((r) => {
    const b = vsButton(r === 'day' ? '14 days' : '24 hours', () => {
      range = r;
      void load();
    }, { className: 'range', title: r === 'day' ? 'Spend per day, last 14 days' : 'Spend per hour, last 24 hours' });
    b.dataset.range = r;
    return b;
  });
  replaceChildren(
    root,
    h('header', { class: 'dash-header' }, h('h1', null, 'LLM Router — today'), refreshButton),
    cards,
    h('h2', null, 'Budgets'),
    budgets,
    h('div', { class: 'section-head' }, h('h2', null, 'Spend over time'), h('span', { class: 'range-buttons' }, ...rangeButtons)),
    overTime,
    h('h2', null, 'What routing saved this month'),
    savings,
    h('h2', null, 'Where requests went this month'),
    h('div', { class: 'split' }, h('div', null, h('h3', null, 'By model'), byModel), h('div', null, h('h3', null, 'By provider'), byProvider)),
    h('h2', null, 'Model health'),
    health,
    h('h2', null, 'Conversations and what routing learned'),
    h('section', { class: 'routing-state-section' }, vsTabs('Conversations and learned state', [
      { title: 'Conversations', panel: conversations, testId: 'conversations' },
      { title: 'Learned per model', panel: learned, testId: 'learned' },
    ])),
    h('h2', null, 'A/B tests'),
    experiments,
    teamHead,
    team,
    h('h2', null, 'Latest requests'),
    h('p', { class: 'muted hint' }, 'Select a request (click, or arrow keys and Enter) to see its decision: every candidate with its estimate and what decided.'),
    table,
    detail,
    status,
  );

  const section = async <T>(into: HTMLElement, what: string, read: () => Promise<T>, draw: (value: T) => HTMLElement): Promise<void> => {
    try {
      replaceChildren(into, draw(await read()));
    } catch (err) {
      replaceChildren(into, h('p', { class: 'error' }, `Could not load ${what}: ${err instanceof Error ? err.message : String(err)}`));
    }
  };

  // The latest requests follow spend/changed: after the first page, only the rows it names are read.
  const latest = new NewRows((params) => bridge.call('spend/requests', params), LATEST_ROWS);
  let shownRows: LedgerRow[] = [];
  let pending: ReturnType<typeof setTimeout> | undefined;
  const load = async (): Promise<void> => {
    const started = performance.now();
    for (const b of rangeButtons) {
      // The chosen range is the primary button; aria-pressed tells a screen reader which one it is.
      b.toggleAttribute('secondary', b.dataset.range !== range);
      b.setAttribute('aria-pressed', String(b.dataset.range === range));
    }
    const now = Date.now();
    const core = (async () => {
      try {
        const [summary, step, budgetStatus] = await Promise.all([
          bridge.call('spend/summary', { period: 'day' }),
          latest.next(),
          bridge.call('budget/status', {}).catch((): BudgetStatusResult | null => null),
        ]);
        replaceChildren(cards, ...summaryCards(summary));
        budgetEditor.update(budgetStatus);
        if (step.initial || step.rows.length > 0) {
          shownRows = mergeLatest(shownRows, step, LATEST_ROWS);
          replaceChildren(table, requestsTable(shownRows, (row) => void showDetail(row)));
        }
        return true;
      } catch (err) {
        replaceChildren(cards, h('p', { class: 'error' }, `Could not load spend: ${err instanceof Error ? err.message : String(err)}`));
        return false;
      }
    })();
    const month = bridge.call('spend/summary', { period: 'month', groupBy: 'model' });
    await Promise.all([
      core,
      section(overTime, 'spend over time', () => loadSpendOverTime(bridge, range, now), (r) => spendOverTimeSection(r, range, now)),
      section(savings, 'savings', () => month, savingsSection),
      section(byModel, 'spend by model', () => month, (r) => sharesTable(r, 'Model', 'by-model')),
      section(byProvider, 'spend by provider', () => bridge.call('spend/summary', { period: 'month', groupBy: 'provider' }), (r) => sharesTable(r, 'Provider', 'by-provider')),
      section(health, 'model health', () => bridge.call('providers/health', {}), healthSection),
      section(experiments, 'A/B tests', () => loadExperiments(bridge), experimentsSection),
      section(conversations, 'conversations', () => bridge.call('spend/conversations', { limit: CONVERSATIONS_SHOWN }), conversationsSection),
      section(learned, 'what routing learned', () => bridge.call('routing/learnedState', {}), learnedSection),
      loadTeam(bridge, teamHead, team),
    ]);
    if (await core) {
      status.textContent = `Updated ${formatTime(Date.now())}`;
      // Read by bench/dashboard.ts: the first full draw since the view's document started, and each load.
      document.body.dataset.firstLoadMs ??= String(Math.round(performance.now()));
      document.body.dataset.lastLoadMs = String(Math.round(performance.now() - started));
      document.body.dataset.loads = String(Number(document.body.dataset.loads ?? 0) + 1);
      document.body.dataset.loaded = 'true';
    } else {
      status.textContent = '';
    }
  };
  const showDetail = async (row: LedgerRow): Promise<void> => {
    replaceChildren(detail, h('p', { class: 'muted' }, `Loading the decision of ${row.id}…`));
    const decision = await bridge.call('request/decision', { requestId: row.id, ts: row.ts }).catch((err: unknown) => (err instanceof Error ? err.message : String(err)));
    replaceChildren(detail, decisionDetail(row, decision));
    detail.scrollIntoView({ block: 'nearest' });
  };
  function schedule(): void {
    clearTimeout(pending);
    pending = setTimeout(() => void load(), REFRESH_COALESCE_MS);
  }
  bridge.on('spend/changed', (event) => {
    latest.noticed(event.requestId);
    schedule();
  });
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

function requestsTable(rows: LedgerRow[], select: (row: LedgerRow) => void): HTMLElement {
  if (rows.length === 0) {
    return h('p', { class: 'muted' }, 'No requests yet today. Run “LLM Router: Ask (auto-routed)” or point a script at the daemon.');
  }
  // Columns marked `opt` give way first in a narrow panel; none is ever clipped.
  const columns: [string, string][] = [['Time', ''], ['Client', ''], ['Model', ''], ['Provider', 'opt'], ['Tokens in / out', 'opt'], ['Cost', ''], ['Latency', 'opt'], ['Status', '']];
  const head = h('tr', null, ...columns.map(([t, c]) => h('th', c ? { class: c, scope: 'col' } : { scope: 'col' }, t)));
  const body = h('tbody', null, ...rows.map((row) => requestRow(row, select)));
  body.addEventListener('keydown', (e) => {
    const current = (e.target as HTMLElement).closest('tr');
    const next = e.key === 'ArrowDown' ? current?.nextElementSibling : e.key === 'ArrowUp' ? current?.previousElementSibling : null;
    if (next instanceof HTMLElement) {
      e.preventDefault();
      next.focus();
    }
  });
  return h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'requests-table', 'aria-label': 'Latest requests' }, h('thead', null, head), body));
}

function requestRow(row: LedgerRow, select: (row: LedgerRow) => void): HTMLElement {
  const statusText = row.status === 'ok' ? 'ok' : row.errorCode ? `${row.status}: ${row.errorCode}` : row.status;
  const client = row.clientName ? `${row.clientKind} · ${row.clientName}` : row.clientKind;
  const tr = h(
    'tr',
    { tabindex: '0', class: 'selectable', 'data-request': row.id, 'aria-label': `${formatTime(row.ts)} ${row.model} ${row.costState === 'known' ? formatUsd(row.costUsd) : 'price unknown'}: show its decision` },
    h('td', null, formatTime(row.ts)),
    h('td', { class: 'wrap', title: [row.clientName, row.workspace].filter(Boolean).join(' · ') }, client),
    h('td', { class: 'wrap', title: row.reason ?? '' }, row.model),
    h('td', { class: 'opt' }, row.provider),
    h('td', { class: 'num opt' }, `${formatTokens(row.tokensIn)} / ${formatTokens(row.tokensOut)}`),
    h('td', { class: row.costState === 'known' ? 'num' : 'num muted' }, row.costState === 'known' ? formatUsd(row.costUsd) : 'price unknown'),
    h('td', { class: 'num opt' }, formatMs(row.latencyMs)),
    h('td', { class: `status-${row.status}` }, statusText),
  );
  tr.addEventListener('click', () => select(row));
  tr.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      select(row);
    }
  });
  return tr;
}

/** The team section appears once the daemon says team mode is on; it fails on its own like the rest. */
async function loadTeam(bridge: Bridge, head: HTMLElement, into: HTMLElement): Promise<void> {
  try {
    const status = await bridge.call('team/status', {});
    head.hidden = !status.enabled;
    into.hidden = !status.enabled;
    if (!status.enabled) {
      return;
    }
    const byMember = await bridge.call('spend/summary', { period: 'month', groupBy: 'member', scope: 'team' }).catch((): SpendSummaryResult | null => null);
    replaceChildren(into, teamSection(status, byMember));
  } catch {
    // An older daemon without team/status: no team section.
    head.hidden = true;
    into.hidden = true;
  }
}
