// Shared fixtures for the routing tests: a router over the built-in catalog and request builders.
import { Catalog } from '../../../daemon/routing/catalog';
import { Router, type RouterEnv } from '../../../daemon/routing/router';
import type { RoutingConfig } from '../../../daemon/protocol/routing-methods';
import { RouterError, type ErrorCode } from '../../../daemon/protocol/errors';

export function makeRouter(over: Partial<RouterEnv> = {}, config?: Partial<RoutingConfig>): Router {
  return new Router({ catalog: Catalog.builtIn(), isAvailable: () => true, defaultTradeoff: 'balanced', baselineModel: 'gpt-4.1', config, ...over });
}

export const ask = (content: string, extra: { max_tokens?: number } = {}) => ({ messages: [{ role: 'user' as const, content }], ...extra });

export function isRouterError(code: ErrorCode, includes?: string | RegExp) {
  return (e: unknown) => e instanceof RouterError && e.code === code && (includes === undefined || (typeof includes === 'string' ? e.message.includes(includes) : includes.test(e.message)));
}
