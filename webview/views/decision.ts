// One request's decision, shown when a row of the latest requests is selected: what the ledger
// recorded (model, reason, cost, client, policy) and every candidate the router weighed with its
// estimated quality, cost and latency and why excluded ones were, read from the store
// (`request/decision`); a row whose decision was not kept shows the ledger's facts and says why.
import type { LedgerRow, RequestDecisionResult } from '../../daemon/protocol';
import { formatMs, formatTime, formatTokens, formatUsd } from '../format';
import { h } from './dom';

export function decisionDetail(row: LedgerRow, decision: RequestDecisionResult | string): HTMLElement {
  const fact = (label: string, value: string | null | undefined): HTMLElement | null => (value ? h('div', { class: 'fact' }, h('dt', null, label), h('dd', null, value)) : null);
  const d = typeof decision === 'string' ? null : decision.decision;
  // The daemon's copy of the row is the one to show (the table's may be older).
  row = typeof decision === 'string' ? row : (decision.row ?? row);
  const missing = typeof decision === 'string' ? `Candidates: ${decision}` : (decision.note ?? 'Candidates were not kept for this request.');
  const omitted = typeof decision === 'string' ? 0 : decision.candidatesOmitted;
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
    fact('Conversation', d?.conversation ? `turn ${d.conversation.turn}: ${d.conversation.outcome}${d.conversation.previousModel && d.conversation.outcome !== 'new' ? ` (was ${d.conversation.previousModel})` : ''} · ${d.conversation.why}` : null),
    fact('Effort', d?.effort ? `${d.effort} reasoning effort` : null),
    fact('Experiment', row.experimentId ? `${row.experimentId} · arm ${row.arm ?? '?'}` : null),
    fact('Status', row.status === 'ok' ? 'ok' : `${row.status}${row.errorCode ? `: ${row.errorCode}` : ''}`),
  );
  const candidates =
    d === null
      ? h('p', { class: 'muted', 'data-testid': 'decision-no-candidates' }, missing)
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
  const more = omitted > 0 ? h('p', { class: 'muted' }, `${omitted} more candidate${omitted === 1 ? '' : 's'} (the least likely) not kept.`) : null;
  return h('div', { class: 'decision' }, h('h3', null, `Decision for ${row.model}`), facts, candidates, more);
}
