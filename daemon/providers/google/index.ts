// The Google Gemini adapter (generativelanguage v1beta): generateContent and
// streamGenerateContent?alt=sse, authenticated by the x-goog-api-key header (never the URL, so
// the key cannot leak into logs of URLs).
import type { ProviderAdapter, ProviderFailure } from '../adapter';
import { classifyHttpFailure, type HeaderBag } from '../resilience/classify';
import { toGeminiBody, withThinking } from './request';
import { GeminiStreamParser, parseGeminiResponse } from './response';
import { GeminiErrorBody } from './wire';

export function classifyGeminiError(status: number, headers: HeaderBag, body: string): ProviderFailure {
  let hints: { type?: string; message: string } = { message: body.slice(0, 300) };
  try {
    const parsed = GeminiErrorBody.safeParse(JSON.parse(body));
    if (parsed.success) {
      hints = { type: parsed.data.error.status, message: parsed.data.error.message };
    }
  } catch {
    // Not JSON: the status decides alone.
  }
  return classifyHttpFailure('google', status, headers, hints);
}

export const googleAdapter: ProviderAdapter = {
  id: 'google',
  defaultBaseUrl: 'https://generativelanguage.googleapis.com/v1beta',
  buildRequest(request, options) {
    const base = options.baseUrl.replace(/\/+$/, '');
    const model = encodeURIComponent(options.apiModel);
    return {
      method: 'POST',
      url: options.stream ? `${base}/models/${model}:streamGenerateContent?alt=sse` : `${base}/models/${model}:generateContent`,
      headers: {
        'content-type': 'application/json',
        accept: options.stream ? 'text/event-stream' : 'application/json',
        'x-goog-api-key': options.apiKey,
      },
      body: JSON.stringify(withThinking(toGeminiBody(request, options.apiModel), options.reasoning)),
    };
  },
  parseResponse: parseGeminiResponse,
  createStreamParser: () => new GeminiStreamParser(),
  classifyError: classifyGeminiError,
};
