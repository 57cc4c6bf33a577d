import type { DaemonDeps } from '../service/deps';
import { mergeContext, toChatRequest } from './request';
import type { Handlers } from './types';

export function routeHandlers(deps: DaemonDeps): Pick<Handlers, 'route/decide'> {
  return {
    'route/decide': async (params, ctx) =>
      deps.router.decide({
        request: toChatRequest(params),
        requestedModel: params.model,
        routing: params.routing,
        context: mergeContext(ctx.client, params.context),
        candidates: params.candidates,
        dryRun: params.dryRun,
      }),
  };
}
