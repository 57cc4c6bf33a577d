// Where requests went (spend and requests per model and per provider, with shares) and what
// routing saved, both from `spend/summary`. Savings are the daemon's own figure: the priced
// requests' tokens at the configured baseline model's price, minus what they cost.
import type { SpendSummaryResult } from '../../daemon/protocol';
import { formatPercent, formatUsd } from '../format';
import { h } from './dom';

export function sharesTable(summary: SpendSummaryResult, dimension: 'Model' | 'Provider', testId: string): HTMLElement {
  if (summary.groups.length === 0) {
    return h('p', { class: 'muted empty' }, 'No requests this month yet.');
  }
  const head = h('tr', null, ...[dimension, 'Requests', 'Share of requests', 'Cost', 'Share of cost'].map((t) => h('th', null, t)));
  const rows = summary.groups.map((g) =>
    h(
      'tr',
      null,
      h('td', null, g.key),
      h('td', { class: 'num' }, String(g.requests)),
      h('td', { class: 'num' }, shareCell(summary.requests > 0 ? g.requests / summary.requests : 0)),
      h('td', { class: 'num' }, formatUsd(g.costUsd)),
      h('td', { class: 'num' }, summary.costUsd > 0 ? shareCell(g.costUsd / summary.costUsd) : '—'),
    ),
  );
  return h('table', { class: 'shares', 'data-testid': testId }, h('thead', null, head), h('tbody', null, ...rows));
}

function shareCell(fraction: number): HTMLElement {
  const bar = h('span', { class: 'share-bar' }, h('span', { class: 'share-fill' }));
  const fill = bar.firstElementChild;
  if (fill instanceof HTMLElement) {
    // CSSOM, not a style attribute: the CSP allows no inline styles.
    fill.style.width = `${Math.min(100, Math.max(0, fraction * 100)).toFixed(1)}%`;
  }
  return h('span', { class: 'share' }, bar, h('span', { class: 'share-text' }, formatPercent(fraction)));
}

export function savingsSection(summary: SpendSummaryResult): HTMLElement {
  const base = summary.baselineModel;
  if (summary.requests === 0) {
    return h('p', { class: 'muted empty' }, 'Nothing routed this month yet, so nothing saved yet.');
  }
  if (!base || summary.baselineCostUsd === null || summary.baselineCostUsd === undefined || summary.savingsUsd === null || summary.savingsUsd === undefined) {
    return h('p', { class: 'muted empty', 'data-testid': 'savings' }, 'Savings are not computed: no baseline model with a known price is configured (config.json "baselineModel").');
  }
  const saved = summary.savingsUsd;
  const share = summary.baselineCostUsd > 0 ? saved / summary.baselineCostUsd : 0;
  const unknown = summary.unknownPriceRequests > 0 ? ` ${summary.unknownPriceRequests} request${summary.unknownPriceRequests === 1 ? '' : 's'} with an unknown price are left out.` : '';
  return h(
    'div',
    { class: 'savings', 'data-testid': 'savings' },
    h('div', { class: 'cards' }, card(saved >= 0 ? 'Saved by routing' : 'Routing cost more by', formatUsd(Math.abs(saved)), saved >= 0 ? `${formatPercent(share)} less than always ${base}` : `than always ${base}`), card(`Always ${base} would cost`, formatUsd(summary.baselineCostUsd)), card('Routed requests cost', formatUsd(summary.costUsd))),
    h('p', { class: 'muted chart-note' }, `The same tokens priced at ${base}, against what the routed models cost this month.${unknown}`),
  );
}

function card(label: string, value: string, note?: string): HTMLElement {
  return h('div', { class: 'card' }, h('div', { class: 'card-label' }, label), h('div', { class: 'card-value' }, value), note ? h('div', { class: 'card-note muted' }, note) : null);
}
