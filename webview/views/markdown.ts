// Renders an answer's markdown just enough to read well: fenced code blocks as <pre>, paragraphs,
// headings, bullet lists and `inline code`. Built from DOM nodes (no innerHTML), so it is safe on
// untrusted model output, and cheap enough to re-render on every streamed delta.
import { h } from './dom';

export function renderMarkdown(source: string): DocumentFragment {
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
      out.append(h('pre', fence[1] ? { 'data-lang': fence[1] } : null, h('code', null, code.join('\n'))));
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
