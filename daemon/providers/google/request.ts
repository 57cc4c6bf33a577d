// Canonical (OpenAI-shaped) request → Gemini generateContent request.
// Where the formats differ: system/developer messages become `systemInstruction`; assistant turns
// are role "model"; tool results become `functionResponse` parts (Gemini names the function, not
// the call id, so the name is looked up from the assistant's earlier tool call); JSON mode maps
// to `responseMimeType: application/json` (+ `responseJsonSchema` for a schema). Images must be
// inline (`data:` URLs) or Gemini Files API URIs; other URLs are an unsupportedFeature error.
import type { ChatMessage, ChatRequest, ContentPart } from '../../protocol/chat';
import type { ReasoningSetting } from '../adapter';
import { RouterError } from '../../protocol/errors';
import { parseDataUrl } from '../dataUrl';

type Part = Record<string, unknown>;
interface Content {
  role: 'user' | 'model';
  parts: Part[];
}

const MAX_STOP_SEQUENCES = 5;
const FILES_API = /^https:\/\/generativelanguage\.googleapis\.com\/v1beta\/files\//;

function unsupported(what: string): RouterError {
  return new RouterError('unsupportedFeature', `Gemini cannot take ${what}`, { provider: 'google', feature: what });
}

function imagePart(part: Extract<ContentPart, { type: 'image_url' }>): Part {
  const inline = parseDataUrl(part.image_url.url);
  if (inline) {
    return { inlineData: { mimeType: inline.mediaType, data: inline.base64 } };
  }
  if (FILES_API.test(part.image_url.url)) {
    return { fileData: { fileUri: part.image_url.url } };
  }
  throw unsupported('an image by URL (send it as a base64 data: URL or a Files API URI)');
}

function parts(content: ChatMessage['content'], allowImages: boolean, where: string): Part[] {
  if (typeof content === 'string') {
    return content === '' ? [] : [{ text: content }];
  }
  return (content ?? []).map((p) => {
    if (p.type === 'text') {
      return { text: p.text };
    }
    if (!allowImages) {
      throw unsupported(`an image in a ${where} message`);
    }
    return imagePart(p);
  });
}

function textOf(content: ChatMessage['content'], where: string): string {
  return parts(content, false, where).map((p) => String(p.text)).join('\n');
}

function parseArgs(args: string, name: string): Record<string, unknown> {
  if (args.trim() === '') {
    return {};
  }
  try {
    const v: unknown = JSON.parse(args);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      return v as Record<string, unknown>;
    }
  } catch {
    // fall through
  }
  throw new RouterError('invalidRequest', `tool call "${name}" has arguments that are not a JSON object`);
}

/** Gemini wants an object as a function's response: JSON objects pass through, anything else is wrapped. */
function functionResponse(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      return v as Record<string, unknown>;
    }
  } catch {
    // plain text result
  }
  return { content: text };
}

/**
 * Gemini 3 refuses a function call of the current turn without its thoughtSignature, an opaque
 * token only its own earlier answer carried; canonical messages do not keep it (the history may
 * come from another model or an OpenAI-format client). Google documents this value for a call
 * whose signature is not at hand: it skips the check.
 */
export const UNKNOWN_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';

/** Whether `apiModel` checks thought signatures on function calls (the Gemini 3 family). */
export function checksThoughtSignatures(apiModel: string): boolean {
  return apiModel.startsWith('gemini-3');
}

