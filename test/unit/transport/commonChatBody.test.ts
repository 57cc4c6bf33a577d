import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../../daemon/routing/linearModel';
import { RouterError } from '../../../daemon/protocol/errors';
import { ChatCompletionsBody, parseChatCompletionsBody } from '../../../daemon/transport/chatCompletions';
import { commonChatBody } from '../../../daemon/transport/commonChatBody';

const user = (content: unknown): Record<string, unknown> => ({ role: 'user', content });

test('common bodies pass without a copy and equal what zod returns, messages key for key', () => {
  const bodies: unknown[] = [
    { model: 'gpt-4o-mini', messages: [user('hi')] },
    { model: 'auto', messages: [{ role: 'system', content: 'be brief' }, user('hi'), { role: 'assistant', content: null }, { role: 'user', content: 'x', name: 'ann' }], max_tokens: 64, temperature: 0, top_p: 1 },
    { model: 'auto:cost', messages: [user('hi')], stream: true, stream_options: { include_usage: true }, user: 'u1', n: 1, max_completion_tokens: 9 },
    { model: 'm', messages: [{ role: 'developer' }], stream: null, stream_options: null, user: null, n: null, max_completion_tokens: null, extra: { kept: [1, 2] }, prompt_cache_key: 'k' },
    JSON.parse('{"model":"m","messages":[{"role":"user","content":"a"}],"temperature":2}'),
  ];
  for (const b of bodies) {
    const fast = commonChatBody(b);
    assert.equal(fast, b, JSON.stringify(b));
    const slow = ChatCompletionsBody.parse(b);
    assert.deepStrictEqual(fast, slow);
    assert.equal(JSON.stringify((fast as { messages: unknown }).messages), JSON.stringify(slow.messages));
  }
});

test('anything but the common shape goes to zod (null), valid or not', () => {
  const bodies: unknown[] = [
    null,
    [],
    'text',
    {},
    { model: '', messages: [user('hi')] },
    { model: 'x'.repeat(201), messages: [user('hi')] },
    { model: 'm', messages: [] },
    { model: 'm', messages: [user([{ type: 'text', text: 'hi' }])] },
    { model: 'm', messages: [{ content: 'hi', role: 'user' }] },
    { model: 'm', messages: [{ role: 'user', content: 'hi', extra: 1 }] },
    { model: 'm', messages: [{ role: 'robot', content: 'hi' }] },
    { model: 'm', messages: [{ role: 'tool', content: 'hi', tool_call_id: 'c1' }] },
    { model: 'm', messages: [user(1)] },
    { model: 'm', messages: [user('hi')], max_tokens: 0 },
    { model: 'm', messages: [user('hi')], max_tokens: 1.5 },
    { model: 'm', messages: [user('hi')], max_tokens: null },
    { model: 'm', messages: [user('hi')], temperature: 2.1 },
    { model: 'm', messages: [user('hi')], top_p: -0.1 },
    { model: 'm', messages: [user('hi')], stream: 'yes' },
    { model: 'm', messages: [user('hi')], stream_options: { include_usage: true, other: 1 } },
    { model: 'm', messages: [user('hi')], stop: ['x'] },
    { model: 'm', messages: [user('hi')], routing: { tradeoff: 'cost' } },
    { model: 'm', messages: [user('hi')], tools: [] },
    { model: 'm', messages: [user('hi')], reasoning_effort: 'low' },
    JSON.parse('{"model":"m","messages":[{"role":"user","content":"a"}],"__proto__":{"x":1}}'),
  ];
  for (const b of bodies) {
    assert.equal(commonChatBody(b), null, JSON.stringify(b));
  }
});

test('over random bodies the check never accepts what zod refuses, and agrees with it on what it accepts', () => {
  const rnd = seededRandom(1313);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const values: unknown[] = [undefined, null, 0, 1, -1, 1.5, 2, 2.5, 64, 'x', '', true, false, [], {}, { include_usage: true }, { include_usage: 'y' }];
  const roles = ['user', 'user', 'system', 'assistant', 'developer', 'tool', 'robot', 1];
  let accepted = 0;
  for (let i = 0; i < 3000; i++) {
    const body: Record<string, unknown> = {};
    if (rnd() < 0.95) {
      body.model = pick(['gpt-4o-mini', 'auto', 'auto:cost', 'gpt-4o-mini', '', 'x'.repeat(201), 7]);
    }
    if (rnd() < 0.95) {
      body.messages = Array.from({ length: Math.floor(rnd() * 2.5) }, () => {
        const m: Record<string, unknown> = {};
        const keys = rnd() < 0.9 ? ['role', 'content', 'name'] : ['content', 'role', 'extra', 'name'];
        for (const k of keys) {
          if (k === 'role' ? rnd() < 0.97 : rnd() < 0.5) {
            m[k] = k === 'role' ? pick(roles) : pick(['hi', 'hi', 'ann', null, 3, []]);
          }
        }
        return m;
      });
    }
    for (const k of ['max_tokens', 'temperature', 'top_p', 'stream', 'stream_options', 'max_completion_tokens', 'n', 'user', 'other']) {
      if (rnd() < 0.1) {
        body[k] = pick(values);
      }
    }
    const fast = commonChatBody(body);
    const slow = ChatCompletionsBody.safeParse(body);
    if (fast !== null) {
      accepted++;
      assert.ok(slow.success, JSON.stringify(body));
      assert.deepStrictEqual(fast, slow.data);
    }
  }
  assert.ok(accepted > 100, `only ${accepted} random bodies took the fast path`);
});

test('errors come from zod whatever the shape: same code and message as before', () => {
  const err = (b: unknown): RouterError => {
    try {
      parseChatCompletionsBody(b);
    } catch (e) {
      return e as RouterError;
    }
    throw new Error('no error');
  };
  const e = err({ model: 'm', messages: [user('hi')], max_tokens: 0 });
  assert.equal(e.code, 'invalidParams');
  assert.match(e.message, /^invalid chat completion request: max_tokens: /);
  assert.equal(e.details?.param, 'max_tokens');
  assert.equal(err({ model: 'm', messages: [user('hi')], n: 2 }).code, 'unsupportedFeature');
});
