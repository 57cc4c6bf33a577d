// OpenAI's Responses API (POST /v1/responses) as a client speaks it to us (the official SDK's
// `responses.create` / `responses.stream`, Codex CLI with `wire_api = "responses"`) → the canonical
// chat request, and canonical answers → Response objects and the typed stream event sequence.
// Translation choices:
// - `instructions` is the first system message; `developer`/`system` input messages stay at their
//   place; `reasoning` items (a model's own encrypted reasoning) are not sent to other providers,
//   as thinking blocks on /v1/messages.
// - Tools (function, custom, namespace, tool_search, web_search, other built-ins): responsesTools.ts.
// - Server-side state has no provider-neutral equivalent and is refused with the field named:
//   `previous_response_id`, `conversation`, `prompt`, `background`, `store: true` (answers are not
//   kept; omit it or send false), `item_reference` items.
// - `reasoning.effort` is a routing hint (routingHints.ts); `text.verbosity`, `include`,
//   `parallel_tool_calls`, `metadata`, `service_tier`, `truncation` are accepted and not forwarded.
import { z } from 'zod';
import type { ChatMessage, ChatRequest, ChatResult, ContentPart, FinishReason, StreamEvent, ToolCall, Usage } from '../protocol/chat';
import { RouterError } from '../protocol/errors';
import { ClientTools, flatName, parseAs, TOOL_SEARCH, unsupported } from './responsesTools';

const InputText = z.looseObject({ type: z.enum(['input_text', 'output_text', 'text']), text: z.string() });
const InputImage = z.looseObject({ type: z.literal('input_image'), image_url: z.string().nullish(), file_id: z.string().nullish(), detail: z.enum(['auto', 'low', 'high']).nullish() });
const Refusal = z.looseObject({ type: z.literal('refusal'), refusal: z.string() });
const OtherPart = z.looseObject({ type: z.string() });
const ContentItem = z.union([InputText, InputImage, Refusal, OtherPart]);

const MessageItem = z.looseObject({
  type: z.literal('message').optional(),
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([z.string(), z.array(ContentItem)]),
});
const FunctionCallItem = z.looseObject({ type: z.literal('function_call'), call_id: z.string().min(1), name: z.string().min(1), namespace: z.string().nullish(), arguments: z.string() });
const ToolOutput = z.union([z.string(), z.array(ContentItem)]);
const FunctionCallOutputItem = z.looseObject({ type: z.literal('function_call_output'), call_id: z.string().min(1), output: ToolOutput });
const CustomCallItem = z.looseObject({ type: z.literal('custom_tool_call'), call_id: z.string().min(1), name: z.string().min(1), namespace: z.string().nullish(), input: z.string() });
const ToolSearchCallItem = z.looseObject({ type: z.literal('tool_search_call'), id: z.string().nullish(), call_id: z.string().nullish(), arguments: z.unknown().optional() });
const ToolSearchOutputItem = z.looseObject({ type: z.literal('tool_search_output'), id: z.string().nullish(), call_id: z.string().nullish(), tools: z.array(z.unknown()) });
const CustomCallOutputItem = z.looseObject({ type: z.literal('custom_tool_call_output'), call_id: z.string().min(1), output: ToolOutput });
const OtherItem = z.looseObject({ type: z.string() });
const InputItem = z.union([MessageItem, FunctionCallItem, FunctionCallOutputItem, CustomCallItem, CustomCallOutputItem, OtherItem]);

const OtherTool = z.looseObject({ type: z.string() });

const TextFormat = z.union([
  z.looseObject({ type: z.literal('text') }),
  z.looseObject({ type: z.literal('json_object') }),
  z.looseObject({ type: z.literal('json_schema'), name: z.string().min(1), schema: z.record(z.string(), z.unknown()), description: z.string().nullish(), strict: z.boolean().nullish() }),
]);

