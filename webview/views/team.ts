// Team mode on the dashboard (only when it is on): the connection to the team database, this
// daemon's leases and outbox backlog, the team budgets, and this month's team spend by member.
import type { SpendSummaryResult, TeamStatusResult } from '../../daemon/protocol';
import { formatUsd } from '../format';
import { h } from './dom';

const CONNECTION_TEXT: Record<TeamStatusResult['connection'], string> = {
  connected: 'connected',
  connecting: 'connecting…',
  unreachable: 'unreachable',
  error: 'refused',
  off: 'off',
};

export function teamSection(status: TeamStatusResult, byMember: SpendSummaryResult | null): HTMLElement {
  const head = h(
    'p',
    { 'data-testid': 'team-connection' },
    h('span', { class: `pill team-${status.connection}` }, CONNECTION_TEXT[status.connection]),
    ` team ${status.teamId ?? ''} as ${status.memberId ?? ''} · ${status.database ?? ''}${status.tls ? ' (TLS)' : ''} · outbox ${status.outboxBacklog} waiting`,
  );
  const parts: HTMLElement[] = [head];
  if (status.problem !== null) {
    parts.push(h('p', { class: 'error' }, status.problem));
  }
  if (status.budgets.length > 0) {
    const rows = status.budgets.map((s) =>
      h(
        'tr',
        null,
        h('td', { class: 'wrap' }, s.budget.name),
        h('td', { class: 'muted wrap opt' }, s.budget.scope === 'team' ? 'whole team' : `${s.budget.scope} ${s.budget.scopeValue ?? ''}`),
        h('td', { class: 'num' }, formatUsd(s.spentUsd)),
        h('td', { class: 'num opt' }, formatUsd(s.leasedUsd)),
        h('td', { class: 'num' }, formatUsd(Math.max(0, s.remainingUsd))),
        h('td', { class: 'num' }, formatUsd(s.budget.limitUsd)),
      ),
    );
    // Scope and leased money give way first in a narrow panel.
    const headRow = h('tr', null, ...([['Team budget', ''], ['Scope', 'opt'], ['Spent', ''], ['Leased', 'opt'], ['Free', ''], ['Limit', '']] as const).map(([t, c]) => h('th', c ? { scope: 'col', class: c } : { scope: 'col' }, t)));
    parts.push(h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'team-budgets', 'aria-label': 'Team budgets' }, h('thead', null, headRow), h('tbody', null, ...rows))));
  } else {
    parts.push(h('p', { class: 'muted' }, 'No team budgets: `llm-router team budget set` adds one.'));
  }
  const leases = status.leases.map((l) => `${formatUsd(l.availableUsd)} of ${formatUsd(l.grantedUsd)} left`).join(', ');
  parts.push(h('p', { class: 'muted' }, status.leases.length === 0 ? 'This daemon holds no lease.' : `This daemon's leases: ${leases}.`));
  if (byMember !== null && byMember.groups.length > 0) {
    const rows = byMember.groups.map((g) => h('tr', null, h('td', { class: 'wrap' }, g.key), h('td', { class: 'num' }, formatUsd(g.costUsd)), h('td', { class: 'num' }, String(g.requests))));
    parts.push(
      h('h3', null, 'Team spend this month by member'),
      h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'team-by-member', 'aria-label': 'Team spend this month by member' }, h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Member'), h('th', { scope: 'col' }, 'Spent'), h('th', { scope: 'col' }, 'Requests'))), h('tbody', null, ...rows))),
    );
  }
  return h('div', { class: 'team' }, ...parts);
}
