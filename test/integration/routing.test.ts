// Routing through the real daemon over HTTP (simulate mode): route/decide (live and dry run),
// route/test, catalog/update, policy/list, and the routing shown on a real chat completion.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rpcCall, rpcOk, startTestDaemon, type Harness } from './daemonHarness';
import type { RoutingDecision } from '../../daemon/protocol/routing';
import type { RouteTestResult, CatalogListResult, CatalogUpdateResult, PolicyListResult } from '../../daemon/protocol/routing-methods';

let h: Harness;
before(async () => {
  h = await startTestDaemon();
});
after(async () => {
  await h.close();
});

const rpc = <T>(method: string, params: unknown) => rpcCall<T>(h, method, params);
const ok = <T>(method: string, params: unknown) => rpcOk<T>(h, method, params);
const messages = (content: string) => [{ role: 'user', content }];

test('route/decide answers with the routing core, and dry runs honour candidates', async () => {
  const d = await ok<RoutingDecision>('route/decide', { messages: messages('Write a python function that merges two sorted lists.') });
  assert.equal(d.taskType, 'code');
  assert.equal(d.policy, 'code');
  assert.ok(d.candidates.length > 1 && d.reason.length > 0);
  const dry = await ok<RoutingDecision>('route/decide', { messages: messages('hi'), dryRun: true, candidates: ['claude-opus-4', 'gpt-4.1-nano'] });
  assert.deepEqual(dry.candidates.map((c) => c.model).sort(), ['claude-opus-4', 'gpt-4.1-nano']);
  const bad = await rpc('route/decide', { messages: messages('hi'), model: 'mystery-9' });
  assert.equal(bad.error?.data?.code, 'unknownModel');
});

test('route/test explains which rule matched and why', async () => {
  const r = await ok<RouteTestResult>('route/test', {
    messages: messages('fix the bug'),
    context: { kind: 'editor', command: 'fix' },
    rules: [
      { id: 'long', when: { minTokens: 5000 }, targets: [{ model: 'gemini-2.5-flash' }] },
      { id: 'fix', when: { command: 'fix' }, targets: [{ model: 'gpt-4.1-mini' }] },
    ],
  });
  assert.equal(r.matchedRule, 'fix');
  assert.equal(r.decision?.model, 'gpt-4.1-mini');
  assert.equal(r.rules.find((t) => t.id === 'long')?.matched, false);
  const none = await ok<RouteTestResult>('route/test', { messages: messages('x'), routing: { maxCostUsd: 0 } });
  assert.equal(none.decision, null);
  assert.equal(none.error?.code, 'noCandidate');
  const invalid = await rpc('route/test', { messages: messages('x'), rules: [{ id: 'r', targets: [] }] });
  assert.equal(invalid.error?.data?.code, 'invalidParams');
});

test('catalog/update changes what routing sees; policy/list lists policies and strategies', async () => {
  const u = await ok<CatalogUpdateResult>('catalog/update', { models: [{ id: 'gpt-4.1-nano', price: null }, { id: 'local-small', provider: 'openai', contextWindow: 8000, qualityPrior: 0.4 }] });
  assert.deepEqual(u.added, ['local-small']);
  assert.deepEqual(u.updated, ['gpt-4.1-nano']);
  const d = await ok<RoutingDecision>('route/decide', { messages: messages('hi'), dryRun: true, candidates: ['gpt-4.1-nano'] });
  assert.equal(d.estimatedCostUsd, null);
  const bad = await rpc('catalog/update', { models: [{ id: 'mystery' }] });
  assert.equal(bad.error?.data?.code, 'invalidParams');
  const p = await ok<PolicyListResult>('policy/list', {});
  assert.deepEqual(p.policies.map((x) => x.name), ['normal', 'deep-research', 'code', 'ops']);
  assert.ok(p.strategies.includes('learned') && p.strategies.includes('fixed'));
  assert.equal(p.taskPolicies.code, 'code');
});

test('a chat completion carries the routing decision', async () => {
  const res = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'auto:cost', max_tokens: 50, messages: messages('Say hello.') }),
  });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { routing?: { model: string; reason: string; strategy: string } };
  assert.ok(body.routing && body.routing.reason.length > 0, JSON.stringify(body).slice(0, 300));
  assert.equal(body.routing.strategy, 'learned');
});