/** Unknown optional fields are accepted: clients send many we have no use for. */
export const ResponsesBody = z.looseObject({
  model: z.string().min(1).max(200),
  input: z.union([z.string(), z.array(InputItem)]),
  instructions: z.string().nullish(),
  tools: z.array(OtherTool).nullish(),
  tool_choice: z.union([z.enum(['none', 'auto', 'required']), z.looseObject({ type: z.string(), name: z.string().optional() })]).nullish(),
  max_output_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  text: z.looseObject({ format: TextFormat.nullish(), verbosity: z.string().nullish() }).nullish(),
  reasoning: z.looseObject({ effort: z.string().nullish(), summary: z.string().nullish() }).nullish(),
  stream: z.boolean().nullish(),
  store: z.boolean().nullish(),
  previous_response_id: z.string().nullish(),
  conversation: z.unknown().optional(),
  prompt: z.unknown().optional(),
  background: z.boolean().nullish(),
  prompt_cache_key: z.string().nullish(),
  user: z.string().nullish(),
  safety_identifier: z.string().nullish(),
});
export type ResponsesBody = z.infer<typeof ResponsesBody>;

export interface InboundResponsesRequest {
  request: ChatRequest;
  /** The tools offered, and how each call goes back to the client's shape. */
  tools: ClientTools;
  stream: boolean;
  effort: string | undefined;
  /** What the Response object echoes back. */
  echo: ResponseEcho;
}

export interface ResponseEcho {
  instructions: string | null;
  tools: unknown[];
  toolChoice: unknown;
  temperature: number | null;
  topP: number | null;
  maxOutputTokens: number | null;
  text: unknown;
  reasoning: { effort: string | null; summary: null };
  parallelToolCalls: boolean;
  metadata: unknown;
  promptCacheKey: string | null;
  user: string | null;
}

function partsOf(content: z.infer<typeof MessageItem>['content'], where: string): ContentPart[] | string {
  if (typeof content === 'string') {
    return content;
  }
  const parts: ContentPart[] = [];
  for (const p of content) {
    if ((p.type === 'input_text' || p.type === 'output_text' || p.type === 'text') && typeof p.text === 'string') {
      parts.push({ type: 'text', text: p.text });
    } else if (p.type === 'refusal' && typeof p.refusal === 'string') {
      parts.push({ type: 'text', text: p.refusal });
    } else if (p.type === 'input_image') {
      const url = typeof p.image_url === 'string' ? p.image_url : null;
      if (url === null) {
        throw unsupported('an input_image by file_id (files are not stored; send image_url)', where);
      }
      const detail = p.detail;
      parts.push({ type: 'image_url', image_url: detail === 'auto' || detail === 'low' || detail === 'high' ? { url, detail } : { url } });
    } else {
      throw unsupported(`a ${p.type} content part`, where);
    }
  }
  return parts.every((p) => p.type === 'text') ? parts.map((p) => (p.type === 'text' ? p.text : '')).join('\n') : parts;
}

function outputText(output: z.infer<typeof ToolOutput>, where: string): string {
  const c = partsOf(output, where);
  if (typeof c === 'string') {
    return c;
  }
  throw unsupported('an image inside a tool output', where);
}

