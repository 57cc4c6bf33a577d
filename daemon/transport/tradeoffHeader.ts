// The `x-llm-router-tradeoff` request header: a per-request tradeoff for clients that cannot add
// a `routing` field to the body (stock SDKs, proxies). It becomes `routing.tradeoff`; a tradeoff in
// the body's own `routing` field is more specific and wins.
import type { IncomingHttpHeaders } from 'node:http';
import { RoutingHeaders } from '../protocol/discovery';
import { RouterError } from '../protocol/errors';
import { Tradeoff, type RoutingOptions } from '../protocol/routing';

export function withTradeoffHeader(routing: RoutingOptions | undefined, headers: IncomingHttpHeaders): RoutingOptions | undefined {
  const raw = headers[RoutingHeaders.tradeoff];
  if (raw === undefined) {
    return routing;
  }
  const value = (Array.isArray(raw) ? raw[0] ?? '' : raw).trim().toLowerCase();
  const t = Tradeoff.safeParse(value);
  if (!t.success) {
    throw new RouterError('invalidParams', `header ${RoutingHeaders.tradeoff}: "${value.slice(0, 40)}" is not one of ${Tradeoff.options.join(', ')}`, { param: RoutingHeaders.tradeoff });
  }
  if (routing?.tradeoff !== undefined) {
    return routing;
  }
  return { ...routing, tradeoff: t.data };
}
