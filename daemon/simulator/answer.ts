// Deterministic answers and token counts, so tests can assert on exactly what a model "said"
// and what it cost. Nothing here knows about any provider's wire format.
import type { ChatMessage, ToolDefinition } from '../protocol/chat';

/** The simulator's tokenizer: about four characters per token, never zero for non-empty text. */
export function countTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function messageText(m: Pick<ChatMessage, 'content'>): string {
  if (typeof m.content === 'string') {
    return m.content;
  }
  if (!m.content) {
    return '';
  }
  return m.content.map((p) => (p.type === 'text' ? p.text : '[image]')).join('\n');
}

/** Prompt tokens: every message's text plus a small per-message overhead, as real chat formats have. */
export function promptTokens(messages: readonly Pick<ChatMessage, 'content'>[]): number {
  let total = 0;
  for (const m of messages) {
    total += countTokens(messageText(m)) + 4;
  }
  return total;
}

export interface SimulatedToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface SimulatedAnswer {
  text: string;
  toolCalls: SimulatedToolCall[];
  finishReason: 'stop' | 'length' | 'tool_calls';
  promptTokens: number;
  completionTokens: number;
  /** Of promptTokens, served from the simulated prompt cache (PromptCache; 0 unless a format sets it). */
  cachedTokens?: number;
}

export interface AnswerInput {
  model: string;
  messages: readonly Pick<ChatMessage, 'role' | 'content'>[];
  tools?: readonly ToolDefinition[] | undefined;
  /** 'none' | 'auto' | 'required' or the name of a forced function. */
  toolChoice?: string | undefined;
  maxTokens?: number | undefined;
}

const ECHO_CHARS = 200;

/**
 * `[sim-tool:NAME]` or `[sim-tool:NAME {"json":"arguments"}]` in the user's prompt asks for a call
 * of the offered tool NAME with exactly those arguments (`{}` when none are given). Agents (Claude
 * Code, Codex CLI) validate arguments against the tool's schema, so tests name real ones.
 */
const TOOL_DIRECTIVE = /\[sim-tool:([A-Za-z0-9_.-]+)(?:\s+(\{[\s\S]*?\}))?\]/;

function directiveOf(text: string): { name: string; arguments: string } | null {
  const m = TOOL_DIRECTIVE.exec(text);
  if (!m?.[1]) {
    return null;
  }
  const raw = m[2] ?? '{}';
  try {
    return { name: m[1], arguments: JSON.stringify(JSON.parse(raw)) };
  } catch {
    return null;
  }
}

/**
 * The answer the simulated `model` gives: derived only from the model and the conversation.
 * - Instructions (system/developer messages) are context, wherever they sit: the turn is judged by
 *   the last user, assistant or tool message.
 * - With tools offered (and tool_choice not `none`), a user turn that has no tool result yet is
 *   answered with one tool call: the one a `[sim-tool:…]` directive names, else the forced tool,
 *   else the first tool with `{"query": <prompt>}`.
 * - Once the turn holds a tool result (a `tool` message after the last assistant message), the
 *   answer is text: "the tool said …", so an agent's call → result → answer loop ends.
 */
export function answerFor(input: AnswerInput): SimulatedAnswer {
  const prompt = promptTokens(input.messages);
  const turnMessages = input.messages.filter((m) => m.role !== 'system' && m.role !== 'developer');
  const last = turnMessages[turnMessages.length - 1];
  const lastAssistant = turnMessages.map((m) => m.role).lastIndexOf('assistant');
  const toolResult = turnMessages.slice(lastAssistant + 1).filter((m) => m.role === 'tool').pop();
  const tools = input.tools ?? [];
  const wantsTool = tools.length > 0 && input.toolChoice !== 'none' && last !== undefined && last.role === 'user' && toolResult === undefined;
  if (wantsTool) {
    const directive = directiveOf(messageText(last));
    const forced = input.toolChoice && !['auto', 'required'].includes(input.toolChoice) ? input.toolChoice : undefined;
    const named = directive && (forced === undefined || forced === directive.name) ? tools.find((t) => t.function.name === directive.name) : undefined;
    const tool = named ?? tools.find((t) => t.function.name === forced) ?? tools[0];
    if (tool) {
      const args = named && directive ? directive.arguments : JSON.stringify({ query: messageText(last).slice(0, ECHO_CHARS) });
      const id = `call_${simpleHash(`${input.model}|${tool.function.name}|${args}`)}`;
      return { text: '', toolCalls: [{ id, name: tool.function.name, arguments: args }], finishReason: 'tool_calls', promptTokens: prompt, completionTokens: countTokens(tool.function.name + args) };
    }
  }
  const subject = toolResult !== undefined ? `the tool said ${messageText(toolResult)}` : last ? messageText(last) : '';
  let text = `Simulated answer from ${input.model}: ${subject.slice(0, ECHO_CHARS)}`;
  let finishReason: SimulatedAnswer['finishReason'] = 'stop';
  if (input.maxTokens !== undefined && countTokens(text) > input.maxTokens) {
    text = text.slice(0, input.maxTokens * 4);
    finishReason = 'length';
  }
  return { text, toolCalls: [], finishReason, promptTokens: prompt, completionTokens: countTokens(text) };
}

/** Splits text into stream pieces of about one token each (word boundaries kept). */
export function streamPieces(text: string): string[] {
  const words = text.match(/\s*\S+/g) ?? [];
  const pieces: string[] = [];
  for (const w of words) {
    for (let i = 0; i < w.length; i += 4) {
      pieces.push(w.slice(i, i + 4));
    }
  }
  return pieces;
}

function simpleHash(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** Providers cache prompts of at least this many tokens (OpenAI's documented minimum). */
export const CACHE_MIN_TOKENS = 1024;
const CACHE_ENTRIES = 20_000;

/**
 * The simulator's prompt cache, as providers with automatic caching behave (OpenAI, Gemini): a
 * request whose leading messages repeat an earlier request's messages of the same model — the
 * earlier turns of a conversation — has that prefix served from cache, reported as cached input
 * tokens, when it is at least 1024 tokens long (counted in 128-token steps). Only proper prefixes
 * count: the same prompt sent again is not a conversation. Bounded: the oldest entries go first.
 */
export class PromptCache {
  private readonly seen = new Set<string>();

  /** Cached tokens for this request, then remembers its prefixes for later ones. */
  take(model: string, messages: readonly Pick<ChatMessage, 'role' | 'content'>[]): number {
    const hashes: string[] = [];
    let h = simpleHash(model);
    for (const m of messages) {
      h = simpleHash(`${h}|${m.role}|${messageText(m)}`);
      hashes.push(h);
    }
    let cached = 0;
    for (let k = messages.length - 1; k >= 1; k--) {
      if (this.seen.has(hashes[k - 1] as string)) {
        const tokens = promptTokens(messages.slice(0, k));
        cached = tokens >= CACHE_MIN_TOKENS ? tokens - (tokens % 128) : 0;
        break;
      }
    }
    for (const x of hashes) {
      this.seen.delete(x);
      this.seen.add(x);
    }
    while (this.seen.size > CACHE_ENTRIES) {
      const oldest = this.seen.values().next().value;
      if (oldest === undefined) {
        break;
      }
      this.seen.delete(oldest);
    }
    return cached;
  }
}
