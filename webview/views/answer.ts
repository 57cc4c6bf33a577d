// The Ask answer: model, provider, cost and the router's reason on top; the answer streams below.
import type { AnswerDone, AnswerFailed, AnswerSnapshot, AnswerTurn } from '../bridge';
import { formatMs, formatTokens, formatUsd } from '../format';
import type { Bridge } from '../rpc';
import { h, replaceChildren } from './dom';
import { renderMarkdown, type CodeActions } from './markdown';

export function mountAnswer(root: HTMLElement, bridge: Bridge): void {
  let state: AnswerSnapshot | null = null;
  const header = h('header', { class: 'answer-header' });
  const history = h('section', { class: 'history', 'aria-label': 'Earlier in this conversation' });
  const question = h('section', { class: 'question' });
  const body = h('article', { class: 'answer-body' });
  const feedback = h('footer', { class: 'feedback', 'data-testid': 'feedback' });
  const actions = h('nav', { class: 'answer-actions', 'aria-label': 'Answer actions' });
  const followUp = followUpForm(bridge);
  replaceChildren(root, header, history, question, body, feedback, actions, followUp);
  const codeActions = {
    copy: (text: string) => void bridge.call('answer/copy', { text }),
    insert: (text: string) => void bridge.call('answer/insert', { text }),
  };
  // Per request id, so a re-render (or the next answer) never loses or mixes up what was sent.
  const sent = new Map<string, FeedbackState>();

  const render = (): void => {
    if (!state) {
      replaceChildren(header, h('p', { class: 'muted' }, 'Run “LLM Router: Ask (auto-routed)” to ask a question.'));
      replaceChildren(question);
      replaceChildren(body);
      replaceChildren(feedback);
      replaceChildren(history);
      replaceChildren(actions);
      followUp.hidden = true;
      return;
    }
    replaceChildren(history, ...state.history.map((t) => turnView(t, codeActions)));
    replaceChildren(header, ...headerContent(state.done, state.failed));
    replaceChildren(question, h('span', { class: 'label' }, state.history.length > 0 ? 'Follow-up' : 'Question'), state.label ? h('span', { class: 'muted' }, ` · ${state.label}`) : null, h('p', null, state.question));
    replaceChildren(body, renderMarkdown(state.text, state.done ? codeActions : undefined));
    const finished = Boolean(state.done || state.failed);
    followUp.hidden = !state.done;
    replaceChildren(actions, ...(finished ? actionButtons(bridge) : []));
    body.classList.toggle('streaming', !state.done && !state.failed);
    const requestId = state.done?.result.requestId;
    replaceChildren(feedback, ...(requestId ? feedbackContent(requestId, sent.get(requestId) ?? { kind: 'idle' }, submit) : []));
    document.body.dataset.answerState = state.failed ? 'failed' : state.done ? 'done' : 'streaming';
  };

  const submit = (requestId: string, thumbs: 'up' | 'down'): void => {
    sent.set(requestId, { kind: 'sending', thumbs });
    render();
    bridge
      .call('feedback/submit', { requestId, thumbs })
      .then(() => sent.set(requestId, { kind: 'recorded', thumbs }))
      .catch((err: unknown) => sent.set(requestId, { kind: 'failed', thumbs, message: err instanceof Error ? err.message : String(err) }))
      .finally(render);
  };

  bridge.on('answer/start', (start) => {
    state = { ...start, text: '', done: null, failed: null };
    window.scrollTo(0, document.body.scrollHeight);
    render();
  });
  bridge.on('answer/delta', ({ text }) => {
    if (state && !state.done) {
      state.text += text;
      render();
    }
  });
  bridge.on('answer/done', (done) => {
    if (state) {
      state.done = done;
      state.text = done.result.text;
      render();
    }
  });
  bridge.on('answer/failed', (failed) => {
    if (state) {
      state.failed = failed;
      render();
    }
  });
  render();
  bridge
    .call('answer/snapshot', {})
    .then((snapshot) => {
      if (snapshot) {
        state = snapshot;
        render();
      }
    })
    .catch((err: unknown) => {
      replaceChildren(header, h('p', { class: 'error' }, `Could not load the answer: ${String(err)}`));
    });
}

