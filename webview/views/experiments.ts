// A/B tests from `experiment/list` + `experiment/get`: each experiment's arms, the difference of
// its primary and guardrail metrics against the control with the always-valid (mSPRT) interval
// the verdict uses, and the verdict itself. The figures are the daemon's; nothing is recomputed.
import type { ArmResult, ExperimentGetResult, ExperimentInfo, MetricComparison, TestedMetric, Verdict } from '../../daemon/protocol';
import { formatMs, formatUsd } from '../format';
import type { Bridge } from '../rpc';
import { h } from './dom';

/** The dashboard shows the newest few; the CLI lists them all. */
const SHOWN = 5;

export async function loadExperiments(bridge: Bridge): Promise<{ shown: ExperimentGetResult[]; total: number }> {
  const { experiments } = await bridge.call('experiment/list', {});
  const order = { running: 0, paused: 1, stopped: 2 } as const;
  const picked = [...experiments].sort((a, b) => order[a.status] - order[b.status] || b.createdAt - a.createdAt).slice(0, SHOWN);
  const shown = await Promise.all(picked.map((e) => bridge.call('experiment/get', { id: e.id })));
  return { shown, total: experiments.length };
}

export function experimentsSection(data: { shown: ExperimentGetResult[]; total: number }): HTMLElement {
  if (data.shown.length === 0) {
    return h('p', { class: 'muted empty' }, 'No A/B tests yet. Compare routing strategies on your own traffic with “llm-router experiment create”.');
  }
  const more = data.total > data.shown.length ? h('p', { class: 'muted' }, `Showing ${data.shown.length} of ${data.total}; “llm-router experiment list” shows all.`) : null;
  return h('div', { class: 'experiments', 'data-testid': 'experiments' }, ...data.shown.map(experimentCard), more ?? '');
}

const METRIC_LABEL: Record<TestedMetric, string> = {
  costPerRequest: 'Cost per request',
  latencyMs: 'Latency',
  ttftMs: 'Time to first token',
  successRate: 'Success rate',
  errorRate: 'Error rate',
  fallbackRate: 'Fallback rate',
  escalationRate: 'Escalation rate',
  feedbackScore: 'Feedback score',
};

function experimentCard({ experiment: e, results: r }: ExperimentGetResult): HTMLElement {
  const control = e.arms[0]?.name ?? '';
  const metrics: TestedMetric[] = [e.primaryMetric, ...e.guardrails.map((g) => g.metric).filter((m) => m !== e.primaryMetric)];
  const comparisons = r.comparisons.filter((c) => metrics.includes(c.metric)).sort((a, b) => metrics.indexOf(a.metric) - metrics.indexOf(b.metric));
  return h(
    'section',
    { class: 'experiment', 'data-testid': 'experiment' },
    h('div', { class: 'experiment-head' }, h('strong', null, e.name), h('span', { class: `pill status-${e.status}` }, e.status), verdictPill(r.verdict)),
    h('p', { class: 'verdict-reason', 'data-testid': 'verdict' }, r.verdict.reason),
    h('p', { class: 'muted experiment-meta' }, meta(e)),
    armsTable(e, r.arms, control),
    comparisons.length > 0 ? comparisonsTable(comparisons, e) : h('p', { class: 'muted empty' }, 'No comparisons yet: every arm needs requests first.'),
  );
}

function meta(e: ExperimentInfo): string {
  const scope = e.scope.kind === 'all' ? 'all auto-routed requests' : e.scope.kind === 'workspace' ? `workspace ${e.scope.workspace}` : `${e.scope.clientKind} clients`;
  const guard = e.guardrails.length > 0 ? ` · guardrails: ${e.guardrails.map((g) => `${METRIC_LABEL[g.metric]} (±${Math.round(g.tolerance * 100)}%)`).join(', ')}` : '';
  return `Primary: ${METRIC_LABEL[e.primaryMetric]}${guard} · ${scope} · by ${e.unit} · α ${e.alpha} · at least ${e.minSamplesPerArm} per arm`;
}

function verdictPill(v: Verdict): HTMLElement {
  const text = v.kind === 'winner' ? `winner: ${v.arm ?? '?'}` : v.kind === 'guardrailBreached' ? `guardrail breached: ${v.arm ?? '?'}` : v.kind === 'noDifferenceYet' ? 'no difference yet' : 'collecting data';
  return h('span', { class: `pill verdict-${v.kind}`, 'data-testid': 'verdict-kind' }, text);
}

