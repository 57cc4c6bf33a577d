// llm-router experiment create|list|get|pause|resume|stop|promote
import { AssignmentUnit, ClientKind, ExperimentStatus, TestedMetric, type ExperimentGetResult, type ExperimentInfo, type MetricComparison } from '../../protocol';
import type { CliCommand, CliIo } from '../command';
import { writeJson } from '../command';
import { EXIT_OK, UsageError, intFlag, parseFlags } from '../usage';
import { oneOf, withDaemon } from './ledgerClient';

const USAGE = `llm-router experiment create --name NAME --arm SPEC --arm SPEC [--arm …] [--scope all|workspace=PATH|client=editor|script|cli]
                             [--unit session|user|workspace|request] [--metric METRIC] [--guardrail METRIC[:TOLERANCE]]…
                             [--alpha 0.05] [--min-samples 100] [--auto-stop] [--auto-promote] [--paused] [--salt S]
llm-router experiment list [--status running|paused|stopped]
llm-router experiment get ID
llm-router experiment pause|resume ID
llm-router experiment stop ID [--reason TEXT]
llm-router experiment promote ID [--arm NAME] [--by WHO]
  (every form takes --home DIR and --json)

  SPEC is NAME=KIND:VALUE[,KIND:VALUE]@WEIGHT, KIND one of strategy, policy, model; weights are
  fractions that sum to 1. The first arm is the control. Example:
    llm-router experiment create --name cheaper --arm base=strategy:learned@0.5 --arm cheap=strategy:cost-aggressive@0.5
  METRIC: ${TestedMetric.options.join(', ')}`;

interface ArmInput {
  name: string;
  weight: number;
  strategy?: string;
  policy?: string;
  model?: string;
}

export function parseArm(spec: string): ArmInput {
  const m = /^([^=]+)=(.+)@([0-9.]+)$/.exec(spec);
  if (!m) {
    throw new UsageError(`--arm expects NAME=KIND:VALUE@WEIGHT (e.g. cheap=strategy:cost-aggressive@0.5), got "${spec}"`);
  }
  const [, name, settings, weight] = m as unknown as [string, string, string, string];
  const arm: ArmInput = { name, weight: Number(weight) };
  for (const part of settings.split(',')) {
    const [kind, ...rest] = part.split(':');
    const value = rest.join(':');
    if (value === '' || (kind !== 'strategy' && kind !== 'policy' && kind !== 'model')) {
      throw new UsageError(`--arm "${spec}": each setting is strategy:NAME, policy:NAME or model:ID`);
    }
    arm[kind] = value;
  }
  return arm;
}

export function parseScope(value: string | undefined): { kind: 'all' } | { kind: 'workspace'; workspace: string } | { kind: 'client'; clientKind: ClientKind } {
  if (value === undefined || value === 'all') {
    return { kind: 'all' };
  }
  if (value.startsWith('workspace=') && value.length > 'workspace='.length) {
    return { kind: 'workspace', workspace: value.slice('workspace='.length) };
  }
  if (value.startsWith('client=')) {
    const k = oneOf('scope client', value.slice('client='.length), ClientKind.options);
    if (k !== undefined) {
      return { kind: 'client', clientKind: k };
    }
  }
  throw new UsageError(`--scope is all, workspace=PATH or client=editor|script|cli, got "${value}"`);
}

function parseGuardrail(value: string): { metric: TestedMetric; tolerance?: number } {
  const [metric, tol] = value.split(':');
  const m = oneOf('guardrail', metric, TestedMetric.options) as TestedMetric;
  if (tol === undefined) {
    return { metric: m };
  }
  const t = Number(tol);
  if (!Number.isFinite(t) || t < 0) {
    throw new UsageError(`--guardrail ${value}: the tolerance is a non-negative fraction (0.05 = 5% worse)`);
  }
  return { metric: m, tolerance: t };
}

function num(x: number | null | undefined, digits = 4): string {
  return x === null || x === undefined ? 'n/a' : Math.abs(x) < 0.01 && x !== 0 ? x.toExponential(2) : x.toFixed(digits);
}

function infoLine(e: ExperimentInfo): string {
  const arms = e.arms.map((a) => `${a.name} ${Math.round(a.weight * 100)}%`).join(' / ');
  const scope = e.scope.kind === 'all' ? 'all' : e.scope.kind === 'workspace' ? `workspace=${e.scope.workspace}` : `client=${e.scope.clientKind}`;
  return `${e.id}  ${e.name}  [${e.status}]  ${arms}  scope ${scope}, by ${e.unit}, primary ${e.primaryMetric}${e.promotion ? `  promoted ${e.promotion.arm} by ${e.promotion.by}` : ''}`;
}

function comparisonLine(c: MetricComparison): string {
  const rel = c.relativeDifference === null ? '' : ` (${c.relativeDifference >= 0 ? '+' : ''}${(c.relativeDifference * 100).toFixed(1)}%)`;
  const seq = c.sequential ? `[${num(c.sequential.low)}, ${num(c.sequential.high)}] p=${c.sequential.pValue.toPrecision(2)}` : 'n/a';
  const mark = c.significant ? (c.armBetter ? '  better' : '  worse') : c.enoughData ? '' : '  (collecting)';
  return `  ${c.metric.padEnd(15)} ${c.arm} − ${c.control}: ${num(c.difference)}${rel}  always-valid ${seq}${mark}`;
}