export function toGeminiBody(request: ChatRequest, apiModel = ''): Record<string, unknown> {
  const signCalls = checksThoughtSignatures(apiModel);
  const system: string[] = [];
  const contents: Content[] = [];
  const callNames = new Map<string, string>();
  const push = (role: Content['role'], ps: Part[]): void => {
    const last = contents[contents.length - 1];
    if (last && last.role === role) {
      last.parts.push(...ps);
    } else {
      contents.push({ role, parts: ps });
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
        push('user', parts(m.content, true, 'user'));
        break;
      case 'assistant': {
        const ps = parts(m.content, false, 'assistant');
        for (const [i, call] of (m.tool_calls ?? []).entries()) {
          callNames.set(call.id, call.function.name);
          const part: Part = { functionCall: { name: call.function.name, args: parseArgs(call.function.arguments, call.function.name) } };
          // Gemini signs the first call of a turn's parallel calls only.
          if (signCalls && i === 0) {
            part.thoughtSignature = UNKNOWN_THOUGHT_SIGNATURE;
          }
          ps.push(part);
        }
        push('model', ps);
        break;
      }
      case 'tool': {
        const name = m.name ?? (m.tool_call_id !== undefined ? callNames.get(m.tool_call_id) : undefined);
        if (name === undefined) {
          throw new RouterError('invalidRequest', 'a tool message must answer an earlier assistant tool call (tool_call_id not found)');
        }
        push('user', [{ functionResponse: { name, response: functionResponse(textOf(m.content, 'tool')) } }]);
        break;
      }
    }
  }
  if (contents.length === 0) {
    throw new RouterError('invalidRequest', 'Gemini needs at least one user or assistant message besides the system prompt');
  }

  const generationConfig: Record<string, unknown> = {};
  if (request.temperature !== undefined) {
    generationConfig.temperature = request.temperature;
  }
  if (request.top_p !== undefined) {
    generationConfig.topP = request.top_p;
  }
  if (request.max_tokens !== undefined) {
    generationConfig.maxOutputTokens = request.max_tokens;
  }
  if (request.stop !== undefined) {
    const stops = typeof request.stop === 'string' ? [request.stop] : request.stop;
    if (stops.length > MAX_STOP_SEQUENCES) {
      throw unsupported(`${stops.length} stop sequences (at most ${MAX_STOP_SEQUENCES})`);
    }
    generationConfig.stopSequences = stops;
  }
  const format = request.response_format;
  if (format && format.type !== 'text') {
    generationConfig.responseMimeType = 'application/json';
    if (format.type === 'json_schema') {
      generationConfig.responseJsonSchema = format.json_schema.schema ?? format.json_schema;
    }
  }

  const body: Record<string, unknown> = { contents };
  if (system.length > 0) {
    body.systemInstruction = { parts: [{ text: system.join('\n\n') }] };
  }
  if (request.tools && request.tools.length > 0) {
    body.tools = [{
      functionDeclarations: request.tools.map((t) => {
        const d: Record<string, unknown> = { name: t.function.name };
        if (t.function.description !== undefined) {
          d.description = t.function.description;
        }
        if (t.function.parameters !== undefined) {
          d.parameters = t.function.parameters;
        }
        return d;
      }),
    }];
    const choice = request.tool_choice;
    if (choice !== undefined) {
      const config: Record<string, unknown> =
        choice === 'auto' ? { mode: 'AUTO' }
        : choice === 'none' ? { mode: 'NONE' }
        : choice === 'required' ? { mode: 'ANY' }
        : { mode: 'ANY', allowedFunctionNames: [choice.function.name] };
      body.toolConfig = { functionCallingConfig: config };
    }
  }
  if (Object.keys(generationConfig).length > 0) {
    body.generationConfig = generationConfig;
  }
  return body;
}

/** Gemini's thinking for the setting routing chose: a token budget (2.5) or a thinking level (3). */
export function withThinking(body: Record<string, unknown>, reasoning: ReasoningSetting | undefined): Record<string, unknown> {
  if (reasoning === undefined || (reasoning.control !== 'budget' && reasoning.control !== 'level')) {
    return body;
  }
  const thinkingConfig = reasoning.control === 'budget' ? { thinkingBudget: reasoning.budgetTokens ?? 0 } : { thinkingLevel: reasoning.effort };
  const generationConfig = { ...((body.generationConfig as Record<string, unknown> | undefined) ?? {}), thinkingConfig };
  return { ...body, generationConfig };
}
