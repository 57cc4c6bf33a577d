// Model health from `providers/health`: each model's and provider's circuit state and moving
// averages, as the daemon's router sees them now.
import type { CircuitState, HealthEntry, ProvidersHealthResult } from '../../daemon/protocol';
import { formatMs, formatPercent } from '../format';
import { h } from './dom';

const STATE_TEXT: Record<CircuitState, string> = { closed: 'healthy', open: 'circuit open', half_open: 'probing' };

export function healthSection(result: ProvidersHealthResult): HTMLElement {
  if (result.entries.length === 0) {
    return h('p', { class: 'muted empty' }, 'No health data yet: it builds up from real requests (the first one to each model starts it).');
  }
  const sorted = [...result.entries].sort((a, b) => rank(a) - rank(b) || a.kind.localeCompare(b.kind) || a.key.localeCompare(b.key));
  const head = h('tr', null, ...['Model / provider', 'Kind', 'State', 'Samples', 'Success', 'Latency', 'First token'].map((t) => h('th', null, t)));
  return h('table', { 'data-testid': 'health-table' }, h('thead', null, head), h('tbody', null, ...sorted.map(row)));
}

function rank(e: HealthEntry): number {
  return e.state === 'open' ? 0 : e.state === 'half_open' ? 1 : 2;
}

function row(e: HealthEntry): HTMLElement {
  const retry = e.state === 'open' && e.retryInMs > 0 ? ` · retry in ${formatMs(e.retryInMs)}` : '';
  return h(
    'tr',
    null,
    h('td', null, e.key),
    h('td', { class: 'muted' }, e.kind),
    h('td', null, h('span', { class: `pill circuit-${e.state}` }, STATE_TEXT[e.state]), retry),
    h('td', { class: 'num' }, String(e.samples)),
    h('td', { class: 'num' }, e.successRate === null ? '—' : formatPercent(e.successRate)),
    h('td', { class: 'num' }, formatMs(e.latencyMs)),
    h('td', { class: 'num' }, formatMs(e.ttftMs)),
  );
}
