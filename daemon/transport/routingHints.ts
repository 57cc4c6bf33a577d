// What the compatible endpoints read from a request besides the prompt: a reasoning-effort hint
// (Anthropic `output_config.effort`, Responses `reasoning.effort`) and the conversation key that
// conversation affinity (routing/affinity.ts) groups turns by.
import type { IncomingHttpHeaders } from 'node:http';
import { RouterError } from '../protocol/errors';
import { RoutingOptions, type ConversationRouting } from '../protocol/routing';
import { summariseIssues } from './dispatch';

/**
 * A client's effort setting, on `auto` only: low effort leans to cost, high effort to quality;
 * `medium` (the agents' default) leaves the tradeoff alone. A tradeoff set in `model`
 * (`auto:<tradeoff>`), the `routing` field or the header is more specific and wins.
 */
export function withEffortHint(requestedModel: string, routing: RoutingOptions | undefined, effort: string | undefined | null): RoutingOptions | undefined {
  if (requestedModel !== 'auto' || routing?.tradeoff !== undefined || routing?.willingnessToPay !== undefined || !effort) {
    return routing;
  }
  const e = effort.toLowerCase();
  const tradeoff = e === 'none' || e === 'minimal' || e === 'low' ? 'cost' : e === 'high' || e === 'xhigh' || e === 'max' ? 'quality' : null;
  return tradeoff === null ? routing : { ...routing, tradeoff };
}

export const SESSION_HEADER = 'x-llm-router-session';
export const AFFINITY_HEADER = 'x-llm-router-affinity';

export interface ConversationKey {
  key: string;
  source: Exclude<ConversationRouting['keySource'], 'prefix'>;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const raw = headers[name];
  const v = Array.isArray(raw) ? raw[0] : raw;
  return typeof v === 'string' && v.trim() !== '' ? v.trim().slice(0, 200) : undefined;
}

/**
 * The explicit conversation key, most specific first: the `x-llm-router-session` header, OpenAI's
 * `prompt_cache_key`, Anthropic's `metadata.user_id` (Claude Code puts its session there), then
 * OpenAI's `user`. Without one, affinity falls back to the conversation's message prefix.
 */
export function conversationKeyOf(headers: IncomingHttpHeaders, fields: { promptCacheKey?: string | null | undefined; user?: string | null | undefined; metadataUserId?: string | null | undefined }): ConversationKey | undefined {
  const h = header(headers, SESSION_HEADER);
  if (h !== undefined) {
    return { key: h, source: 'header' };
  }
  if (fields.promptCacheKey) {
    return { key: fields.promptCacheKey.slice(0, 200), source: 'prompt_cache_key' };
  }
  if (fields.metadataUserId) {
    return { key: fields.metadataUserId.slice(0, 400), source: 'metadata.user_id' };
  }
  if (fields.user) {
    return { key: fields.user.slice(0, 200), source: 'user' };
  }
  return undefined;
}

/** `x-llm-router-affinity: off` (or `routing.affinity: false`) routes this turn afresh. */
export function withAffinityHeader(routing: RoutingOptions | undefined, headers: IncomingHttpHeaders): RoutingOptions | undefined {
  const v = header(headers, AFFINITY_HEADER)?.toLowerCase();
  if (v === undefined || routing?.affinity !== undefined) {
    return routing;
  }
  return v === 'off' || v === 'false' || v === '0' ? { ...routing, affinity: false } : routing;
}

/** Our extension on the Anthropic and Responses endpoints, as on /v1/chat/completions: `routing` constraints and preferences in the body. */
export function routingOf(json: unknown): RoutingOptions | undefined {
  const raw = typeof json === 'object' && json !== null ? (json as { routing?: unknown }).routing : undefined;
  if (raw === undefined) {
    return undefined;
  }
  const r = RoutingOptions.safeParse(raw);
  if (!r.success) {
    throw new RouterError('invalidParams', `invalid routing options: ${summariseIssues(r.error.issues)}`, { param: 'routing' });
  }
  return r.data;
}
