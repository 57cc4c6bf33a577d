// Feedback learning lasts: a simulated daemon started by the CLI (dist/cli.js) answers routed
// requests, thumbs-down feedback lowers that model's predicted quality (visible in
// routing/learnedState and in route/decide's candidates), the daemon is stopped and started again,
// and the learned state and the predictions are exactly as before; feedback after the restart on a
// request from the earlier run (its prompt no longer known) still teaches the router.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readDiscovery } from '../../daemon/lifecycle/discovery';
import type { FeedbackSubmitResult } from '../../daemon/protocol/experiments';
import type { LearnedStateResult } from '../../daemon/protocol/learning';
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

  // Restart: stop the daemon, let the CLI start a new one on the same home.
  assert.equal(cli('stop').status, 0);
  assert.equal(cli('ask', '--simulate', 'back again').status, 0);
  const after = await rpcOk<LearnedStateResult>(daemon(), 'routing/learnedState', {});
  assert.deepEqual(after.models.filter((m) => m.model === model), learned.models);
  assert.equal(await predicted(model), lowered, 'the restarted daemon predicts what the first one had learned');

  // The last answer's prompt is gone with the old process: the outcome still counts.
  const late = await rpcOk<FeedbackSubmitResult>(daemon(), 'feedback/submit', { requestId: answers[3]?.requestId, thumbs: 'down' });
  assert.equal(late.routerUpdated, true);
  const four = await rpcOk<LearnedStateResult>(daemon(), 'routing/learnedState', { model });
  assert.equal(four.models[0]?.outcomes, 4);

  const bad = await rpcCall(daemon(), 'routing/learnedState', { model: 7 });
  assert.equal(bad.error?.data?.code, 'invalidParams');
  assert.equal(cli('stop').status, 0);
});