/** Items → canonical messages: calls join the assistant message before them, outputs become tool messages. */
function messagesOf(body: ResponsesBody, tools: ClientTools): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (body.instructions) {
    messages.push({ role: 'system', content: body.instructions });
  }
  if (typeof body.input === 'string') {
    messages.push({ role: 'user', content: body.input });
    return messages;
  }
  const addCall = (call: ToolCall): void => {
    const prev = messages[messages.length - 1];
    if (prev && prev.role === 'assistant') {
      prev.tool_calls = [...(prev.tool_calls ?? []), call];
      return;
    }
    messages.push({ role: 'assistant', content: null, tool_calls: [call] });
  };
  for (const [i, raw] of body.input.entries()) {
    const where = `input.${i}`;
    const type = (raw as { type?: unknown }).type ?? 'message';
    switch (type) {
      case 'message': {
        const m = MessageItem.safeParse(raw);
        if (!m.success) {
          throw new RouterError('invalidParams', `invalid Responses request: ${where} is not a message item`, { param: where });
        }
        const content = partsOf(m.data.content, where);
        if (m.data.role === 'assistant') {
          messages.push({ role: 'assistant', content: typeof content === 'string' ? content : content.map((p) => (p.type === 'text' ? p.text : '')).join('\n') });
        } else {
          messages.push({ role: m.data.role, content });
        }
        break;
      }
      case 'function_call': {
        const c = parseAs(FunctionCallItem, raw, where);
        addCall({ id: c.call_id, type: 'function', function: { name: flatName(c.name, c.namespace), arguments: c.arguments } });
        break;
      }
      case 'custom_tool_call': {
        const c = parseAs(CustomCallItem, raw, where);
        addCall({ id: c.call_id, type: 'function', function: { name: flatName(c.name, c.namespace), arguments: JSON.stringify({ input: c.input }) } });
        break;
      }
      case 'tool_search_call': {
        const c = parseAs(ToolSearchCallItem, raw, where);
        addCall({ id: searchCallId(c, where), type: 'function', function: { name: TOOL_SEARCH, arguments: JSON.stringify(c.arguments ?? {}) } });
        break;
      }
      case 'tool_search_output': {
        // The tools it loaded are offered from here on; the model reads which ones they are.
        const o = parseAs(ToolSearchOutputItem, raw, where);
        tools.addAll(o.tools, `${where}.tools`);
        const names = o.tools.map((t) => (typeof t === 'object' && t !== null ? String((t as { name?: unknown }).name ?? (t as { type?: unknown }).type) : String(t)));
        messages.push({ role: 'tool', tool_call_id: searchCallId(o, where), content: names.length > 0 ? `Loaded tools: ${names.join(', ')}` : 'No tools matched.' });
        break;
      }
      case 'function_call_output':
      case 'custom_tool_call_output': {
        const o = parseAs(type === 'function_call_output' ? FunctionCallOutputItem : CustomCallOutputItem, raw, where);
        messages.push({ role: 'tool', tool_call_id: o.call_id, content: outputText(o.output, where) });
        break;
      }
      case 'reasoning':
        // The model's own (often encrypted) reasoning: not meaningful to another model.
        break;
      case 'item_reference':
        throw unsupported('item_reference items (responses are not stored; send the items themselves)', where);
      default:
        throw unsupported(`input items of type "${String(type)}"`, where);
    }
  }
  return messages;
}

function searchCallId(item: { id?: string | null; call_id?: string | null }, where: string): string {
  const id = item.call_id ?? item.id;
  if (!id) {
    throw new RouterError('invalidParams', `invalid Responses request: ${where} has neither call_id nor id`, { param: where });
  }
  return id;
}

function toolChoiceOf(body: ResponsesBody, tools: ClientTools): ChatRequest['tool_choice'] | undefined {
  const tc = body.tool_choice;
  if (tc === undefined || tc === null) {
    return undefined;
  }
  if (typeof tc === 'string') {
    return tc;
  }
  if ((tc.type === 'function' || tc.type === 'custom') && tc.name !== undefined) {
    const namespace = (tc as { namespace?: unknown }).namespace;
    const name = flatName(tc.name, typeof namespace === 'string' ? namespace : undefined);
    if (tc.type === 'custom' && !tools.isCustom(name)) {
      throw new RouterError('invalidParams', `tool_choice names custom tool "${tc.name}", which is not in tools`, { param: 'tool_choice' });
    }
    return { type: 'function', function: { name } };
  }
  throw unsupported(`tool_choice of type "${tc.type}"`, 'tool_choice');
}

