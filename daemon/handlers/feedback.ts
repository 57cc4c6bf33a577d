// feedback/submit: thumbs or a 1–5 score on one answer, by its request id.
import { experimentServiceFor } from '../experiments/wiring';
import type { DaemonDeps } from '../service/deps';
import type { Handlers } from './types';

export function feedbackHandlers(deps: DaemonDeps): Pick<Handlers, 'feedback/submit'> {
  const service = experimentServiceFor(deps);
  return {
    'feedback/submit': async (params, ctx) => service.submitFeedback(params, ctx.client),
  };
}
