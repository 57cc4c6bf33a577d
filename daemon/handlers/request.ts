// Splits a chat-shaped params object into the provider-neutral ChatRequest.
import type { ChatRequest, GenerationParams, ChatMessage } from '../protocol/chat';
import type { ClientContext } from '../protocol/routing';

export function toChatRequest(p: GenerationParams & { messages: ChatMessage[] }): ChatRequest {
  const r: ChatRequest = { messages: p.messages };
  if (p.max_tokens !== undefined) {
    r.max_tokens = p.max_tokens;
  }
  if (p.temperature !== undefined) {
    r.temperature = p.temperature;
  }
  if (p.top_p !== undefined) {
    r.top_p = p.top_p;
  }
  if (p.stop !== undefined) {
    r.stop = p.stop;
  }
  if (p.tools !== undefined) {
    r.tools = p.tools;
  }
  if (p.tool_choice !== undefined) {
    r.tool_choice = p.tool_choice;
  }
  if (p.response_format !== undefined) {
    r.response_format = p.response_format;
  }
  if (p.reasoning_effort !== undefined) {
    r.reasoning_effort = p.reasoning_effort;
  }
  return r;
}

/** The caller's own context fields win over what its session said at hello. */
export function mergeContext(session: ClientContext, own: ClientContext | undefined): ClientContext {
  return own ? { ...session, ...own, kind: own.kind } : session;
}
