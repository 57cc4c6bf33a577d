// feedback/submit: thumbs or a 1–5 score on one answer, by its request id.
import type { DaemonDeps } from '../service/deps';
import type { Handlers } from './types';

export function feedbackHandlers(deps: DaemonDeps): Pick<Handlers, 'feedback/submit'> {
  const service = deps.experiments;
  return {
    'feedback/submit': async (params, ctx) => service.submitFeedback(params, ctx.client),
  };
}