function headerContent(done: AnswerDone | null, failed: AnswerFailed | null): (Node | string)[] {
  if (failed) {
    return [h('div', { class: 'headline error' }, h('span', { class: 'badge error' }, failed.code), ` ${failed.message}`)];
  }
  if (!done) {
    return [h('div', { class: 'headline' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' Routing and streaming…')];
  }
  const r = done.result.routing;
  const u = done.result.usage;
  return [
    h(
      'div',
      { class: 'headline' },
      h('span', { class: 'label' }, 'Answered by'),
      ' ',
      h('strong', { class: 'model', 'data-testid': 'answer-model' }, r.model),
      h('span', { class: 'muted' }, ` · ${r.provider}`),
      h('span', { class: r.costState === 'known' ? 'badge cost' : 'badge unknown', 'data-testid': 'answer-cost' }, formatUsd(r.actualCostUsd)),
    ),
    h('div', { class: 'reason', 'data-testid': 'answer-reason' }, h('span', { class: 'label' }, 'Why '), r.reason),
    h(
      'div',
      { class: 'facts muted' },
      `${formatTokens(u.inputTokens)} in · ${formatTokens(u.outputTokens)} out · ${formatMs(done.latencyMs)} · ${r.tradeoff} tradeoff · ${r.strategy}`,
      r.estimatedSavingsUsd !== null && r.estimatedSavingsUsd > 0 ? ` · saved ~${formatUsd(r.estimatedSavingsUsd)}` : '',
      r.fallbacksTried.length > 0 ? ` · fell back from ${r.fallbacksTried.join(', ')}` : '',
    ),
  ];
}

type FeedbackState = { kind: 'idle' } | { kind: 'sending' | 'recorded'; thumbs: 'up' | 'down' } | { kind: 'failed'; thumbs: 'up' | 'down'; message: string };

function feedbackContent(requestId: string, state: FeedbackState, submit: (requestId: string, thumbs: 'up' | 'down') => void): (Node | string)[] {
  const button = (thumbs: 'up' | 'down', label: string, title: string): HTMLButtonElement => {
    const chosen = state.kind !== 'idle' && state.thumbs === thumbs;
    const b = h('button', { type: 'button', class: chosen ? 'thumb chosen' : 'thumb secondary', title, 'aria-label': title, 'data-testid': `thumbs-${thumbs}` }, label);
    // Once recorded (or while sending) the choice stands; after a failure the user may retry.
    b.disabled = state.kind === 'sending' || state.kind === 'recorded';
    b.addEventListener('click', () => submit(requestId, thumbs));
    return b;
  };
  const note =
    state.kind === 'sending'
      ? h('span', { class: 'muted' }, 'Sending…')
      : state.kind === 'recorded'
        ? h('span', { class: 'feedback-ok', 'data-testid': 'feedback-status' }, 'Thanks — recorded')
        : state.kind === 'failed'
          ? h('span', { class: 'error', 'data-testid': 'feedback-status' }, `Not recorded: ${state.message}`)
          : h('span', { class: 'muted' }, 'Was this answer good?');
  return [button('up', '👍 Good', 'Good answer'), button('down', '👎 Bad', 'Bad answer'), note];
}

function turnView(t: AnswerTurn, codeActions: CodeActions): HTMLElement {
  const cost = t.model === null ? 'no answer' : t.costUsd === null ? 'price unknown' : formatUsd(t.costUsd);
  return h(
    'section',
    { class: 'turn', 'data-testid': 'turn' },
    h('div', { class: 'question' }, h('span', { class: 'label' }, 'Asked'), t.label ? h('span', { class: 'muted' }, ` · ${t.label}`) : null, h('p', null, t.question)),
    h('div', { class: 'turn-meta muted', 'data-testid': 'turn-meta' }, t.model ? `${t.model} · ${t.provider ?? ''} · ${cost}` : cost),
    h('div', { class: 'answer-body' }, renderMarkdown(t.text, codeActions)),
  );
}

function actionButtons(bridge: Bridge): HTMLElement[] {
  const button = (label: string, title: string, testId: string, run: () => void): HTMLButtonElement => {
    const b = h('button', { type: 'button', class: 'secondary', title, 'data-testid': testId }, label);
    b.addEventListener('click', run);
    return b;
  };
  return [
    button('Ask again with a stronger model', 'Re-ask this question on a stronger model and compare both costs', 'ask-stronger', () => void bridge.call('answer/askStronger', {})),
    button('Ask with policy…', 'Pick a routing policy and ask again', 'ask-policy', () => void bridge.call('answer/askWithPolicy', {})),
  ];
}

function followUpForm(bridge: Bridge): HTMLFormElement {
  const input = h('input', { type: 'text', name: 'question', placeholder: 'Ask a follow-up in this conversation…', 'aria-label': 'Follow-up question', 'data-testid': 'follow-up-input' });
  const form = h('form', { class: 'follow-up', 'data-testid': 'follow-up' }, input, h('button', { type: 'submit', 'data-testid': 'follow-up-send' }, 'Send'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const question = input.value.trim();
    if (question) {
      input.value = '';
      void bridge.call('answer/followUp', { question });
    }
  });
  form.hidden = true;
  return form;
}
