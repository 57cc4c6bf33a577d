import type { DaemonDeps } from '../service/deps';
import { mergeContext, toChatRequest } from './request';
import type { Handlers } from './types';

export function routeHandlers(deps: DaemonDeps): Pick<Handlers, 'route/decide'> {
  return {
    // The same plan chat/complete would run (budgets, experiment arm or promotion, router), unsent.
    'route/decide': async (params, ctx) =>
      deps.chat.plan({
        request: toChatRequest(params),
        requestedModel: params.model,
        routing: params.routing,
        context: mergeContext(ctx.client, params.context),
        candidates: params.candidates,
        dryRun: params.dryRun,
      }).plan.decision,
  };
}
