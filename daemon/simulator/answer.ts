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

/** The answer the simulated `model` gives: derived only from the model and the conversation. */
export function answerFor(input: AnswerInput): SimulatedAnswer {
  const prompt = promptTokens(input.messages);
  const last = input.messages[input.messages.length - 1];
  const tools = input.tools ?? [];
  const wantsTool = tools.length > 0 && input.toolChoice !== 'none' && last !== undefined && last.role === 'user';
  if (wantsTool) {
    const forced = input.toolChoice && !['auto', 'required'].includes(input.toolChoice) ? input.toolChoice : undefined;
    const tool = tools.find((t) => t.function.name === forced) ?? tools[0];
    if (tool) {
      const args = JSON.stringify({ query: messageText(last).slice(0, ECHO_CHARS) });
      const id = `call_${simpleHash(`${input.model}|${args}`)}`;
      return { text: '', toolCalls: [{ id, name: tool.function.name, arguments: args }], finishReason: 'tool_calls', promptTokens: prompt, completionTokens: countTokens(tool.function.name + args) };
    }
  }
  const lastText = last ? messageText(last) : '';
  const subject = last?.role === 'tool' ? `the tool said ${lastText}` : lastText;
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
