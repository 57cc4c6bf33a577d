// VS Code's language-model messages → the daemon's chat messages (OpenAI's shape), and VS Code's
// tools → tool definitions. VS Code parts are recognised by shape, not by class, so this module
// has no `vscode` import and is unit-tested with node:test.
import type { ChatMessage, ContentPart, ToolCall, ToolDefinition } from '../../daemon/protocol';

/** LanguageModelChatMessageRole: User = 1, Assistant = 2, System = 3 (the last is proposed API). */
export const Role = { user: 1, assistant: 2, system: 3 } as const;

export interface LmMessageLike {
  role: number;
  content: readonly unknown[];
  name?: string | undefined;
}

export interface LmToolLike {
  name: string;
  description: string;
  inputSchema?: object | undefined;
}

type TextLike = { value: string };
type ToolCallLike = { callId: string; name: string; input: object };
type ToolResultLike = { callId: string; content: readonly unknown[] };
type DataLike = { mimeType: string; data: Uint8Array };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
export const isTextPart = (p: unknown): p is TextLike => isObject(p) && typeof p.value === 'string' && !('callId' in p);
export const isToolCallPart = (p: unknown): p is ToolCallLike => isObject(p) && typeof p.callId === 'string' && typeof p.name === 'string' && isObject(p.input);
export const isToolResultPart = (p: unknown): p is ToolResultLike => isObject(p) && typeof p.callId === 'string' && Array.isArray(p.content) && !('name' in p);
export const isDataPart = (p: unknown): p is DataLike => isObject(p) && typeof p.mimeType === 'string' && p.data instanceof Uint8Array;

/** The text a tool result carries (text parts; JSON data parts as text; other data named, not sent). */
export function toolResultText(content: readonly unknown[]): string {
  const pieces: string[] = [];
  for (const c of content) {
    if (isTextPart(c)) {
      pieces.push(c.value);
    } else if (isDataPart(c)) {
      pieces.push(c.mimeType.startsWith('text/') || c.mimeType.includes('json') ? new TextDecoder().decode(c.data) : `[${c.mimeType} data, ${c.data.byteLength} bytes]`);
    } else if (isObject(c) && 'value' in c) {
      // LanguageModelPromptTsxPart: its value is a serialisable tree.
      pieces.push(JSON.stringify(c.value));
    }
  }
  return pieces.join('\n');
}

function dataUrl(part: DataLike): string {
  return `data:${part.mimeType};base64,${Buffer.from(part.data).toString('base64')}`;
}

/**
 * One VS Code message may become several chat messages: tool results become `tool` messages
 * (which must directly follow the assistant's tool calls), then the message's own text and images.
 */
export function toChatMessages(messages: readonly LmMessageLike[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const m of messages) {
    const role = m.role === Role.assistant ? 'assistant' : m.role === Role.system ? 'system' : 'user';
    const parts: ContentPart[] = [];
    const toolCalls: ToolCall[] = [];
    for (const p of m.content) {
      if (isToolResultPart(p)) {
        out.push({ role: 'tool', tool_call_id: p.callId, content: toolResultText(p.content) });
      } else if (isToolCallPart(p)) {
        toolCalls.push({ id: p.callId, type: 'function', function: { name: p.name, arguments: JSON.stringify(p.input) } });
      } else if (isTextPart(p)) {
        if (p.value !== '') {
          parts.push({ type: 'text', text: p.value });
        }
      } else if (isDataPart(p) && p.mimeType.startsWith('image/')) {
        parts.push({ type: 'image_url', image_url: { url: dataUrl(p) } });
      }
      // Other parts (thinking, cache-control data) carry nothing the providers take as input.
    }
    const text = parts.every((p) => p.type === 'text') ? parts.map((p) => (p as { text: string }).text).join('') : null;
    if (role === 'assistant' && toolCalls.length > 0) {
      out.push({ role, content: text === '' ? null : (text ?? parts), tool_calls: toolCalls });
    } else if (parts.length > 0) {
      const msg: ChatMessage = { role, content: text ?? parts };
      if (m.name) {
        msg.name = m.name;
      }
      out.push(msg);
    }
  }
  return out;
}

export function toToolDefinitions(tools: readonly LmToolLike[] | undefined): ToolDefinition[] | undefined {
  if (!tools || tools.length === 0) {
    return undefined;
  }
  return tools.map((t) => ({
    type: 'function',
    function: { name: t.name, description: t.description, parameters: (t.inputSchema as Record<string, unknown> | undefined) ?? { type: 'object', properties: {} } },
  }));
}

/** A tool call's arguments as the object VS Code's LanguageModelToolCallPart wants. */
export function toolCallInput(args: string): object {
  if (args.trim() === '') {
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(args);
    return isObject(parsed) && !Array.isArray(parsed) ? parsed : { value: parsed };
  } catch {
    // A model that emitted broken JSON: pass the raw text so the tool (or user) sees it.
    return { raw: args };
  }
}

/** The text VS Code asks to count: a string, or a message's text and tool traffic. */
export function countableText(input: string | LmMessageLike): string {
  if (typeof input === 'string') {
    return input;
  }
  return input.content
    .map((p) => (isToolResultPart(p) ? toolResultText(p.content) : isToolCallPart(p) ? `${p.name} ${JSON.stringify(p.input)}` : isTextPart(p) ? p.value : ''))
    .join('\n');
}
