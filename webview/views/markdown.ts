// Renders an answer's markdown just enough to read well: fenced code blocks as <pre>, paragraphs,
// headings, bullet lists and `inline code`. Built from DOM nodes (no innerHTML), so it is safe on
// untrusted model output, and cheap enough to re-render on every streamed delta.
import { h } from './dom';
import { highlight } from './highlight';

/** What a code block's buttons do (the answer panel passes them; elsewhere blocks have none). */
export interface CodeActions {
  copy(code: string): void;
  insert(code: string): void;
}

export function renderMarkdown(source: string, actions?: CodeActions): DocumentFragment {
  const out = document.createDocumentFragment();
  const lines = source.split('\n');
  let paragraph: string[] = [];
  let list: HTMLUListElement | null = null;
  const flush = (): void => {
    if (paragraph.length > 0) {
      out.append(h('p', null, ...inline(paragraph.join(' '))));
      paragraph = [];
    }
    list = null;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const fence = /^\s*```(\S*)/.exec(line);
    if (fence) {
      flush();
      const code: string[] = [];
      i++;
      while (i < lines.length && !/^\s*```/.test(lines[i] ?? '')) {
        code.push(lines[i] ?? '');
        i++;
      }
      out.append(codeBlock(code.join('\n'), fence[1] ?? '', actions));
      continue;
    }
    const heading = /^(#{1,4})\s+(.*)$/.exec(line);
    if (heading) {
      flush();
      const level = Math.min(6, (heading[1]?.length ?? 1) + 2) as 3 | 4 | 5 | 6;
      out.append(h(`h${level}`, null, ...inline(heading[2] ?? '')));
      continue;
    }
    const bullet = /^\s*(?:[-*]|\d+\.)\s+(.*)$/.exec(line);
    if (bullet) {
      if (paragraph.length > 0) {
        flush();
      }
      if (!list) {
        list = h('ul');
        out.append(list);
      }
      list.append(h('li', null, ...inline(bullet[1] ?? '')));
      continue;
    }
    if (line.trim() === '') {
      flush();
      continue;
    }
    list = null;
    paragraph.push(line.trim());
  }
  flush();
  return out;
}

function inline(text: string): (Node | string)[] {
  const parts: (Node | string)[] = [];
  const re = /`([^`]+)`|\*\*([^*]+)\*\*/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) {
      parts.push(text.slice(last, m.index));
    }
    parts.push(m[1] !== undefined ? h('code', null, m[1]) : h('strong', null, m[2] ?? ''));
    last = m.index + m[0].length;
  }
  if (last < text.length) {
    parts.push(text.slice(last));
  }
  return parts;
}

function codeBlock(code: string, lang: string, actions: CodeActions | undefined): HTMLElement {
  const pre = h('pre', lang ? { 'data-lang': lang } : null, h('code', null, ...highlight(code, lang)));
  if (!actions) {
    return pre;
  }
  const button = (label: string, title: string, testId: string, run: () => void): HTMLButtonElement => {
    const b = h('button', { type: 'button', class: 'secondary small', title, 'aria-label': title, 'data-testid': testId }, label);
    b.addEventListener('click', run);
    return b;
  };
  return h(
    'figure',
    { class: 'code-block' },
    h(
      'figcaption',
      null,
      h('span', { class: 'muted' }, lang || 'code'),
      h(
        'span',
        { class: 'code-actions' },
        button('Copy', 'Copy this code block', 'code-copy', () => actions.copy(code)),
        button('Insert at cursor', 'Insert this code block at the cursor in the active editor', 'code-insert', () => actions.insert(code)),
      ),
    ),
    pre,
  );
}