export function fromResponsesRequest(body: ResponsesBody): InboundResponsesRequest {
  if (body.previous_response_id) {
    throw unsupported('previous_response_id (responses are not stored; send the whole conversation as input items)', 'previous_response_id');
  }
  if (body.conversation !== undefined && body.conversation !== null) {
    throw unsupported('conversation (no server-side conversations; send the whole conversation as input items)', 'conversation');
  }
  if (body.prompt !== undefined && body.prompt !== null) {
    throw unsupported('prompt (stored prompt templates)', 'prompt');
  }
  if (body.background === true) {
    throw unsupported('background: true (answers are returned or streamed, not polled)', 'background');
  }
  if (body.store === true) {
    throw unsupported('store: true (the daemon keeps only its ledger, not answers; omit store or send false)', 'store');
  }
  const tools = new ClientTools();
  tools.addAll(body.tools ?? [], 'tools');
  const request: ChatRequest = { messages: messagesOf(body, tools) };
  if (!request.messages.some((m) => m.role !== 'system' && m.role !== 'developer')) {
    throw new RouterError('invalidParams', 'invalid Responses request: input has no user or assistant item', { param: 'input' });
  }
  if (tools.definitions.length > 0) {
    request.tools = tools.definitions;
  }
  const choice = toolChoiceOf(body, tools);
  if (choice !== undefined) {
    request.tool_choice = choice;
  }
  if (body.max_output_tokens) {
    request.max_tokens = body.max_output_tokens;
  }
  if (typeof body.temperature === 'number') {
    request.temperature = body.temperature;
  }
  if (typeof body.top_p === 'number') {
    request.top_p = body.top_p;
  }
  const format = body.text?.format;
  if (format && format.type === 'json_object') {
    request.response_format = { type: 'json_object' };
  } else if (format && format.type === 'json_schema') {
    const f = format as { name: string; schema: Record<string, unknown>; description?: string | null; strict?: boolean | null };
    const js: Record<string, unknown> = { name: f.name, schema: f.schema };
    if (f.description) {
      js.description = f.description;
    }
    if (typeof f.strict === 'boolean') {
      js.strict = f.strict;
    }
    request.response_format = { type: 'json_schema', json_schema: js };
  }
  return {
    request,
    tools,
    stream: body.stream === true,
    effort: body.reasoning?.effort ?? undefined,
    echo: {
      instructions: body.instructions ?? null,
      tools: body.tools ?? [],
      toolChoice: body.tool_choice ?? 'auto',
      temperature: body.temperature ?? null,
      topP: body.top_p ?? null,
      maxOutputTokens: body.max_output_tokens ?? null,
      text: { format: body.text?.format ?? { type: 'text' } },
      reasoning: { effort: body.reasoning?.effort ?? null, summary: null },
      parallelToolCalls: (body as { parallel_tool_calls?: unknown }).parallel_tool_calls !== false,
      metadata: (body as { metadata?: unknown }).metadata ?? {},
      promptCacheKey: body.prompt_cache_key ?? null,
      user: body.user ?? null,
    },
  };
}

export function responsesUsage(u: Usage): Record<string, unknown> {
  return {
    input_tokens: u.inputTokens,
    input_tokens_details: { cached_tokens: u.cachedInputTokens },
    output_tokens: u.outputTokens,
    output_tokens_details: { reasoning_tokens: u.reasoningTokens },
    total_tokens: u.inputTokens + u.outputTokens,
  };
}

