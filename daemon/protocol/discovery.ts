// The discovery file (mode 0600) in $LLM_ROUTER_HOME that lets every client find the one daemon.
import { z } from 'zod';

export const DISCOVERY_FILE = 'daemon.json';
export const TOKEN_HEADER = 'authorization';

export const DiscoveryInfo = z.object({
  version: z.string(),
  pid: z.number().int().positive(),
  socketPath: z.string(),
  port: z.number().int().positive(),
  token: z.string().min(32),
  startedAt: z.number(),
});
export type DiscoveryInfo = z.infer<typeof DiscoveryInfo>;

/** Response headers that carry the routing decision on every HTTP answer. */
export const RoutingHeaders = {
  model: 'x-llm-router-model',
  provider: 'x-llm-router-provider',
  cost: 'x-llm-router-cost',
  requestId: 'x-llm-router-request-id',
  reason: 'x-llm-router-reason',
  tradeoff: 'x-llm-router-tradeoff',
  /** The model the caller named, when a budget's `downgrade` (opted in) answered with another. */
  substitutedFor: 'x-llm-router-substituted-for',
  /** Built-in tools a Responses request offered that no provider path here runs (web_search): left out. */
  droppedTools: 'x-llm-router-dropped-tools',
} as const;
