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
  return commonResult(json) ?? zodResult(json);
}

/** The answer read with zod's WireResponse: every shape (tool calls, several choices, defaults). */
export function zodResult(json: unknown): ChatResult {
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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const nullishCount = (v: unknown): v is number | null | undefined => v === undefined || v === null || isCount(v);

/**
 * The common answer (one choice, text, no tool calls, usage with both counts) read by hand: zod
 * would copy the whole response on every call. Returns exactly what the zod path returns for it;
 * null for any other shape, valid or not, which the zod path then reads or refuses.
 */
export function commonResult(json: unknown): ChatResult | null {
  if (!isObject(json)) {
    return null;
  }
  const { model, choices, usage } = json;
  if (typeof model !== 'string' || !Array.isArray(choices) || choices.length !== 1) {
    return null;
  }
  const choice: unknown = choices[0];
  if (!isObject(choice) || !isObject(choice.message)) {
    return null;
  }
  const { content, tool_calls } = choice.message;
  const finish = choice.finish_reason;
  if ((content !== undefined && content !== null && typeof content !== 'string') || (tool_calls !== undefined && tool_calls !== null) || (finish !== undefined && finish !== null && typeof finish !== 'string')) {
    return null;
  }
  let u: Usage;
  if (usage === undefined || usage === null) {
    u = emptyUsage();
  } else {
    if (!isObject(usage) || !isCount(usage.prompt_tokens) || !isCount(usage.completion_tokens)) {
      return null;
    }
    const pd = usage.prompt_tokens_details;
    const cd = usage.completion_tokens_details;
    if ((pd !== undefined && pd !== null && !(isObject(pd) && nullishCount(pd.cached_tokens))) || (cd !== undefined && cd !== null && !(isObject(cd) && nullishCount(cd.reasoning_tokens)))) {
      return null;
    }
    u = {
      inputTokens: usage.prompt_tokens,
      outputTokens: usage.completion_tokens,
      cachedInputTokens: (isObject(pd) ? (pd.cached_tokens as number | null | undefined) : null) ?? 0,
      cacheWriteTokens: 0,
      reasoningTokens: (isObject(cd) ? (cd.reasoning_tokens as number | null | undefined) : null) ?? 0,
    };
  }
  return { text: content ?? '', toolCalls: [], finishReason: toFinishReason(finish), usage: u, providerModel: model };
}