function parseArgs(args: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(args);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A call as the output item of the tool the client offered: its own name, namespace and shape. */
export function callItem(call: ToolCall, tools: ClientTools, id: string, status: 'in_progress' | 'completed'): Record<string, unknown> {
  const tool = tools.of(call.function.name);
  const ns = tool?.namespace === undefined ? {} : { namespace: tool.namespace };
  if (tool?.kind === 'custom') {
    const input = parseArgs(call.function.arguments)?.input;
    return { type: 'custom_tool_call', id, call_id: call.id, name: tool.name, ...ns, input: typeof input === 'string' ? input : call.function.arguments, status };
  }
  if (tool?.kind === 'toolSearch') {
    return { type: 'tool_search_call', id, call_id: call.id, execution: 'client', arguments: parseArgs(call.function.arguments) ?? {}, status };
  }
  return { type: 'function_call', id, call_id: call.id, name: tool?.name ?? call.function.name, ...ns, arguments: call.function.arguments, status };
}

export function messageItem(id: string, text: string, status: 'in_progress' | 'completed'): Record<string, unknown> {
  return { type: 'message', id, status, role: 'assistant', content: status === 'completed' ? [textPart(text)] : [] };
}

function textPart(text: string): Record<string, unknown> {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

export interface ResponseMeta {
  id: string;
  createdAt: number;
  model: string;
  echo: ResponseEcho;
}

/** The Response object; `output`, `status` and `usage` are filled once the answer is settled. */
export function responseObject(meta: ResponseMeta, state: { status: 'in_progress' | 'completed' | 'incomplete' | 'failed'; output: unknown[]; usage: Usage | null; finish?: FinishReason; error?: { code: string; message: string } }): Record<string, unknown> {
  const e = meta.echo;
  return {
    id: meta.id,
    object: 'response',
    created_at: meta.createdAt,
    status: state.status,
    error: state.error ?? null,
    incomplete_details: state.status === 'incomplete' ? { reason: state.finish === 'content_filter' ? 'content_filter' : 'max_output_tokens' } : null,
    instructions: e.instructions,
    max_output_tokens: e.maxOutputTokens,
    model: meta.model,
    output: state.output,
    parallel_tool_calls: e.parallelToolCalls,
    previous_response_id: null,
    reasoning: e.reasoning,
    store: false,
    temperature: e.temperature,
    text: e.text,
    tool_choice: e.toolChoice,
    tools: e.tools,
    top_p: e.topP,
    truncation: 'disabled',
    usage: state.usage ? responsesUsage(state.usage) : null,
    user: e.user,
    prompt_cache_key: e.promptCacheKey,
    metadata: e.metadata,
  };
}

export function statusOf(finish: FinishReason): 'completed' | 'incomplete' {
  return finish === 'length' || finish === 'content_filter' ? 'incomplete' : 'completed';
}

/** The non-streaming answer's output items: the text message (if any), then one item per call. */
export function outputItems(result: ChatResult, tools: ClientTools, idBase: string): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [];
  if (result.text !== '') {
    items.push(messageItem(`msg_${idBase}`, result.text, 'completed'));
  }
  result.toolCalls.forEach((c, i) => items.push(callItem(c, tools, `fc_${idBase}_${i}`, 'completed')));
  return items;
}

/**
 * Canonical stream events → the Responses event sequence: response.created, response.in_progress,
 * then per output item output_item.added, (content_part.added, output_text.delta…, output_text.done,
 * content_part.done | function_call_arguments.delta…, function_call_arguments.done |
 * custom_tool_call_input.delta/done), output_item.done, and finally response.completed (or
 * response.incomplete) with usage. Every event carries its sequence_number.
 */
export class ResponsesStreamWriter {
  private seq = 0;
  private readonly output: Record<string, unknown>[] = [];
  private open: { kind: 'text'; index: number; id: string; text: string } | { kind: 'call'; index: number; id: string; call: ToolCall } | null = null;
  private readonly callsSeen = new Map<number, number>();

  constructor(private readonly meta: ResponseMeta, private readonly tools: ClientTools) {}

  private frame(type: string, data: Record<string, unknown>): string {
    return `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: this.seq++, ...data })}\n\n`;
  }

  start(): string {
    const r = responseObject(this.meta, { status: 'in_progress', output: [], usage: null });
    return this.frame('response.created', { response: r }) + this.frame('response.in_progress', { response: r });
  }

  write(ev: StreamEvent): string {
    if (ev.type === 'text') {
      if (ev.text === '') {
        return '';
      }
      let out = '';
      if (this.open?.kind !== 'text') {
        out += this.close();
        const index = this.output.length;
        const id = `msg_${this.meta.id.slice(5)}_${index}`;
        this.open = { kind: 'text', index, id, text: '' };
        this.output.push(messageItem(id, '', 'in_progress'));
        out += this.frame('response.output_item.added', { output_index: index, item: messageItem(id, '', 'in_progress') });
        out += this.frame('response.content_part.added', { item_id: id, output_index: index, content_index: 0, part: textPart('') });
      }
      const o = this.open as { kind: 'text'; index: number; id: string; text: string };
      o.text += ev.text;
      return out + this.frame('response.output_text.delta', { item_id: o.id, output_index: o.index, content_index: 0, delta: ev.text, logprobs: [] });
    }
    if (ev.type === 'tool_call_delta') {
      let out = '';
      const known = this.callsSeen.get(ev.index);
      if (known === undefined) {
        out += this.close();
        const index = this.output.length;
        const id = `fc_${this.meta.id.slice(5)}_${index}`;
        const call: ToolCall = { id: ev.id ?? `call_${this.meta.id.slice(5)}_${ev.index}`, type: 'function', function: { name: ev.name ?? '', arguments: '' } };
        this.callsSeen.set(ev.index, index);
        this.open = { kind: 'call', index, id, call };
        const item = callItem(call, this.tools, id, 'in_progress');
        this.output.push(item);
        const empty = item.type === 'custom_tool_call' ? { input: '' } : item.type === 'function_call' ? { arguments: '' } : { arguments: {} };
        out += this.frame('response.output_item.added', { output_index: index, item: { ...item, ...empty } });
      } else if (this.open?.kind !== 'call' || this.open.index !== known) {
        // A late piece of a call already closed (no adapter interleaves parallel calls today): its
        // events are out, so response.completed carries the settled calls (see end).
        return out;
      }
      const o = this.open as { kind: 'call'; index: number; id: string; call: ToolCall };
      if (ev.name !== undefined && known !== undefined) {
        o.call.function.name += ev.name;
      }
      if (ev.arguments !== undefined && ev.arguments !== '') {
        o.call.function.arguments += ev.arguments;
        // A custom tool's input is the `input` string inside the JSON, and a tool search's arguments
        // are an object: both are sent whole when the call closes.
        const kind = this.tools.of(o.call.function.name)?.kind;
        if (kind !== 'custom' && kind !== 'toolSearch') {
          out += this.frame('response.function_call_arguments.delta', { item_id: o.id, output_index: o.index, delta: ev.arguments });
        }
      }
      return out;
    }
    return '';
  }

  /** Closes the last item and ends with response.completed / response.incomplete carrying usage. */
  end(result: ChatResult, extra: Record<string, unknown> = {}): string {
    const out = this.close();
    // The settled result is authoritative for each call's arguments.
    for (const [i, item] of this.output.entries()) {
      const settled = result.toolCalls.find((c) => c.id === item.call_id);
      if (settled) {
        this.output[i] = callItem(settled, this.tools, String(item.id), 'completed');
      }
    }
    const status = statusOf(result.finishReason);
    const response = { ...responseObject(this.meta, { status, output: this.output, usage: result.usage, finish: result.finishReason }), ...extra };
    return out + this.frame(status === 'completed' ? 'response.completed' : 'response.incomplete', { response });
  }

  /** A failure after the stream started: response.failed names the error (clients raise it). */
  fail(code: string, message: string): string {
    const out = this.close();
    const response = responseObject(this.meta, { status: 'failed', output: this.output, usage: null, error: { code, message } });
    return out + this.frame('response.failed', { response });
  }

  private close(): string {
    const o = this.open;
    if (o === null) {
      return '';
    }
    this.open = null;
    if (o.kind === 'text') {
      const item = messageItem(o.id, o.text, 'completed');
      this.output[o.index] = item;
      return (
        this.frame('response.output_text.done', { item_id: o.id, output_index: o.index, content_index: 0, text: o.text, logprobs: [] }) +
        this.frame('response.content_part.done', { item_id: o.id, output_index: o.index, content_index: 0, part: textPart(o.text) }) +
        this.frame('response.output_item.done', { output_index: o.index, item })
      );
    }
    const item = callItem(o.call, this.tools, o.id, 'completed');
    this.output[o.index] = item;
    const done = item.type === 'custom_tool_call'
      ? this.frame('response.custom_tool_call_input.delta', { item_id: o.id, output_index: o.index, delta: item.input }) +
        this.frame('response.custom_tool_call_input.done', { item_id: o.id, output_index: o.index, input: item.input })
      : item.type === 'function_call'
        ? this.frame('response.function_call_arguments.done', { item_id: o.id, output_index: o.index, name: item.name, arguments: o.call.function.arguments })
        : '';
    return done + this.frame('response.output_item.done', { output_index: o.index, item });
  }
}
