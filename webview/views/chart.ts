// A small inline SVG bar chart (no chart library): one bar per bucket, the tallest bar's value on
// the axis, every bar's exact figure in its tooltip. Colours come from CSS classes (theme
// variables), never from style attributes, which the CSP forbids.
const SVG_NS = 'http://www.w3.org/2000/svg';

export interface Bar {
  /** Shown under the bar (only every few bars when crowded). */
  label: string;
  value: number;
  /** The bar's tooltip. */
  title: string;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, ...children: (SVGElement | string)[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    el.setAttribute(name, String(value));
  }
  for (const child of children) {
    el.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return el;
}

const WIDTH = 720;
const HEIGHT = 180;
const AXIS_W = 70;
const LABEL_H = 20;
const TOP = 10;

export function barChart(bars: Bar[], formatValue: (v: number) => string, ariaLabel: string): SVGSVGElement {
  const max = Math.max(0, ...bars.map((b) => b.value));
  const plotW = WIDTH - AXIS_W;
  const plotH = HEIGHT - LABEL_H - TOP;
  const slot = bars.length > 0 ? plotW / bars.length : plotW;
  const barW = Math.max(2, slot * 0.7);
  const labelEvery = Math.max(1, Math.ceil(bars.length / 8));
  const root = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'chart', role: 'img', 'aria-label': ariaLabel });
  root.append(
    svg('line', { x1: AXIS_W, y1: TOP + plotH, x2: WIDTH, y2: TOP + plotH, class: 'chart-axis' }),
    svg('line', { x1: AXIS_W, y1: TOP, x2: WIDTH, y2: TOP, class: 'chart-grid' }),
    svg('text', { x: AXIS_W - 6, y: TOP + 4, class: 'chart-tick', 'text-anchor': 'end' }, formatValue(max)),
    svg('text', { x: AXIS_W - 6, y: TOP + plotH, class: 'chart-tick', 'text-anchor': 'end' }, formatValue(0)),
  );
  bars.forEach((b, i) => {
    const x = AXIS_W + i * slot + (slot - barW) / 2;
    // A non-zero value always gets a visible sliver; zero gets none.
    const height = max > 0 && b.value > 0 ? Math.max(2, (b.value / max) * plotH) : 0;
    const rect = svg('rect', { x: x.toFixed(1), y: (TOP + plotH - height).toFixed(1), width: barW.toFixed(1), height: height.toFixed(1), class: 'chart-bar' }, svg('title', {}, b.title));
    root.append(rect);
    if (i % labelEvery === 0) {
      root.append(svg('text', { x: (x + barW / 2).toFixed(1), y: HEIGHT - 4, class: 'chart-tick', 'text-anchor': 'middle' }, b.label));
    }
  });
  return root;
}
