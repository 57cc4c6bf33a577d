// OpenAI's chat-completions wire format, served for real: JSON and SSE bodies, `usage`, error
// bodies (`{"error":{message,type,param,code}}`) and `x-ratelimit-*` headers.
import { z } from 'zod';
import { ChatMessage, ToolDefinition } from '../../protocol/chat';
import { answerFor, messageText, streamPieces, type SimulatedAnswer } from '../answer';
import { applyTransportFault, pieceDelay, type Fault } from '../faults';
import { sendJson, sleep, type SimCall, type SimFormat } from '../wire';

const Request = z.looseObject({
  model: z.string().min(1),
  messages: z.array(ChatMessage).min(1),
  tools: z.array(ToolDefinition).optional(),
  tool_choice: z.union([z.string(), z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) })]).optional(),
  max_tokens: z.number().int().positive().optional(),
  max_completion_tokens: z.number().int().positive().optional(),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
});
type Request = z.infer<typeof Request>;

const REQUEST_LIMIT = 10_000;
const TOKEN_LIMIT = 2_000_000;

export function rateLimitHeaders(promptTokens: number): Record<string, string> {
  return {
    'x-ratelimit-limit-requests': String(REQUEST_LIMIT),
    'x-ratelimit-remaining-requests': String(REQUEST_LIMIT - 1),
    'x-ratelimit-reset-requests': '6ms',
    'x-ratelimit-limit-tokens': String(TOKEN_LIMIT),
    'x-ratelimit-remaining-tokens': String(TOKEN_LIMIT - promptTokens),
    'x-ratelimit-reset-tokens': '0s',
  };
}

export function openAiError(status: number, type: string, code: string | null, message: string, param: string | null = null): { status: number; body: unknown } {
  return { status, body: { error: { message, type, param, code } } };
}

function sendFault(call: SimCall, fault: Extract<Fault, { kind: 'error' }>): void {
  const headers: Record<string, string> = { 'x-request-id': `req_sim_${call.seq}` };
  if (fault.retryAfterSeconds !== undefined) {
    headers['retry-after'] = String(fault.retryAfterSeconds);
    headers['x-ratelimit-remaining-requests'] = '0';
    headers['x-ratelimit-reset-requests'] = `${fault.retryAfterSeconds}s`;
  }
  const e = openAiError(fault.status, fault.type, fault.code, fault.message);
  sendJson(call.res, e.status, e.body, headers);
}

function toolChoiceName(choice: Request['tool_choice']): string | undefined {
  if (choice === undefined) {
    return undefined;
  }
  return typeof choice === 'string' ? choice : choice.function.name;
}

