// What users expect of routing (issue 12, point 4), through the paths a user calls, over the fixed
// prompt set of bench/everydayPrompts.ts: a daemon's route/decide (live and dry run), and the real
// CLI's `route --dry-run`, both deciding locally and through a running daemon. Greetings, lookups,
// conversions, translations and short summaries never wait for a slow thinking model or pay premium
// prices outside `quality`; hard prompts get a frontier model under `quality` and never the weakest
// tier under `balanced`; cost and quality never go down from cost → balanced → quality.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Catalog } from '../../daemon/routing/catalog';
import type { RouteDecideResult } from '../../daemon/protocol/methods';
import { EVERYDAY_PROMPTS, everydayViolations, type EverydayChoice, type EverydayTradeoff } from '../../bench/everydayPrompts';
import { rpcOk, startTestDaemon, type Harness } from './daemonHarness';
import { DIST_CLI, cliHarness } from './lifecycle/helpers';

const TRADEOFFS: readonly EverydayTradeoff[] = ['cost', 'balanced', 'quality', 'latency'];
const catalog = Catalog.builtIn();
type Choices = Map<string, Record<EverydayTradeoff, EverydayChoice>>;

function check(path: string, choices: Choices): void {
  const broken = EVERYDAY_PROMPTS.flatMap((p) => {
    const by = choices.get(p.id);
    assert.ok(by, `${path}: a choice for ${p.id}`);
    return everydayViolations(catalog, p, by);
  });
  assert.deepEqual(broken, [], `${path}:\n${broken.join('\n')}`);
}

/** Collects one choice per prompt and tradeoff from `decide`. */
async function collect(decide: (prompt: string, t: EverydayTradeoff) => Promise<EverydayChoice>): Promise<Choices> {
  const out: Choices = new Map();
  for (const p of EVERYDAY_PROMPTS) {
    const by: Partial<Record<EverydayTradeoff, EverydayChoice>> = {};
    for (const t of TRADEOFFS) {
      by[t] = await decide(p.prompt, t);
    }
    out.set(p.id, by as Record<EverydayTradeoff, EverydayChoice>);
  }
  return out;
}

function fromDecision(d: RouteDecideResult): EverydayChoice {
  const c = d.candidates.find((x) => x.model === d.model);
  assert.ok(c, `the chosen ${d.model} is among the candidates`);
  return { model: d.model, effort: d.effort ?? null, expectedWallMs: d.expectedWallMs ?? null, costUsd: d.estimatedCostUsd, quality: c.quality, thinkingTokens: c.thinkingTokens ?? 0 };
}

interface DryRunLine {
  id: string;
  model: string;
  effort: string | null;
  expectedWallMs: number | null;
  costUsd: number | null;
  estimates: Record<string, { quality: number; thinkingTokens: number }>;
}

/** `llm-router route --dry-run` with every prompt on stdin, once per tradeoff. */
function cliDryRun(env: NodeJS.ProcessEnv, extra: string[]): Choices {
  const out: Choices = new Map();
  const input = EVERYDAY_PROMPTS.map((p) => JSON.stringify({ id: p.id, prompt: p.prompt })).join('\n');
  for (const t of TRADEOFFS) {
    const r = spawnSync(process.execPath, [DIST_CLI, 'route', '--dry-run', '--tradeoff', t, ...extra], { env, input, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as DryRunLine);
    assert.equal(lines.length, EVERYDAY_PROMPTS.length);
    for (const l of lines) {
      const e = l.estimates[l.model];
      assert.ok(e, `${l.id}: the chosen model's estimate`);
      const by = out.get(l.id) ?? ({} as Record<EverydayTradeoff, EverydayChoice>);
      by[t] = { model: l.model, effort: l.effort, expectedWallMs: l.expectedWallMs, costUsd: l.costUsd, quality: e.quality, thinkingTokens: e.thinkingTokens };
      out.set(l.id, by);
    }
  }
  return out;
}

let h: Harness | undefined;
after(async () => {
  await h?.close();
});

test('route/decide on a running daemon, live and as a dry run, meets what users expect', async () => {
  h = await startTestDaemon();
  const daemon = h;
  for (const dryRun of [false, true]) {
    const choices = await collect(async (prompt, tradeoff) =>
      fromDecision(await rpcOk<RouteDecideResult>(daemon, 'route/decide', { model: 'auto', messages: [{ role: 'user', content: prompt }], routing: { tradeoff }, dryRun })),
    );
    check(`route/decide${dryRun ? ' (dry run)' : ''}`, choices);
  }
});

const cli = cliHarness('lr-everyday-');

test('the CLI dry run meets them too, deciding locally and through the home folder\'s running daemon', () => {
  check('route --dry-run --local', cliDryRun(cli.env, ['--local', '--home', cli.home]));
  // A running daemon in that home decides the dry run (route/decide with dryRun).
  assert.equal(cli.cli('ask', '--simulate', 'hello').status, 0, 'the CLI starts a simulated daemon');
  check('route --dry-run (daemon)', cliDryRun(cli.env, ['--home', cli.home]));
  assert.equal(cli.cli('stop').status, 0);
});
