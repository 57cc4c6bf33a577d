// One request's decision, shown when a row of the latest requests is selected: what the ledger
// recorded (model, reason, cost, client, policy) and, for recent requests, every candidate the
// router weighed with its estimated quality, cost and latency and why excluded ones were.
import type { LedgerRow, RequestDecisionResult } from '../../daemon/protocol';
import { formatMs, formatTime, formatTokens, formatUsd } from '../format';
import { h } from './dom';

export function decisionDetail(row: LedgerRow, decision: RequestDecisionResult | string): HTMLElement {
  const fact = (label: string, value: string | null | undefined): HTMLElement | null => (value ? h('div', { class: 'fact' }, h('dt', null, label), h('dd', null, value)) : null);
  const d = typeof decision === 'string' ? null : decision.decision;
  const facts = h(
    'dl',
    { class: 'facts-list' },
    fact('Request', row.id),
    fact('When', formatTime(row.ts)),
    fact('Client', [row.clientKind, row.clientName, row.workspace].filter(Boolean).join(' · ')),
    fact('Model', `${row.model} (${row.provider})${row.fallbacks.length > 0 ? ` after ${row.fallbacks.join(', ')}` : ''}`),
    fact('Why', row.reason),
    fact('Decided by', d ? [d.rule ? `rule ${d.rule}` : null, `policy ${d.policy}`, `strategy ${d.strategy}`, `${d.tradeoff} tradeoff`].filter(Boolean).join(' · ') : [row.policy && `policy ${row.policy}`, row.strategy && `strategy ${row.strategy}`].filter(Boolean).join(' · ')),
    fact('Task', d ? `${d.taskType} (confidence ${d.confidence.toFixed(2)})` : row.taskType),
    fact('Cost', `${row.costState === 'known' ? formatUsd(row.costUsd) : 'price unknown'} (estimated ${formatUsd(row.estimatedCostUsd)})`),
    fact('Tokens', `${formatTokens(row.tokensIn)} in · ${formatTokens(row.tokensOut)} out`),
    fact('Latency', `${formatMs(row.latencyMs)}${row.ttftMs !== null ? ` · first token ${formatMs(row.ttftMs)}` : ''}`),
    fact('Experiment', row.experimentId ? `${row.experimentId} · arm ${row.arm ?? '?'}` : null),
    fact('Status', row.status === 'ok' ? 'ok' : `${row.status}${row.errorCode ? `: ${row.errorCode}` : ''}`),
  );
  const candidates =
    d === null
      ? h('p', { class: 'muted', 'data-testid': 'decision-no-candidates' }, `Candidates: ${String(decision)}`)
      : h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'candidates', 'data-testid': 'candidates', 'aria-label': `Candidates for ${row.id}` },
            h('thead', null, h('tr', null, ...([['Candidate', ''], ['Quality', ''], ['Est. cost', ''], ['Est. latency', 'opt'], ['Score', 'opt'], ['', '']] as const).map(([t, c]) => h('th', c ? { scope: 'col', class: c } : { scope: 'col' }, t)))),
            h(
              'tbody',
              null,
              ...d.candidates.map((c) =>
                h(
                  'tr',
                  { class: c.model === d.model ? 'chosen-row' : c.excluded ? 'muted' : '' },
                  h('td', { class: 'wrap' }, `${c.model} · ${c.provider}`),
                  h('td', { class: 'num' }, c.quality.toFixed(2)),
                  h('td', { class: 'num' }, c.costUsd === null ? 'unknown' : formatUsd(c.costUsd)),
                  h('td', { class: 'num opt' }, formatMs(c.latencyMs)),
                  h('td', { class: 'num opt' }, c.excluded ? '—' : c.score.toFixed(3)),
                  h('td', { class: 'wrap' }, c.model === d.model ? 'chosen' : (c.excluded ?? '')),
                ),
              ),
            ),
          ),
        );
  return h('div', { class: 'decision' }, h('h3', null, `Decision for ${row.model}`), facts, candidates);
}
