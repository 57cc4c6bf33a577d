// Anthropic Messages API wire shapes, as its public reference documents them. Requests are
// validated when clients send them to our /v1/messages; responses and stream events when the
// provider (or the simulator) answers. Unknown optional fields are accepted and ignored.
import { z } from 'zod';

const CacheControl = z.object({ type: z.string() }).passthrough().optional();

export const AnthropicTextBlock = z.object({ type: z.literal('text'), text: z.string(), cache_control: CacheControl }).passthrough();
export const AnthropicImageBlock = z.object({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [
    z.object({ type: z.literal('base64'), media_type: z.string(), data: z.string() }),
    z.object({ type: z.literal('url'), url: z.string() }),
  ]),
  cache_control: CacheControl,
}).passthrough();
export const AnthropicToolUseBlock = z.object({
  type: z.literal('tool_use'),
  id: z.string(),
  name: z.string(),
  input: z.unknown(),
}).passthrough();
export const AnthropicToolResultBlock = z.object({
  type: z.literal('tool_result'),
  tool_use_id: z.string(),
  content: z.union([z.string(), z.array(z.union([AnthropicTextBlock, AnthropicImageBlock]))]).optional(),
  is_error: z.boolean().optional(),
  cache_control: CacheControl,
}).passthrough();
export const AnthropicThinkingBlock = z.object({ type: z.enum(['thinking', 'redacted_thinking']) }).passthrough();

export const AnthropicInputBlock = z.discriminatedUnion('type', [
  AnthropicTextBlock,
  AnthropicImageBlock,
  AnthropicToolUseBlock,
  AnthropicToolResultBlock,
  AnthropicThinkingBlock,
]);
export type AnthropicInputBlock = z.infer<typeof AnthropicInputBlock>;

/**
 * `system` inside `messages`: current Claude Code sends its environment block this way (mid-
 * conversation instructions); its content is text blocks or a string.
 */
export const AnthropicMessage = z.object({
  role: z.enum(['user', 'assistant', 'system']),
  content: z.union([z.string(), z.array(AnthropicInputBlock)]),
});
export type AnthropicMessage = z.infer<typeof AnthropicMessage>;

/** A client tool has an input_schema; a server tool (web_search_…, bash_…) has a `type` instead. */
export const AnthropicTool = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()).optional(),
  type: z.string().optional(),
}).passthrough();

export const AnthropicToolChoice = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal('none') }),
  z.object({ type: z.literal('tool'), name: z.string(), disable_parallel_tool_use: z.boolean().optional() }),
]);

export const AnthropicRequest = z.object({
  model: z.string().min(1).max(200),
  messages: z.array(AnthropicMessage).min(1),
  max_tokens: z.number().int().positive(),
  system: z.union([z.string(), z.array(AnthropicTextBlock)]).optional(),
  stop_sequences: z.array(z.string()).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().positive().optional(),
  stream: z.boolean().optional(),
  tools: z.array(AnthropicTool).optional(),
  tool_choice: AnthropicToolChoice.optional(),
  metadata: z.object({ user_id: z.string().nullable().optional() }).passthrough().optional(),
  // Accepted and not forwarded (no canonical equivalent; see inbound.ts): extended/adaptive
  // thinking and its display options, server-side context editing. `output_config.effort` is a
  // routing hint.
  thinking: z.looseObject({ type: z.string() }).optional(),
  context_management: z.looseObject({}).optional(),
  output_config: z.looseObject({ effort: z.string().optional() }).optional(),
}).passthrough();
export type AnthropicRequest = z.infer<typeof AnthropicRequest>;

export const AnthropicUsage = z.object({
  input_tokens: z.number().int().nonnegative().nullable().optional(),
  output_tokens: z.number().int().nonnegative().nullable().optional(),
  cache_creation_input_tokens: z.number().int().nonnegative().nullable().optional(),
  cache_read_input_tokens: z.number().int().nonnegative().nullable().optional(),
}).passthrough();
export type AnthropicUsage = z.infer<typeof AnthropicUsage>;

export const AnthropicStopReason = z.enum(['end_turn', 'max_tokens', 'stop_sequence', 'tool_use', 'pause_turn', 'refusal']);
export type AnthropicStopReason = z.infer<typeof AnthropicStopReason>;

const OutputBlock = z.union([AnthropicTextBlock, AnthropicToolUseBlock, z.object({ type: z.string() }).passthrough()]);

export const AnthropicResponse = z.object({
  id: z.string(),
  type: z.literal('message'),
  role: z.literal('assistant'),
  model: z.string(),
  content: z.array(OutputBlock),
  stop_reason: z.string().nullable(),
  stop_sequence: z.string().nullable().optional(),
  usage: AnthropicUsage,
}).passthrough();
export type AnthropicResponse = z.infer<typeof AnthropicResponse>;

export const AnthropicErrorBody = z.object({
  type: z.literal('error'),
  error: z.object({ type: z.string(), message: z.string() }),
});

export const AnthropicStreamEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message_start'), message: z.object({ id: z.string(), model: z.string(), usage: AnthropicUsage }).passthrough() }),
  z.object({ type: z.literal('content_block_start'), index: z.number().int(), content_block: OutputBlock }),
  z.object({
    type: z.literal('content_block_delta'),
    index: z.number().int(),
    delta: z.union([
      z.object({ type: z.literal('text_delta'), text: z.string() }),
      z.object({ type: z.literal('input_json_delta'), partial_json: z.string() }),
      z.object({ type: z.string() }).passthrough(),
    ]),
  }),
  z.object({ type: z.literal('content_block_stop'), index: z.number().int() }),
  z.object({
    type: z.literal('message_delta'),
    delta: z.object({ stop_reason: z.string().nullable().optional(), stop_sequence: z.string().nullable().optional() }).passthrough(),
    usage: AnthropicUsage.optional(),
  }),
  z.object({ type: z.literal('message_stop') }),
  z.object({ type: z.literal('ping') }),
  z.object({ type: z.literal('error'), error: z.object({ type: z.string(), message: z.string() }) }),
]);
export type AnthropicStreamEvent = z.infer<typeof AnthropicStreamEvent>;
