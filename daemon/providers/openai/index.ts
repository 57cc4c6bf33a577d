// The OpenAI chat-completions adapter. OpenAI-compatible providers (groq, deepseek, mistral, …)
// reuse it with their own base URL (see ../registry.ts).
import type { ProviderAdapter } from '../adapter';
import { classifyErrorBody } from './errors';
import { buildRequest } from './request';
import { parseResponse } from './response';
import { createStreamParser } from './stream';

export function openAiCompatible(id: string, defaultBaseUrl: string): ProviderAdapter {
  return {
    id,
    defaultBaseUrl,
    buildRequest,
    parseResponse,
    createStreamParser,
    classifyError: classifyErrorBody,
  };
}

export const openAiAdapter = openAiCompatible('openai', 'https://api.openai.com/v1');
