// The Anthropic Messages adapter: data (base URL, headers) plus the pure transforms beside it.
import type { ProviderAdapter, ProviderFailure } from '../adapter';
import { classifyHttpFailure, type HeaderBag } from '../resilience/classify';
import { toAnthropicBody, withThinking } from './request';
import { AnthropicStreamParser, parseAnthropicResponse } from './response';
import { AnthropicErrorBody } from './wire';

export const ANTHROPIC_VERSION = '2023-06-01';

export function classifyAnthropicError(status: number, headers: HeaderBag, body: string): ProviderFailure {
  let hints: { type?: string; message: string } = { message: body.slice(0, 300) };
  try {
    const parsed = AnthropicErrorBody.safeParse(JSON.parse(body));
    if (parsed.success) {
      hints = { type: parsed.data.error.type, message: parsed.data.error.message };
    }
  } catch {
    // Not JSON (a proxy's HTML page, say): the status decides alone.
  }
  return classifyHttpFailure('anthropic', status, headers, hints);
}

export const anthropicAdapter: ProviderAdapter = {
  id: 'anthropic',
  defaultBaseUrl: 'https://api.anthropic.com/v1',
  buildRequest(request, options) {
    return {
      method: 'POST',
      url: `${options.baseUrl.replace(/\/+$/, '')}/messages`,
      headers: {
        'content-type': 'application/json',
        accept: options.stream ? 'text/event-stream' : 'application/json',
        'x-api-key': options.apiKey,
        'anthropic-version': ANTHROPIC_VERSION,
      },
      body: JSON.stringify(withThinking(toAnthropicBody(request, options.apiModel, options.stream), options.reasoning)),
    };
  },
  parseResponse: parseAnthropicResponse,
  createStreamParser: () => new AnthropicStreamParser(),
  classifyError: classifyAnthropicError,
};