test('llm-router route --dry-run: no daemon, no keys, one line out per line in, in order', async () => {
  const { spawnSync } = await import('node:child_process');
  const { rmSync, existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { DIST_CLI, childEnv, ensureBundle, tempHome } = await import('./lifecycle/helpers');
  const { DISCOVERY_FILE } = await import('../../daemon/protocol/discovery');
  ensureBundle();
  const home = tempHome('lr-route-');
  try {
    const input = [
      JSON.stringify({ id: 'a', prompt: 'What is the capital of Peru?' }),
      '{broken',
      JSON.stringify({ id: 'b', messages: [{ role: 'user', content: 'Refactor this loop.' }], candidates: ['claude-sonnet-4', 'gpt-4.1-mini'] }),
    ].join('\n');
    const r = spawnSync(process.execPath, [DIST_CLI, 'route', '--dry-run'], { env: childEnv(home), encoding: 'utf8', timeout: 60_000, input });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: unknown; model?: string; error?: { code: string }; estimates?: Record<string, unknown> });
    assert.deepEqual(lines.map((l) => l.id), ['a', null, 'b']);
    assert.equal(lines[1]?.error?.code, 'parseError');
    assert.ok(['claude-sonnet-4', 'gpt-4.1-mini'].includes(lines[2]?.model ?? ''));
    assert.deepEqual(Object.keys(lines[2]?.estimates ?? {}).sort(), ['claude-sonnet-4', 'gpt-4.1-mini']);
    assert.equal(existsSync(join(home, DISCOVERY_FILE)), false, 'a dry run must not start a daemon');
    const usage = spawnSync(process.execPath, [DIST_CLI, 'route'], { env: childEnv(home), encoding: 'utf8', timeout: 60_000, input: '' });
    assert.equal(usage.status, 2);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('catalog/list shows every figure with its source; catalog/update with a data file validates, swaps and persists', async () => {
  const { existsSync } = await import('node:fs');
  const { join } = await import('node:path');
  const shipped = (await import('../../daemon/routing/data/models.json')).default;
  const list = await ok<CatalogListResult>('catalog/list', {});
  const opus = list.models.find((m) => m.id === 'claude-opus-4-5');
  assert.ok(opus && opus.qualityByCategory.code !== undefined && /lmarena-2025-12/.test(opus.qualitySource));
  assert.ok(list.sources['lmarena-2025-12']?.repository === 'lmarena/arena-catalog');
  assert.ok(list.models.every((m) => m.latency.ttftMs.source !== undefined || m.latency.ttftMs.estimate !== undefined));
  // A bad file names the file and the field; the previous catalog keeps serving.
  const broken = JSON.parse(JSON.stringify(shipped)) as { models: { quality: unknown }[] };
  broken.models[0]!.quality = { source: 'lmarena-2025-12', byCategory: { math: 7 } };
  const bad = await rpc('catalog/update', { data: broken, source: 'newer.json' });
  assert.equal(bad.error?.data?.code, 'invalidParams');
  assert.match(bad.error?.message ?? '', /newer\.json: models\.0\.quality\.byCategory\.math/);
  assert.equal((await ok<CatalogListResult>('catalog/list', {})).updated, list.updated);
  const newer = JSON.parse(JSON.stringify(shipped)) as { updated: string };
  newer.updated = '2099-12-31';
  const u = await ok<CatalogUpdateResult>('catalog/update', { data: newer, source: 'newer.json' });
  assert.equal(u.catalogUpdated, '2099-12-31');
  assert.equal((await ok<CatalogListResult>('catalog/list', {})).file, 'newer.json');
  assert.ok(existsSync(join(h.home, 'catalog.json')));
  const d = await ok<RoutingDecision>('route/decide', { messages: messages('Prove that sqrt(2) is irrational, rigorously.'), dryRun: true, candidates: ['gpt-5.1'], routing: { tradeoff: 'quality' } });
  assert.ok(d.effort !== undefined && typeof d.expectedWallMs === 'number');
  const refused = await rpc('route/decide', { messages: messages('hi'), model: 'o4-mini', reasoning_effort: 'minimal' });
  assert.equal(refused.error?.data?.code, 'invalidParams');
  assert.match(refused.error?.message ?? '', /supports low, medium, high/);
});

test('route --dry-run asks the running daemon of its home: its config, catalog and learned state decide', async () => {
  const { PassThrough } = await import('node:stream');
  const { writeDiscovery } = await import('../../daemon/lifecycle/discovery');
  const { routeCommand } = await import('../../daemon/cli/commands/route');
  writeDiscovery(h.home, { version: '0.0.0-test', pid: process.pid, socketPath: h.daemon.socketPath, port: h.daemon.port, token: h.token, startedAt: Date.now() });
  // Something only this daemon knows: a model added through catalog/update.
  await ok<CatalogUpdateResult>('catalog/update', { models: [{ id: 'only-in-daemon', provider: 'openai', contextWindow: 8000, like: 'gpt-4o-mini', price: { inputPerMTok: 0, outputPerMTok: 0 } }] });
  const run = async (args: string[]) => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    stdin.end(`${JSON.stringify({ id: 1, prompt: 'hi', candidates: ['only-in-daemon', 'gpt-4.1'] })}\n`);
    assert.equal(await routeCommand.run(['--dry-run', '--home', h.home, ...args], { stdin, stdout, stderr: new PassThrough(), env: {} }), 0);
    return JSON.parse(out.trim()) as { model?: string; error?: { code: string } };
  };
  assert.ok(['only-in-daemon', 'gpt-4.1'].includes((await run([])).model ?? ''));
  // --local decides here, from config.json and the saved catalog, which do not have that model.
  assert.equal((await run(['--local'])).error?.code, 'unknownModel');
});
