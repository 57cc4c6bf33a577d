// experiment/create|list|get|pause|resume|stop|promote.
import type { DaemonDeps } from '../service/deps';
import type { CallContext, Handlers } from './types';

type ExperimentMethods = 'experiment/create' | 'experiment/list' | 'experiment/get' | 'experiment/pause' | 'experiment/resume' | 'experiment/stop' | 'experiment/promote';

/** Who did it, for the experiment's audit trail. */
function caller(ctx: CallContext): string {
  return ctx.client.name ?? ctx.client.kind;
}

export function experimentHandlers(deps: DaemonDeps): Pick<Handlers, ExperimentMethods> {
  const service = deps.experiments;
  return {
    'experiment/create': async (params, ctx) => service.create(params, caller(ctx)),
    'experiment/list': async (params) => service.list(params.status),
    'experiment/get': async (params) => service.get(params.id),
    'experiment/pause': async (params, ctx) => service.pause(params.id, caller(ctx)),
    'experiment/resume': async (params, ctx) => service.resume(params.id, caller(ctx)),
    'experiment/stop': async (params, ctx) => service.stop(params.id, caller(ctx), params.reason),
    'experiment/promote': async (params, ctx) => service.promote(params.id, params.arm, params.by ?? caller(ctx)),
  };
}
