// Canonical (OpenAI-shaped) request → Anthropic Messages request.
// Decisions where the formats differ (each documented in the adapter's README section of the note):
// - system and developer messages, wherever they appear, become the top-level `system` text;
// - consecutive messages of one role are merged (Anthropic requires alternation), tool results
//   become `tool_result` blocks in a user turn;
// - `max_tokens` is required by Anthropic: absent, we send DEFAULT_MAX_TOKENS;
// - JSON mode has no native switch: `json_object`/`json_schema` add an explicit instruction
//   (with the schema) to the system prompt — best effort, the answer is not validated;
// - what has no equivalent (temperature above 1, `name` on messages, images outside user turns)
//   is an `unsupportedFeature` error naming it, never dropped silently;
// - Anthropic caches only prefixes marked with `cache_control`; a later turn of a conversation
//   (the request holds an assistant message) marks the system prompt and its last message, so the
//   next turn reads this one's prefix at the cached rate, as the other providers do on their own.
//   A single-turn request is not marked: writing the cache costs 25% more than plain input.
import type { ChatMessage, ChatRequest, ContentPart, ToolDefinition } from '../../protocol/chat';
import type { ReasoningSetting } from '../adapter';
import { RouterError } from '../../protocol/errors';
import { isHttpUrl, parseDataUrl } from '../dataUrl';

export const DEFAULT_MAX_TOKENS = 4096;

type Block = Record<string, unknown>;
interface Turn {
  role: 'user' | 'assistant';
  content: Block[];
}

function unsupported(what: string): RouterError {
  return new RouterError('unsupportedFeature', `Anthropic cannot take ${what}`, { provider: 'anthropic', feature: what });
}

function textOf(content: ChatMessage['content'], where: string): string {
  if (typeof content === 'string') {
    return content;
  }
  if (!content) {
    return '';
  }
  return content
    .map((p) => {
      if (p.type !== 'text') {
        throw unsupported(`an image in a ${where} message`);
      }
      return p.text;
    })
    .join('\n');
}

function imageBlock(part: Extract<ContentPart, { type: 'image_url' }>): Block {
  const inline = parseDataUrl(part.image_url.url);
  if (inline) {
    return { type: 'image', source: { type: 'base64', media_type: inline.mediaType, data: inline.base64 } };
  }
  if (isHttpUrl(part.image_url.url)) {
    return { type: 'image', source: { type: 'url', url: part.image_url.url } };
  }
  throw unsupported('an image URL that is neither a base64 data: URL nor http(s)');
}

function userBlocks(content: ChatMessage['content']): Block[] {
  if (typeof content === 'string') {
    return content === '' ? [] : [{ type: 'text', text: content }];
  }
  return (content ?? []).map((p) => (p.type === 'text' ? { type: 'text', text: p.text } : imageBlock(p)));
}

function parseArguments(args: string, name: string): unknown {
  if (args.trim() === '') {
    return {};
  }
  try {
    return JSON.parse(args);
  } catch {
    throw new RouterError('invalidRequest', `tool call "${name}" has arguments that are not valid JSON`);
  }
}

function toolBlock(t: ToolDefinition): Block {
  const b: Block = { name: t.function.name, input_schema: t.function.parameters ?? { type: 'object', properties: {} } };
  if (t.function.description !== undefined) {
    b.description = t.function.description;
  }
  return b;
}

function toolChoice(choice: ChatRequest['tool_choice']): Block | undefined {
  if (choice === undefined) {
    return undefined;
  }
  if (choice === 'auto') {
    return { type: 'auto' };
  }
  if (choice === 'required') {
    return { type: 'any' };
  }
  if (choice === 'none') {
    return { type: 'none' };
  }
  return { type: 'tool', name: choice.function.name };
}

function jsonInstruction(format: ChatRequest['response_format']): string | null {
  if (!format || format.type === 'text') {
    return null;
  }
  if (format.type === 'json_object') {
    return 'Answer with a single valid JSON object and nothing else: no prose, no code fences.';
  }
  const schema = format.json_schema.schema ?? format.json_schema;
  return `Answer with a single valid JSON value that conforms to this JSON Schema, and nothing else (no prose, no code fences):\n${JSON.stringify(schema)}`;
}

