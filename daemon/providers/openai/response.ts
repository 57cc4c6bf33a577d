// OpenAI chat-completions response → ChatResult, and the usage block → Usage.
import { z } from 'zod';
import { emptyUsage, type ChatResult, type FinishReason, type ToolCall, type Usage } from '../../protocol/chat';
import { ProviderError } from '../adapter';

export const WireUsage = z.looseObject({
  prompt_tokens: z.number().int().nonnegative().default(0),
  completion_tokens: z.number().int().nonnegative().default(0),
  prompt_tokens_details: z.looseObject({ cached_tokens: z.number().int().nonnegative().nullish() }).nullish(),
  completion_tokens_details: z.looseObject({ reasoning_tokens: z.number().int().nonnegative().nullish() }).nullish(),
});
export type WireUsage = z.infer<typeof WireUsage>;

const WireToolCall = z.looseObject({
  id: z.string(),
  type: z.literal('function').default('function'),
  function: z.looseObject({ name: z.string(), arguments: z.string().default('') }),
});

const WireResponse = z.looseObject({
  model: z.string().default(''),
  choices: z.array(
    z.looseObject({
      message: z.looseObject({
        content: z.string().nullish(),
        tool_calls: z.array(WireToolCall).nullish(),
      }),
      finish_reason: z.string().nullish(),
    }),
  ),
  usage: WireUsage.nullish(),
});

export function toUsage(u: WireUsage | null | undefined): Usage {
  if (!u) {
    return emptyUsage();
  }
  return {
    inputTokens: u.prompt_tokens,
    outputTokens: u.completion_tokens,
    cachedInputTokens: u.prompt_tokens_details?.cached_tokens ?? 0,
    cacheWriteTokens: 0,
    reasoningTokens: u.completion_tokens_details?.reasoning_tokens ?? 0,
  };
}

export function toFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'content_filter':
      return 'content_filter';
    default:
      return 'stop';
  }
}

export function malformed(what: string): ProviderError {
  // A garbled answer is usually a transient proxy or provider fault: worth another model.
  return new ProviderError({ code: 'providerError', retryable: true, message: `the provider sent ${what}` });
}

export function parseResponse(body: string): ChatResult {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw malformed('a response that is not JSON');
  }
  const parsed = WireResponse.safeParse(json);
  if (!parsed.success) {
    throw malformed('a response without choices');
  }
  const choice = parsed.data.choices[0];
  if (!choice) {
    throw malformed('a response with no choices');
  }
  const toolCalls: ToolCall[] = (choice.message.tool_calls ?? []).map((t) => ({ id: t.id, type: 'function', function: { name: t.function.name, arguments: t.function.arguments } }));
  return {
    text: choice.message.content ?? '',
    toolCalls,
    finishReason: toFinishReason(choice.finish_reason),
    usage: toUsage(parsed.data.usage),
    providerModel: parsed.data.model,
  };
}