function usageOf(a: SimulatedAnswer): Record<string, unknown> {
  return {
    prompt_tokens: a.promptTokens,
    completion_tokens: a.completionTokens,
    total_tokens: a.promptTokens + a.completionTokens,
    prompt_tokens_details: { cached_tokens: a.cachedTokens ?? 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

/**
 * DeepSeek's thinking mode refuses a history whose tool-calling assistant turns lack their
 * reasoning_content, as DeepSeek does (400 invalid_request_error, its wording).
 */
function reasoningMissing(provider: string, model: string, raw: unknown): boolean {
  if (provider !== 'deepseek' || model !== 'deepseek-reasoner') {
    return false;
  }
  const messages = (raw as { messages?: unknown }).messages;
  return Array.isArray(messages) && messages.some((m: { role?: unknown; tool_calls?: unknown; reasoning_content?: unknown }) => m.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0 && typeof m.reasoning_content !== 'string');
}

export const openAiFormat: SimFormat = {
  name: 'openai',
  matches: (method, path) => method === 'POST' && /\/chat\/completions$/.test(path),
  async handle(call) {
    if (!/^Bearer \S+/.test(String(call.req.headers.authorization ?? ''))) {
      const e = openAiError(401, 'invalid_request_error', 'invalid_api_key', "You didn't provide an API key (simulated).");
      sendJson(call.res, e.status, e.body);
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(call.body);
    } catch {
      const e = openAiError(400, 'invalid_request_error', null, 'We could not parse the JSON body of your request.');
      sendJson(call.res, e.status, e.body);
      return;
    }
    const parsed = Request.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const e = openAiError(400, 'invalid_request_error', null, `Invalid request: ${issue?.message ?? 'bad body'}`, issue ? issue.path.join('.') : null);
      sendJson(call.res, e.status, e.body);
      return;
    }
    const req = parsed.data;
    if (reasoningMissing(call.provider, req.model, json)) {
      const e = openAiError(400, 'invalid_request_error', 'invalid_request_error', 'The reasoning_content in the thinking mode must be passed back to the API. (simulated)');
      sendJson(call.res, e.status, e.body);
      return;
    }
    const stream = req.stream === true;
    const fault = call.faultFor({ provider: call.provider, model: req.model, stream, promptText: req.messages.map((m) => messageText(m)).join('\n') });
    if (fault?.kind === 'delay') {
      await sleep(fault.ms);
    }
    if (fault?.kind === 'error') {
      sendFault(call, fault);
      return;
    }
    if (await applyTransportFault(call, fault, stream)) {
      return;
    }
    const answer = answerFor({ model: req.model, messages: req.messages, tools: req.tools, toolChoice: toolChoiceName(req.tool_choice), maxTokens: req.max_completion_tokens ?? req.max_tokens });
    answer.cachedTokens = call.promptCache?.take(req.model, req.messages) ?? 0;
    const id = `chatcmpl-sim${call.seq}`;
    const created = Math.floor(Date.now() / 1000);
    const headers = { 'x-request-id': `req_sim_${call.seq}`, 'openai-processing-ms': String(call.pacing.ttftMs), ...rateLimitHeaders(answer.promptTokens) };
    await sleep(call.pacing.ttftMs);
    if (!stream) {
      await sleep(pieceDelay(call.pacing, fault) * answer.completionTokens);
      const message: Record<string, unknown> = { role: 'assistant', content: answer.toolCalls.length > 0 ? null : answer.text, refusal: null };
      if (answer.toolCalls.length > 0) {
        message.tool_calls = answer.toolCalls.map((t) => ({ id: t.id, type: 'function', function: { name: t.name, arguments: t.arguments } }));
      }
      if (fault?.kind === 'cut') {
        // A non-streamed answer cut short: headers promise more bytes than ever arrive.
        call.res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100000', ...headers });
        call.res.write('{"id":"');
        call.res.destroy();
        return;
      }
      sendJson(
        call.res,
        200,
        { id, object: 'chat.completion', created, model: req.model, choices: [{ index: 0, message, logprobs: null, finish_reason: answer.finishReason }], usage: usageOf(answer), system_fingerprint: 'fp_simulator' },
        headers,
      );
      return;
    }
    await streamAnswer(call, req, answer, { id, created, headers, cutAfter: fault?.kind === 'cut' ? fault.afterPieces : null, delayMs: pieceDelay(call.pacing, fault) });
  },
};

async function streamAnswer(
  call: SimCall,
  req: Request,
  answer: SimulatedAnswer,
  o: { id: string; created: number; headers: Record<string, string>; cutAfter: number | null; delayMs: number },
): Promise<void> {
  const { res } = call;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', ...o.headers });
  const base = { id: o.id, object: 'chat.completion.chunk', created: o.created, model: req.model, system_fingerprint: 'fp_simulator' };
  const send = (choices: unknown[], extra: Record<string, unknown> = {}): void => {
    res.write(`data: ${JSON.stringify({ ...base, choices, ...extra })}\n\n`);
  };
  const delay = o.delayMs;
  send([{ index: 0, delta: { role: 'assistant', content: answer.toolCalls.length > 0 ? null : '', refusal: null }, logprobs: null, finish_reason: null }]);
  let sent = 0;
  const pieces: { delta: Record<string, unknown> }[] = [];
  answer.toolCalls.forEach((t, index) => {
    pieces.push({ delta: { tool_calls: [{ index, id: t.id, type: 'function', function: { name: t.name, arguments: '' } }] } });
    for (const part of streamPieces(t.arguments)) {
      pieces.push({ delta: { tool_calls: [{ index, function: { arguments: part } }] } });
    }
  });
  for (const text of streamPieces(answer.text)) {
    pieces.push({ delta: { content: text } });
  }
  // A cut delivers what was written, then drops the connection without the end of the stream.
  const cut = (): Promise<void> =>
    new Promise<void>((resolve) => {
      res.write('', () => {
        res.socket?.destroy();
        resolve();
      });
    });
  for (const p of pieces) {
    if (o.cutAfter !== null && sent >= o.cutAfter) {
      await cut();
      return;
    }
    if (res.destroyed) {
      return;
    }
    send([{ index: 0, delta: p.delta, logprobs: null, finish_reason: null }]);
    sent++;
    await sleep(delay);
  }
  if (o.cutAfter !== null) {
    await cut();
    return;
  }
  send([{ index: 0, delta: {}, logprobs: null, finish_reason: answer.finishReason }]);
  if (req.stream_options?.include_usage === true) {
    send([], { usage: usageOf(answer) });
  }
  res.end('data: [DONE]\n\n');
}
