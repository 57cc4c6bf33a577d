// Conversation affinity on the dashboard (`spend/conversations`): which conversations stuck to
// which model, how often a turn stayed or moved and why the latest did, what the provider's prompt
// cache served and what the conversation cost. The figures are the daemon's; nothing is recomputed.
import type { ConversationSummary, SpendConversationsResult } from '../../daemon/protocol';
import { formatPercent, formatTime, formatTokens, formatUsd } from '../format';
import { h } from './dom';

/** The dashboard shows the most recently active few; `llm-router spend --conversations` lists more. */
export const CONVERSATIONS_SHOWN = 20;

const OUTCOME_TEXT: Record<ConversationSummary['lastOutcome'], string> = { new: 'new', kept: 'kept', moved: 'moved' };

export function conversationsSection(result: SpendConversationsResult): HTMLElement {
  if (result.conversations.length === 0) {
    return h('p', { class: 'muted empty' }, 'No conversations yet: a client that sends a conversation key (or repeats its first messages) keeps its model across turns.');
  }
  const columns: [string, string][] = [['Client', ''], ['Model', ''], ['Turns', ''], ['Latest turn', ''], ['Cached input', 'opt'], ['Cost', ''], ['Last active', 'opt']];
  const head = h('tr', null, ...columns.map(([t, c]) => h('th', c ? { scope: 'col', class: c } : { scope: 'col' }, t)));
  return h(
    'div',
    { class: 'table-wrap' },
    h('table', { 'data-testid': 'conversations-table', 'aria-label': 'Conversations and the model each stuck to' }, h('thead', null, head), h('tbody', null, ...result.conversations.map(conversationRow))),
  );
}

export function turnsText(c: Pick<ConversationSummary, 'turns' | 'kept' | 'moved'>): string {
  return c.kept + c.moved > 0 ? `${c.turns} (${turnsSplit(c)})` : String(c.turns);
}

/** `3 kept · 1 moved`: how the turns after the first went. */
export function turnsSplit(c: Pick<ConversationSummary, 'kept' | 'moved'>): string {
  return [c.kept > 0 ? `${c.kept} kept` : null, c.moved > 0 ? `${c.moved} moved` : null].filter(Boolean).join(' · ');
}

export function cachedText(c: Pick<ConversationSummary, 'tokensIn' | 'tokensCached' | 'cacheSavedUsd'>): string {
  if (c.tokensCached <= 0 || c.tokensIn <= 0) {
    return '—';
  }
  const saved = c.cacheSavedUsd > 0 ? ` · saved ${formatUsd(c.cacheSavedUsd)}` : '';
  return `${formatTokens(c.tokensCached)} (${formatPercent(c.tokensCached / c.tokensIn)})${saved}`;
}

function conversationRow(c: ConversationSummary): HTMLElement {
  const client = c.clientName ? `${c.clientKind} · ${c.clientName}` : c.clientKind;
  const cost = c.unknownCostTurns > 0 ? `${formatUsd(c.costUsd)} + ${c.unknownCostTurns} unpriced` : formatUsd(c.costUsd);
  return h(
    'tr',
    { 'data-conversation': c.id },
    h('td', { class: 'wrap', title: `${c.id} · key from ${c.keySource}` }, client, h('span', { class: 'muted' }, ` · ${c.keySource}`)),
    h('td', { class: 'wrap' }, c.model, h('span', { class: 'muted' }, ` · ${c.provider}`)),
    h('td', { class: 'num', title: turnsText(c) }, String(c.turns), c.kept + c.moved > 0 ? h('span', { class: 'muted turns-split' }, ` ${turnsSplit(c)}`) : null),
    h('td', { class: 'wrap' }, h('span', { class: `pill outcome-${c.lastOutcome}` }, OUTCOME_TEXT[c.lastOutcome]), ` ${c.lastWhy}`),
    h('td', { class: 'num opt' }, cachedText(c)),
    h('td', { class: 'num' }, cost),
    h('td', { class: 'opt' }, formatTime(c.lastTs)),
  );
}
