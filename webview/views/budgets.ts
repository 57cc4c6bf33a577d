// Budgets on the dashboard: each budget's spend (and in-flight reservations) against its limit.
import type { BudgetStatus, BudgetStatusResult } from '../../daemon/protocol';
import { formatPercent, formatUsd } from '../format';
import { h } from './dom';

const PERIOD_LABEL: Record<BudgetStatus['budget']['period'], string> = { request: 'per request', hour: 'hourly', day: 'daily', week: 'weekly', month: 'monthly' };

export function budgetsSection(result: BudgetStatusResult | null): HTMLElement {
  if (result === null) {
    return h('p', { class: 'muted' }, 'Budgets could not be read.');
  }
  if (result.statuses.length === 0) {
    return h('p', { class: 'muted' }, 'No budgets yet. Without one, spend is tracked but never limited.');
  }
  return h('div', { class: 'budgets', 'data-testid': 'budgets' }, ...result.statuses.map(budgetRow));
}

function budgetRow(s: BudgetStatus): HTMLElement {
  const b = s.budget;
  const scope = b.scope === 'global' ? 'everything' : `${b.scope} ${b.scopeValue ?? ''}`.trim();
  const bar = h('div', { class: 'bar' }, h('div', { class: `bar-fill state-${s.state}` }));
  // CSSOM, not a style attribute: the CSP allows no inline styles.
  const fill = bar.firstElementChild;
  if (fill instanceof HTMLElement) {
    fill.style.width = `${Math.min(100, Math.max(0, s.fraction * 100)).toFixed(1)}%`;
  }
  const reserved = s.reservedUsd > 0 ? ` (+${formatUsd(s.reservedUsd)} in flight)` : '';
  const limitText = b.period === 'request' ? `${formatUsd(b.limitUsd)} per request` : `${formatUsd(s.spentUsd)}${reserved} of ${formatUsd(b.limitUsd)} · ${formatPercent(s.fraction)}`;
  return h(
    'div',
    { class: `budget state-${s.state}` },
    h('div', { class: 'budget-head' }, h('strong', null, b.name), h('span', { class: 'muted' }, ` · ${PERIOD_LABEL[b.period]} · ${scope}`), h('span', { class: 'budget-amount' }, limitText)),
    b.period === 'request' ? null : bar,
  );
}