function printResult(io: CliIo, r: ExperimentGetResult): void {
  const lines = [infoLine(r.experiment), `verdict: ${r.results.verdict.kind}${r.results.verdict.arm ? ` (${r.results.verdict.arm})` : ''}: ${r.results.verdict.reason}`];
  for (const a of r.results.arms) {
    const m = a.metrics;
    lines.push(
      `  ${a.arm.padEnd(12)} ${String(a.requests).padStart(6)} req  cost/req ${num(m.costPerRequest.value, 6)}  p50 ${num(a.latencyP50Ms, 0)} ms  p95 ${num(a.latencyP95Ms, 0)} ms  ` +
        `success ${num(m.successRate.value, 3)}  fallback ${num(m.fallbackRate.value, 3)}  feedback ${num(m.feedbackScore.value, 2)} (${a.feedbackCount})`,
    );
  }
  lines.push(...r.results.comparisons.map(comparisonLine));
  io.stdout.write(`${lines.join('\n')}\n`);
}

function needId(id: string | undefined, sub: string): string {
  if (id === undefined) {
    throw new UsageError(`experiment ${sub} needs an experiment id (see experiment list)`);
  }
  return id;
}

export const experimentCommand: CliCommand = {
  name: 'experiment',
  summary: 'A/B test routing strategies, policies or models, with sequential statistics',
  usage: USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    const { values, positionals } = parseFlags(
      rest,
      {
        name: { type: 'string' },
        arm: { type: 'string', multiple: true },
        scope: { type: 'string' },
        unit: { type: 'string' },
        metric: { type: 'string' },
        guardrail: { type: 'string', multiple: true },
        alpha: { type: 'string' },
        'min-samples': { type: 'string' },
        'auto-stop': { type: 'boolean' },
        'auto-promote': { type: 'boolean' },
        paused: { type: 'boolean' },
        salt: { type: 'string' },
        status: { type: 'string' },
        reason: { type: 'string' },
        by: { type: 'string' },
        home: { type: 'string' },
        json: { type: 'boolean' },
      },
      true,
    );
    const json = values.json === true;
    const show = (value: unknown, text: () => string) => (json ? writeJson(io, value) : io.stdout.write(`${text()}\n`));
    const id = positionals[0];
    switch (sub) {
      case 'create': {
        if (values.name === undefined || (values.arm ?? []).length < 2) {
          throw new UsageError(`experiment create needs --name and at least two --arm\n\n${USAGE}`);
        }
        const alpha = values.alpha === undefined ? undefined : Number(values.alpha);
        if (alpha !== undefined && !Number.isFinite(alpha)) {
          throw new UsageError(`--alpha expects a number such as 0.05, got "${values.alpha}"`);
        }
        const params = {
          name: values.name,
          arms: (values.arm ?? []).map(parseArm),
          scope: parseScope(values.scope),
          ...(values.unit !== undefined ? { unit: oneOf('unit', values.unit, AssignmentUnit.options) } : {}),
          ...(values.metric !== undefined ? { primaryMetric: oneOf('metric', values.metric, TestedMetric.options) } : {}),
          guardrails: (values.guardrail ?? []).map(parseGuardrail),
          ...(alpha !== undefined ? { alpha } : {}),
          ...(values['min-samples'] !== undefined ? { minSamplesPerArm: intFlag('min-samples', values['min-samples'], 100) } : {}),
          autoStop: values['auto-stop'] === true,
          autoPromote: values['auto-promote'] === true,
          start: values.paused !== true,
          ...(values.salt !== undefined ? { salt: values.salt } : {}),
        };
        return withDaemon(values.home, io, async (client) => {
          const e = await client.call('experiment/create', params);
          show(e, () => infoLine(e));
          return EXIT_OK;
        });
      }
      case 'list':
        return withDaemon(values.home, io, async (client) => {
          const status = oneOf('status', values.status, ExperimentStatus.options);
          const r = await client.call('experiment/list', status !== undefined ? { status } : {});
          show(r, () => (r.experiments.length === 0 ? 'no experiments' : r.experiments.map((e) => `${infoLine(e)}  ${e.requests} requests  ${e.verdict?.kind ?? 'not evaluated'}`).join('\n')));
          return EXIT_OK;
        });
      case 'get':
      case 'show':
        return withDaemon(values.home, io, async (client) => {
          const r = await client.call('experiment/get', { id: needId(id, sub) });
          if (json) {
            writeJson(io, r);
          } else {
            printResult(io, r);
          }
          return EXIT_OK;
        });
      case 'pause':
      case 'resume':
        return withDaemon(values.home, io, async (client) => {
          const e = await client.call(sub === 'pause' ? 'experiment/pause' : 'experiment/resume', { id: needId(id, sub) });
          show(e, () => infoLine(e));
          return EXIT_OK;
        });
      case 'stop':
        return withDaemon(values.home, io, async (client) => {
          const e = await client.call('experiment/stop', { id: needId(id, sub), ...(values.reason !== undefined ? { reason: values.reason } : {}) });
          show(e, () => infoLine(e));
          return EXIT_OK;
        });
      case 'promote':
        return withDaemon(values.home, io, async (client) => {
          const e = await client.call('experiment/promote', {
            id: needId(id, sub),
            ...(values.arm?.[0] !== undefined ? { arm: values.arm[0] } : {}),
            ...(values.by !== undefined ? { by: values.by } : {}),
          });
          show(e, () => infoLine(e));
          return EXIT_OK;
        });
      default:
        throw new UsageError(`experiment needs a subcommand: create, list, get, pause, resume, stop or promote\n\n${USAGE}`);
    }
  },
};
