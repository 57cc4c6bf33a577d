// What the router learned from feedback, per model (`routing/learnedState`): how many outcomes it
// learned from and how far that moved the model's predicted quality, overall and per category.
// The result's shape is still growing, so it is read field by field: what is missing is left out,
// what is new is ignored, and a malformed answer reads as "nothing learned" rather than a blank view.
import { h } from './dom';

export interface LearnedRow {
  model: string;
  outcomes: number | null;
  adjustment: number | null;
  /** Categories with the most weight first. */
  categories: { category: string; weight: number; adjustment: number }[];
}

export interface LearnedView {
  rows: LearnedRow[];
  priorStrength: number | null;
  maxAdjustment: number | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The rows worth showing, most outcomes first; tolerant of fields added, renamed or missing. */
export function learnedView(result: unknown): LearnedView {
  const r = isObject(result) ? result : {};
  const models = Array.isArray(r.models) ? r.models : [];
  const rows: LearnedRow[] = [];
  for (const m of models) {
    if (!isObject(m) || typeof m.model !== 'string') {
      continue;
    }
    const categories: LearnedRow['categories'] = [];
    if (isObject(m.byCategory)) {
      for (const [category, v] of Object.entries(m.byCategory)) {
        const weight = isObject(v) ? finite(v.weight) : null;
        const adjustment = isObject(v) ? finite(v.adjustment) : null;
        if (weight !== null && adjustment !== null && weight > 0) {
          categories.push({ category, weight, adjustment });
        }
      }
    }
    categories.sort((a, b) => b.weight - a.weight || a.category.localeCompare(b.category));
    rows.push({ model: m.model, outcomes: finite(m.outcomes), adjustment: finite(m.adjustment), categories });
  }
  rows.sort((a, b) => (b.outcomes ?? 0) - (a.outcomes ?? 0) || a.model.localeCompare(b.model));
  return { rows, priorStrength: finite(r.priorStrength), maxAdjustment: finite(r.maxAdjustment) };
}

/** `+0.031`, `−0.120`: quality is on a 0..1 scale. */
export function signedQuality(v: number): string {
  return `${v < 0 ? '−' : '+'}${Math.abs(v).toFixed(3)}`;
}

export function learnedSection(result: unknown): HTMLElement {
  const view = learnedView(result);
  const bounds =
    view.maxAdjustment !== null && view.priorStrength !== null
      ? `Each model's predicted quality (0..1) moves by at most ±${view.maxAdjustment.toFixed(2)}; ${view.priorStrength} outcomes weigh as much as the catalog's figure.`
      : null;
  if (view.rows.length === 0) {
    return h('div', null, h('p', { class: 'muted empty', 'data-testid': 'learned-empty' }, 'Nothing learned yet: thumbs up or down on an answer (Ask, or feedback/submit from a script) teaches the router which models do well on your prompts.'), bounds ? h('p', { class: 'muted chart-note' }, bounds) : null);
  }
  const columns: [string, string][] = [['Model', ''], ['Outcomes', ''], ['Quality moved', ''], ['By category (most outcomes first)', 'opt']];
  const head = h('tr', null, ...columns.map(([t, c]) => h('th', c ? { scope: 'col', class: c } : { scope: 'col' }, t)));
  const rows = view.rows.map((r) =>
    h(
      'tr',
      { 'data-model': r.model },
      h('td', { class: 'wrap' }, r.model),
      h('td', { class: 'num' }, r.outcomes === null ? '—' : String(Math.round(r.outcomes * 10) / 10)),
      h('td', { class: `num ${r.adjustment === null || r.adjustment === 0 ? '' : r.adjustment > 0 ? 'better' : 'worse'}` }, r.adjustment === null ? '—' : signedQuality(r.adjustment)),
      h('td', { class: 'wrap opt' }, r.categories.length === 0 ? '—' : r.categories.slice(0, 4).map((c) => `${c.category} ${signedQuality(c.adjustment)}`).join(' · ')),
    ),
  );
  return h(
    'div',
    null,
    h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'learned-table', 'aria-label': 'What the router learned per model' }, h('thead', null, head), h('tbody', null, ...rows))),
    bounds ? h('p', { class: 'muted chart-note' }, bounds) : null,
  );
}
