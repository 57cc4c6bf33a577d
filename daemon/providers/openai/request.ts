// ChatRequest → OpenAI chat-completions request. Reasoning models (o1, o3, o4-…) take
// `max_completion_tokens` and refuse a temperature.
import type { ChatRequest } from '../../protocol/chat';
import type { BuildOptions, HttpRequestSpec } from '../adapter';

const REASONING_MODEL = /^(o\d|gpt-5)/;

export function buildBody(request: ChatRequest, options: Pick<BuildOptions, 'apiModel' | 'stream' | 'reasoning'>): Record<string, unknown> {
  const reasoning = REASONING_MODEL.test(options.apiModel);
  const body: Record<string, unknown> = { model: options.apiModel, messages: request.messages };
  if (request.tools !== undefined) {
    body.tools = request.tools;
  }
  if (request.tool_choice !== undefined) {
    body.tool_choice = request.tool_choice;
  }
  if (request.response_format !== undefined) {
    body.response_format = request.response_format;
  }
  if (request.stop !== undefined) {
    body.stop = request.stop;
  }
  if (request.temperature !== undefined && !reasoning) {
    body.temperature = request.temperature;
  }
  if (request.top_p !== undefined && !reasoning) {
    body.top_p = request.top_p;
  }
  if (request.max_tokens !== undefined) {
    body[reasoning ? 'max_completion_tokens' : 'max_tokens'] = request.max_tokens;
  }
  // OpenAI, xAI and Groq take the effort by name; models that always think take nothing.
  if (options.reasoning?.control === 'effort') {
    body.reasoning_effort = options.reasoning.effort;
  }
  if (options.stream) {
    body.stream = true;
    // Without this OpenAI sends no usage on a stream, and the call could not be priced.
    body.stream_options = { include_usage: true };
  }
  return body;
}

export function buildRequest(request: ChatRequest, options: BuildOptions): HttpRequestSpec {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: options.stream ? 'text/event-stream' : 'application/json',
  };
  // Local servers (ollama, lmstudio) need no key.
  if (options.apiKey.length > 0) {
    headers.authorization = `Bearer ${options.apiKey}`;
  }
  return {
    method: 'POST',
    url: `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`,
    headers,
    body: JSON.stringify(buildBody(request, options)),
  };
}
