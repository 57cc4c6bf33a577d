import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startSimulator, type RunningSimulator } from '../../../daemon/simulator/server';
import { answerFor, countTokens, promptTokens } from '../../../daemon/simulator/answer';

let sim: RunningSimulator;
before(async () => {
  sim = await startSimulator();
});
after(async () => {
  await sim.close();
});

async function post(path: string, body: unknown, headers: Record<string, string> = { authorization: 'Bearer sk-sim' }) {
  const res = await request(`${sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

const ask = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }], ...extra });

test('answers are deterministic, derived from model and prompt, with usage from the text', async () => {
  const a = await post('/openai/v1/chat/completions', ask('What is a monad?'));
  const b = await post('/openai/v1/chat/completions', ask('What is a monad?'));
  assert.equal(a.status, 200);
  const ja = JSON.parse(a.text) as { choices: { message: { content: string }; finish_reason: string }[]; usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number }; object: string; model: string };
  const jb = JSON.parse(b.text) as typeof ja;
  assert.equal(ja.object, 'chat.completion');
  assert.equal(ja.model, 'gpt-4o-mini');
  const content = ja.choices[0]?.message.content ?? '';
  assert.equal(content, 'Simulated answer from gpt-4o-mini: What is a monad?');
  assert.equal(content, jb.choices[0]?.message.content);
  assert.equal(ja.usage.completion_tokens, countTokens(content));
  assert.equal(ja.usage.prompt_tokens, promptTokens([{ content: 'What is a monad?' }]));
  assert.equal(ja.usage.total_tokens, ja.usage.prompt_tokens + ja.usage.completion_tokens);
  assert.equal(a.headers['x-ratelimit-limit-requests'], '10000');
  assert.ok(a.headers['x-ratelimit-remaining-tokens']);
});

test('SSE: role chunk, deltas, finish chunk, usage chunk when asked, then [DONE]', async () => {
  const r = await post('/groq/v1/chat/completions', ask('stream this please', { model: 'llama-3.1-8b-instant', stream: true, stream_options: { include_usage: true } }));
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /text\/event-stream/);
  const events = r.text.split('\n\n').filter(Boolean);
  assert.equal(events[events.length - 1], 'data: [DONE]');
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice('data: '.length)) as { choices: { delta: { content?: string; role?: string }; finish_reason: string | null }[]; usage?: { completion_tokens: number } });
  assert.equal(chunks[0]?.choices[0]?.delta.role, 'assistant');
  const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
  assert.equal(text, 'Simulated answer from llama-3.1-8b-instant: stream this please');
  const usage = chunks[chunks.length - 1];
  assert.deepEqual(usage?.choices, []);
  assert.equal(usage?.usage?.completion_tokens, countTokens(text));
  assert.equal(chunks[chunks.length - 2]?.choices[0]?.finish_reason, 'stop');
  // Without include_usage there is no usage chunk, as with OpenAI.
  const plain = await post('/openai/v1/chat/completions', ask('no usage', { stream: true }));
  assert.ok(!plain.text.includes('"usage"'));
});

test('tools: the first turn calls a tool, the next one answers from the tool result', async () => {
  const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }];
  const first = JSON.parse((await post('/openai/v1/chat/completions', ask('weather in Paris', { tools }))).text) as { choices: { message: { tool_calls: { id: string; function: { name: string; arguments: string } }[] }; finish_reason: string }[] };
  const call = first.choices[0]?.message.tool_calls[0];
  assert.equal(first.choices[0]?.finish_reason, 'tool_calls');
  assert.equal(call?.function.name, 'lookup');
  assert.deepEqual(JSON.parse(call?.function.arguments ?? ''), { query: 'weather in Paris' });
  const second = answerFor({ model: 'm', messages: [{ role: 'user', content: 'weather' }, { role: 'tool', content: 'sunny' }], tools: tools as never });
  assert.equal(second.finishReason, 'stop');
  assert.match(second.text, /the tool said sunny/);
});

test('max_tokens truncates with finish_reason length', async () => {
  const r = JSON.parse((await post('/openai/v1/chat/completions', ask('a fairly long question that needs many tokens', { max_tokens: 3 }))).text) as { choices: { message: { content: string }; finish_reason: string }[]; usage: { completion_tokens: number } };
  assert.equal(r.choices[0]?.finish_reason, 'length');
  assert.ok(r.usage.completion_tokens <= 3);
});

test('errors come in OpenAI format, with retry-after on rate limits', async () => {
  const noKey = await post('/openai/v1/chat/completions', ask('hi'), {});
  assert.equal(noKey.status, 401);
  assert.equal((JSON.parse(noKey.text) as { error: { code: string } }).error.code, 'invalid_api_key');
  const rl = await post('/openai/v1/chat/completions', ask('hi [sim-fault:rate_limit]'));
  assert.equal(rl.status, 429);
  assert.equal(rl.headers['retry-after'], '1');
  const body = JSON.parse(rl.text) as { error: { message: string; type: string; code: string } };
  assert.equal(body.error.code, 'rate_limit_exceeded');
  assert.equal(typeof body.error.message, 'string');
  const bad = await post('/openai/v1/chat/completions', { model: 'x' });
  assert.equal(bad.status, 400);
  assert.equal((JSON.parse(bad.text) as { error: { type: string } }).error.type, 'invalid_request_error');
  // A directive aimed at another model leaves this one alone.
  assert.equal((await post('/openai/v1/chat/completions', ask('hi [sim-fault:server_error@gpt-4o]'))).status, 200);
  assert.equal((await post('/openai/v1/chat/completions', ask('hi [sim-fault:server_error@gpt-4o-mini]'))).status, 500);
});

test('a fault hook can cut a stream before [DONE]', async () => {
  const cutting = await startSimulator({ fault: (ctx) => (ctx.stream ? { kind: 'cut', afterPieces: 1 } : null) });
  try {
    const res = await request(`${cutting.url}/openai/v1/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body: JSON.stringify(ask('cut me', { stream: true })) });
    let text = '';
    try {
      text = await res.body.text();
    } catch {
      // The socket closing mid-body is the point.
    }
    assert.ok(!text.includes('[DONE]'));
  } finally {
    await cutting.close();
  }
});