function armsTable(e: ExperimentInfo, arms: ArmResult[], control: string): HTMLElement {
  const spec = new Map(e.arms.map((a) => [a.name, a]));
  const head = h('tr', null, ...['Arm', 'Routes by', 'Weight', 'Requests', 'Cost / request', 'Latency p50 / p95', 'Success', 'Feedback'].map((t) => h('th', null, t)));
  const rows = arms.map((a) => {
    const s = spec.get(a.arm);
    const by = [s?.strategy, s?.policy && `policy ${s.policy}`, s?.model].filter(Boolean).join(' · ');
    const fb = a.metrics.feedbackScore;
    return h(
      'tr',
      null,
      h('td', null, a.arm, a.arm === control ? h('span', { class: 'muted' }, ' (control)') : ''),
      h('td', null, by),
      h('td', { class: 'num' }, `${Math.round(a.weight * 100)}%`),
      h('td', { class: 'num' }, String(a.requests)),
      h('td', { class: 'num' }, formatValue('costPerRequest', a.metrics.costPerRequest.value)),
      h('td', { class: 'num' }, `${formatMs(a.latencyP50Ms)} / ${formatMs(a.latencyP95Ms)}`),
      h('td', { class: 'num' }, formatValue('successRate', a.metrics.successRate.value)),
      h('td', { class: 'num' }, a.feedbackCount === 0 ? 'none' : `${formatValue('feedbackScore', fb.value)} of ${a.feedbackCount}`),
    );
  });
  return h('table', { class: 'arms' }, h('thead', null, head), h('tbody', null, ...rows));
}

function comparisonsTable(comparisons: MetricComparison[], e: ExperimentInfo): HTMLElement {
  const head = h('tr', null, ...['Metric', 'Arm vs control', 'Control', 'Arm', 'Difference', 'Always-valid 95% interval', 'p (always valid)', 'Reading'].map((t) => h('th', null, t)));
  const rows = comparisons.map((c) =>
    h(
      'tr',
      null,
      h('td', null, METRIC_LABEL[c.metric], c.metric === e.primaryMetric ? h('span', { class: 'muted' }, ' (primary)') : ''),
      h('td', null, `${c.arm} vs ${c.control}`),
      h('td', { class: 'num' }, formatValue(c.metric, c.controlValue)),
      h('td', { class: 'num' }, formatValue(c.metric, c.armValue)),
      h('td', { class: 'num' }, formatDifference(c.metric, c.difference), c.relativeDifference !== null ? h('span', { class: 'muted' }, ` (${signed(c.relativeDifference * 100, 0)}%)`) : ''),
      h('td', { class: 'num' }, c.sequential ? `${formatDifference(c.metric, c.sequential.low)} … ${formatDifference(c.metric, c.sequential.high)}` : '—'),
      h('td', { class: 'num' }, c.sequential ? c.sequential.pValue.toFixed(3) : '—'),
      h('td', { class: reading(c).cls }, reading(c).text),
    ),
  );
  return h('table', { class: 'comparisons', 'data-testid': 'comparisons' }, h('thead', null, head), h('tbody', null, ...rows));
}

function reading(c: MetricComparison): { text: string; cls: string } {
  if (!c.enoughData) {
    return { text: 'not enough data yet', cls: 'muted' };
  }
  if (!c.significant) {
    return { text: 'no clear difference', cls: 'muted' };
  }
  return c.armBetter ? { text: `${c.arm} better (${c.direction} is better)`, cls: 'better' } : { text: `${c.arm} worse (${c.direction} is better)`, cls: 'worse' };
}

const RATES: readonly TestedMetric[] = ['successRate', 'errorRate', 'fallbackRate', 'escalationRate', 'feedbackScore'];

export function formatValue(metric: TestedMetric, v: number | null): string {
  if (v === null) {
    return '—';
  }
  if (metric === 'costPerRequest') {
    return formatUsd(v);
  }
  if (metric === 'latencyMs' || metric === 'ttftMs') {
    return formatMs(v);
  }
  // Rates and the 0..1 feedback score as percentages, one decimal: small differences matter here.
  return `${(v * 100).toFixed(1)}%`;
}

export function formatDifference(metric: TestedMetric, v: number | null): string {
  if (v === null) {
    return '—';
  }
  if (metric === 'costPerRequest') {
    return `${v < 0 ? '−' : '+'}${formatUsd(Math.abs(v))}`;
  }
  if (metric === 'latencyMs' || metric === 'ttftMs') {
    return `${v < 0 ? '−' : '+'}${formatMs(Math.abs(v))}`;
  }
  return RATES.includes(metric) ? `${signed(v * 100, 1)} pt` : signed(v, 3);
}

function signed(v: number, digits: number): string {
  const s = Math.abs(v).toFixed(digits);
  return `${v < 0 ? '−' : '+'}${s}`;
}