export interface AnthropicBody {
  system?: string | Block[];
  messages: Turn[];
  [key: string]: unknown;
}

export function toAnthropicBody(request: ChatRequest, apiModel: string, stream: boolean): AnthropicBody {
  const system: string[] = [];
  const turns: Turn[] = [];
  const push = (role: Turn['role'], blocks: Block[]): void => {
    const last = turns[turns.length - 1];
    if (last && last.role === role) {
      last.content.push(...blocks);
    } else {
      turns.push({ role, content: blocks });
    }
  };

  for (const m of request.messages) {
    if (m.name !== undefined && m.role !== 'tool') {
      throw unsupported('a `name` on a message');
    }
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push(textOf(m.content, m.role));
        break;
      case 'user':
        push('user', userBlocks(m.content));
        break;
      case 'assistant': {
        const blocks: Block[] = [];
        const text = textOf(m.content, 'assistant');
        if (text !== '') {
          blocks.push({ type: 'text', text });
        }
        for (const call of m.tool_calls ?? []) {
          blocks.push({ type: 'tool_use', id: call.id, name: call.function.name, input: parseArguments(call.function.arguments, call.function.name) });
        }
        push('assistant', blocks);
        break;
      }
      case 'tool': {
        if (!m.tool_call_id) {
          throw new RouterError('invalidRequest', 'a tool message needs tool_call_id');
        }
        push('user', [{ type: 'tool_result', tool_use_id: m.tool_call_id, content: textOf(m.content, 'tool') }]);
        break;
      }
    }
  }
  if (turns.length === 0) {
    throw new RouterError('invalidRequest', 'Anthropic needs at least one user or assistant message besides the system prompt');
  }
  const json = jsonInstruction(request.response_format);
  if (json !== null) {
    system.push(json);
  }
  if (request.temperature !== undefined && request.temperature > 1) {
    throw unsupported(`temperature ${request.temperature} (its range is 0 to 1)`);
  }

  const body: AnthropicBody = { model: apiModel, max_tokens: request.max_tokens ?? DEFAULT_MAX_TOKENS, messages: turns };
  const laterTurn = turns.some((t) => t.role === 'assistant');
  if (system.length > 0) {
    body.system = laterTurn ? [{ type: 'text', text: system.join('\n\n'), cache_control: { type: 'ephemeral' } }] : system.join('\n\n');
  }
  const lastBlock = turns[turns.length - 1]?.content.at(-1);
  if (laterTurn && lastBlock) {
    lastBlock.cache_control = { type: 'ephemeral' };
  }
  if (request.temperature !== undefined) {
    body.temperature = request.temperature;
  }
  if (request.top_p !== undefined) {
    body.top_p = request.top_p;
  }
  if (request.stop !== undefined) {
    body.stop_sequences = typeof request.stop === 'string' ? [request.stop] : request.stop;
  }
  if (request.tools && request.tools.length > 0) {
    body.tools = request.tools.map(toolBlock);
  }
  const choice = toolChoice(request.tool_choice);
  if (choice !== undefined && body.tools !== undefined) {
    body.tool_choice = choice;
  }
  if (stream) {
    body.stream = true;
  }
  return body;
}

/**
 * Extended thinking for the budget routing chose. Anthropic requires max_tokens above the budget
 * (the answer still needs room) and allows no temperature or top_p with thinking on.
 */
export function withThinking(body: AnthropicBody, reasoning: ReasoningSetting | undefined): AnthropicBody & { thinking?: { type: 'enabled'; budget_tokens: number } } {
  if (reasoning?.control !== 'budget' || reasoning.effort === 'none' || !reasoning.budgetTokens) {
    return body;
  }
  const budget = Math.max(1024, reasoning.budgetTokens);
  const { temperature: _t, top_p: _p, ...rest } = body;
  return { ...rest, max_tokens: Math.max(typeof body.max_tokens === 'number' ? body.max_tokens : 0, budget + 1024), thinking: { type: 'enabled', budget_tokens: budget } };
}
