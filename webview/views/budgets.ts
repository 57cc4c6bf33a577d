// Budgets on the dashboard: each budget's spend (and in-flight reservations) against its limit,
// edited, deleted and added in place. The daemon validates every change; its message is shown
// beside the form. Live refreshes never wipe a form the user is typing in.
import type { Budget, BudgetPeriod, BudgetStatus, BudgetStatusResult } from '../../daemon/protocol';
import { formatPercent, formatUsd } from '../format';
import type { Bridge } from '../rpc';
import { h, replaceChildren } from './dom';
import { vsButton } from './elements';

const PERIOD_LABEL: Record<BudgetStatus['budget']['period'], string> = { request: 'per request', hour: 'hourly', day: 'daily', week: 'weekly', month: 'monthly' };
const PERIODS = Object.keys(PERIOD_LABEL) as BudgetPeriod[];

export interface BudgetsView {
  element: HTMLElement;
  update(result: BudgetStatusResult | null): void;
}

export function budgetsView(bridge: Bridge, changed: () => void): BudgetsView {
  const element = h('div', { class: 'budgets-view' });
  let last: BudgetStatusResult | null = null;
  /** The budget id being edited, 'new' for the add form, null when no form is open. */
  let editing: string | null = null;

  const render = (): void => {
    const rows = last === null ? [h('p', { class: 'muted' }, 'Budgets could not be read.')] : last.statuses.length === 0 ? [h('p', { class: 'muted' }, 'No budgets yet. Without one, spend is tracked but never limited.')] : last.statuses.map((s) => (editing === s.budget.id ? budgetForm(s.budget) : budgetRow(s)));
    const add = editing === 'new' ? budgetForm(null) : button('Add budget', 'Add a budget', 'budget-add', () => open('new'));
    replaceChildren(element, h('div', { class: 'budgets', 'data-testid': 'budgets' }, ...rows), add);
  };
  const open = (id: string | null): void => {
    editing = id;
    render();
    element.querySelector<HTMLInputElement>('form input')?.focus();
  };

  const budgetRow = (s: BudgetStatus): HTMLElement => {
    const b = s.budget;
    const scope = b.scope === 'global' ? 'everything' : `${b.scope} ${b.scopeValue ?? ''}`.trim();
    const bar = h('div', { class: 'bar', role: 'progressbar', 'aria-label': `${b.name}: ${formatPercent(s.fraction)} used`, 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(Math.round(s.fraction * 100)) }, h('div', { class: `bar-fill state-${s.state}` }));
    // CSSOM, not a style attribute: the CSP allows no inline styles.
    const fill = bar.firstElementChild;
    if (fill instanceof HTMLElement) {
      fill.style.width = `${Math.min(100, Math.max(0, s.fraction * 100)).toFixed(1)}%`;
    }
    const reserved = s.reservedUsd > 0 ? ` (+${formatUsd(s.reservedUsd)} in flight)` : '';
    const limitText = b.period === 'request' ? `${formatUsd(b.limitUsd)} per request` : `${formatUsd(s.spentUsd)}${reserved} of ${formatUsd(b.limitUsd)} · ${formatPercent(s.fraction)}`;
    let confirming = false;
    const del = button('Delete', `Delete budget ${b.name}`, 'budget-delete', () => {
      if (!confirming) {
        confirming = true;
        del.textContent = 'Confirm delete';
        del.classList.add('danger');
        return;
      }
      void bridge
        .call('budget/delete', { id: b.id })
        .then(changed)
        .catch((err: unknown) => {
          del.textContent = 'Delete';
          confirming = false;
          row.append(h('p', { class: 'error', role: 'alert' }, message(err)));
        });
    });
    const row = h(
      'div',
      { class: `budget state-${s.state}`, 'data-testid': 'budget', 'data-budget': b.name },
      h(
        'div',
        { class: 'budget-head' },
        h('strong', null, b.name),
        h('span', { class: 'muted' }, ` · ${PERIOD_LABEL[b.period]} · ${scope}`),
        h('span', { class: 'budget-amount' }, limitText),
        h('span', { class: 'budget-buttons' }, button('Edit', `Edit budget ${b.name}`, 'budget-edit', () => open(b.id)), del),
      ),
      b.period === 'request' ? null : bar,
    );
    return row;
  };

  const budgetForm = (b: Budget | null): HTMLFormElement => {
    const field = (label: string, input: HTMLElement): HTMLElement => h('label', { class: 'field' }, h('span', null, label), input);
    const name = h('input', { type: 'text', name: 'name', value: b?.name ?? '', required: '', 'data-testid': 'budget-name' });
    const limit = h('input', { type: 'text', name: 'limitUsd', inputmode: 'decimal', value: b ? String(b.limitUsd) : '', 'data-testid': 'budget-limit' });
    const alert = h('input', { type: 'text', name: 'alert', inputmode: 'numeric', value: String(Math.round((b?.alertThreshold ?? 0.8) * 100)), 'data-testid': 'budget-alert' });
    const period = h('select', { name: 'period', 'data-testid': 'budget-period' }, ...PERIODS.map((p) => h('option', p === (b?.period ?? 'day') ? { value: p, selected: '' } : { value: p }, PERIOD_LABEL[p])));
    const problem = h('p', { class: 'error', role: 'alert', 'data-testid': 'budget-error' });
    const form = h(
      'form',
      { class: 'budget-form', 'aria-label': b ? `Edit budget ${b.name}` : 'Add a budget', 'data-testid': 'budget-form' },
      field('Name', name),
      field('Period', period),
      field('Limit (USD)', limit),
      field('Alert at (%)', alert),
      h('span', { class: 'budget-buttons' }, vsButton('Save', null, { type: 'submit', secondary: false, testId: 'budget-save', title: b ? `Save budget ${b.name}` : 'Save the new budget' }), button('Cancel', 'Cancel', 'budget-cancel', () => open(null))),
      problem,
    );
    form.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        open(null);
      } else if (e.key === 'Enter' && e.target instanceof HTMLInputElement) {
        // The Save button is a web component, which the browser's implicit submission does not see.
        e.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      // Sent as typed: the daemon's validation is the one that counts, and its words are shown.
      const params = {
        ...(b ? { id: b.id, scope: b.scope, ...(b.scopeValue !== null ? { scopeValue: b.scopeValue } : {}), actions: b.actions, confirmOverBudget: b.confirmOverBudget, ...(b.pauseAbovePerMTok !== null ? { pauseAbovePerMTok: b.pauseAbovePerMTok } : {}) } : { scope: 'global' as const }),
        name: name.value.trim(),
        period: period.value as BudgetPeriod,
        limitUsd: Number(limit.value.trim() === '' ? NaN : limit.value),
        alertThreshold: Number(alert.value) / 100,
      };
      bridge
        .call('budget/set', params)
        .then(() => {
          editing = null;
          changed();
        })
        .catch((err: unknown) => {
          problem.textContent = message(err);
        });
    });
    return form;
  };

  return {
    element,
    update(result) {
      last = result;
      // A live refresh must not throw away what the user is typing.
      if (editing === null) {
        render();
      }
    },
  };
}

function button(label: string, title: string, testId: string, run: () => void): HTMLElement {
  return vsButton(label, run, { title, testId, className: 'small' });
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : typeof err === 'object' && err !== null && 'message' in err ? String(err.message) : String(err);
}
