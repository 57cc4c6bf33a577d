// The common shape of a chat completion body, checked by hand: `model`, text messages with a role,
// and the usual sampling fields. Nearly every request has this shape, and zod would copy every
// message of it on every request. A body the check accepts is returned as parsed (no copy), and is
// deep-equal to what `ChatCompletionsBody.parse` would return (messages with their keys in the
// same order); anything else, valid or not, returns null
// and goes to zod, which gives the clear error message. The check never decides an error itself.
import type { ChatCompletionsBody } from './chatCompletions';

const ROLES = new Set(['system', 'developer', 'user', 'assistant', 'tool']);
/** A message's fields the check handles, in the order of the ChatMessage schema. */
const MESSAGE_KEY_ORDER: Record<string, number> = { role: 0, content: 1, name: 2 };

/** Top-level fields of the schema this check does not validate (left to zod when present). */
const UNCHECKED = new Set(['stop', 'tools', 'tool_choice', 'response_format', 'reasoning_effort', 'routing']);

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const positiveInt = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
const between = (v: unknown, lo: number, hi: number): boolean => typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi;

/**
 * A text message exactly as zod would output it: only role, content (string or null) and name,
 * in that order (zod drops unknown keys and rebuilds the object in schema order).
 */
function isCommonMessage(m: unknown): boolean {
  if (!isPlainObject(m)) {
    return false;
  }
  let last = -1;
  for (const k in m) {
    const at = MESSAGE_KEY_ORDER[k];
    if (at === undefined || at <= last || !Object.prototype.hasOwnProperty.call(MESSAGE_KEY_ORDER, k)) {
      return false;
    }
    last = at;
  }
  const { role, content, name } = m;
  return typeof role === 'string' && ROLES.has(role) && (content === undefined || content === null || typeof content === 'string') && (name === undefined || typeof name === 'string');
}

/** The body when it has the common shape and is valid; null: let zod parse it. */
export function commonChatBody(json: unknown): ChatCompletionsBody | null {
  if (!isPlainObject(json) || Object.getPrototypeOf(json) !== Object.prototype) {
    return null;
  }
  for (const k in json) {
    // `__proto__` as an own key (JSON.parse makes one) is copied differently by zod.
    if (k === '__proto__' || UNCHECKED.has(k)) {
      return null;
    }
  }
  const { model, messages } = json;
  if (typeof model !== 'string' || model.length < 1 || model.length > 200) {
    return null;
  }
  if (!Array.isArray(messages) || messages.length < 1) {
    return null;
  }
  for (const m of messages) {
    if (!isCommonMessage(m)) {
      return null;
    }
  }
  const { max_tokens, temperature, top_p, stream, stream_options, max_completion_tokens, n, user } = json;
  if (max_tokens !== undefined && !positiveInt(max_tokens)) {
    return null;
  }
  if (temperature !== undefined && !between(temperature, 0, 2)) {
    return null;
  }
  if (top_p !== undefined && !between(top_p, 0, 1)) {
    return null;
  }
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') {
    return null;
  }
  if (stream_options !== undefined && stream_options !== null) {
    // A loose object: its other keys pass; only `include_usage` is checked, and zod copies it, so only plain ones.
    if (!isPlainObject(stream_options) || Object.keys(stream_options).some((k) => k !== 'include_usage')) {
      return null;
    }
    const u = stream_options.include_usage;
    if (u !== undefined && u !== null && typeof u !== 'boolean') {
      return null;
    }
  }
  if (max_completion_tokens !== undefined && max_completion_tokens !== null && !positiveInt(max_completion_tokens)) {
    return null;
  }
  if (n !== undefined && n !== null && !positiveInt(n)) {
    return null;
  }
  if (user !== undefined && user !== null && typeof user !== 'string') {
    return null;
  }
  return json as ChatCompletionsBody;
}
