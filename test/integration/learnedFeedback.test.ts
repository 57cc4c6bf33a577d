// Feedback learning lasts: a simulated daemon started by the CLI (dist/cli.js) answers routed
// requests, thumbs-down feedback lowers that model's predicted quality (visible in
// routing/learnedState and in route/decide's candidates), the daemon is stopped and started again,
// and the learned state and the predictions are exactly as before; feedback after the restart on a
// request from the earlier run (its prompt no longer known) still teaches the router. The CLI's
// `catalog list` shows the same learned state beside the model's catalog figures, before and after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readDiscovery } from '../../daemon/lifecycle/discovery';
import type { FeedbackSubmitResult } from '../../daemon/protocol/experiments';
import type { LearnedModelState, LearnedStateResult } from '../../daemon/protocol/learning';
import type { CatalogListResult } from '../../daemon/protocol/routing-methods';
import type { ChatCompleteResult, RouteDecideResult } from '../../daemon/protocol/methods';
import { rpcCall, rpcOk } from './daemonHarness';
import { cliHarness } from './lifecycle/helpers';

const { home, cli } = cliHarness('lr-learn-');

function daemon(): { url: string; token: string } {
  const info = readDiscovery(home);
  assert.ok(info, 'a daemon is running');
  return { url: `http://127.0.0.1:${info.port}`, token: info.token };
}

const PROMPT = 'Explain in two sentences why the sky looks blue.';

async function predicted(model: string): Promise<number> {
  const d = await rpcOk<RouteDecideResult>(daemon(), 'route/decide', { messages: [{ role: 'user', content: PROMPT }], candidates: [model], dryRun: true });
  const c = d.candidates.find((x) => x.model === model);
  assert.ok(c, `${model} is a candidate`);
  return c.quality;
}

/** What `llm-router catalog list` prints and returns (--json) for one model. */
function catalogListed(model: string): { text: string; learned: LearnedModelState | null } {
  const text = cli('catalog', 'list');
  assert.equal(text.status, 0, text.stderr);
  const json = cli('catalog', 'list', '--json');
  assert.equal(json.status, 0, json.stderr);
  const entry = (JSON.parse(json.stdout) as CatalogListResult).models.find((m) => m.id === model);
  assert.ok(entry, `${model} is in the catalog list`);
  const row = text.stdout.split('\n').findIndex((l) => l.startsWith(`${model} `));
  assert.ok(row >= 0, `a row for ${model}:\n${text.stdout}`);
  const next = text.stdout.split('\n')[row + 1] ?? '';
  return { text: next.startsWith('    learned') ? next : '', learned: entry.learned };
}

test('feedback moves the learned quality, and survives a restart of the daemon', async () => {
  assert.equal(cli('ask', '--simulate', 'hello').status, 0, 'the CLI starts a simulated daemon');
  const answers: ChatCompleteResult[] = [];
  for (let i = 0; i < 4; i++) {
    // Routed (`auto`), within one allowed model: the ledger's output-length history moves estimates
    // between calls, and this test is about feedback, not about which model a prompt gets.
    answers.push(await rpcOk<ChatCompleteResult>(daemon(), 'chat/complete', { model: 'auto', messages: [{ role: 'user', content: PROMPT }], routing: { allowedModels: ['gemini-2.5-flash'] } }));
  }
  const model = answers[0]?.routing.model as string;
  assert.ok(model);
  assert.ok(answers.every((a) => a.routing.model === model), 'the same prompt is routed alike');
  assert.deepEqual((await rpcOk<LearnedStateResult>(daemon(), 'routing/learnedState', {})).models, []);
  const before = await predicted(model);

  for (const a of answers.slice(0, 3)) {
    const fb = await rpcOk<FeedbackSubmitResult>(daemon(), 'feedback/submit', { requestId: a.requestId, thumbs: 'down' });
    assert.equal(fb.routerUpdated, true);
  }
  const learned = await rpcOk<LearnedStateResult>(daemon(), 'routing/learnedState', { model });
  assert.equal(learned.models.length, 1);
  const state = learned.models[0];
  assert.equal(state?.model, model);
  assert.equal(state?.outcomes, 3);
  assert.ok((state?.adjustment ?? 0) < 0, `thumbs-down lowers ${model}: ${JSON.stringify(state)}`);
  assert.ok((state?.adjustment ?? -1) >= -learned.maxAdjustment, 'bounded');
  const lowered = await predicted(model);
  assert.ok(lowered < before, `${lowered} < ${before}`);
  // The CLI shows it: the same state in --json, and a line under the model's row.
  const listed = catalogListed(model);
  assert.deepEqual(listed.learned, state);
  assert.match(listed.text, new RegExp(`learned from 3 feedback: ${(state?.adjustment ?? 0).toFixed(3)} overall`));
  for (const [c, s] of Object.entries(state?.byCategory ?? {})) {
    assert.ok(listed.text.includes(`${c} ${s.adjustment >= 0 ? '+' : ''}${s.adjustment.toFixed(3)} (weight ${s.weight})`), `${c} in ${listed.text}`);
  }
  assert.ok(Object.keys(state?.byCategory ?? {}).length > 0, 'credited to at least one category');
  assert.equal(catalogListed('gpt-4o-mini').learned, null, 'a model without feedback shows nothing learned');

  // Restart: stop the daemon, let the CLI start a new one on the same home.
  assert.equal(cli('stop').status, 0);
  assert.equal(cli('ask', '--simulate', 'back again').status, 0);
  const after = await rpcOk<LearnedStateResult>(daemon(), 'routing/learnedState', {});
  assert.deepEqual(after.models.filter((m) => m.model === model), learned.models);
  assert.equal(await predicted(model), lowered, 'the restarted daemon predicts what the first one had learned');
  assert.deepEqual(catalogListed(model).learned, state, 'catalog list after the restart');

  // The last answer's prompt is gone with the old process: the outcome still counts.
  const late = await rpcOk<FeedbackSubmitResult>(daemon(), 'feedback/submit', { requestId: answers[3]?.requestId, thumbs: 'down' });
  assert.equal(late.routerUpdated, true);
  const four = await rpcOk<LearnedStateResult>(daemon(), 'routing/learnedState', { model });
  assert.equal(four.models[0]?.outcomes, 4);

  const bad = await rpcCall(daemon(), 'routing/learnedState', { model: 7 });
  assert.equal(bad.error?.data?.code, 'invalidParams');
  assert.equal(cli('stop').status, 0);
});
