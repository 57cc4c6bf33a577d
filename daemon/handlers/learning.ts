// routing/learnedState: what the router learned from feedback, per model.
import type { LearnedStateResult } from '../protocol/learning';
import { TASK_CATEGORIES } from '../protocol/taskCategories';
import { LearnedQuality } from '../routing/learnedQuality';
import type { Router } from '../routing/router';
import type { DaemonDeps } from '../service/deps';
import type { Handlers } from './types';

/** The router's online state with its bounds; `catalog/list` shows the same beside each model. */
export function learnedStateResult(router: Router, model?: string): LearnedStateResult {
  const all = router.learnedState();
  const q = router.quality;
  const settings = q instanceof LearnedQuality ? q.onlineSettings : { priorStrength: 0, maxAdjustment: 0 };
  return {
    models: model === undefined ? all : all.filter((m) => m.model === model),
    priorStrength: settings.priorStrength,
    maxAdjustment: settings.maxAdjustment,
    categories: TASK_CATEGORIES,
  };
}

export function learningHandlers(deps: DaemonDeps): Pick<Handlers, 'routing/learnedState'> {
  return {
    'routing/learnedState': async (params) => learnedStateResult(deps.router, params.model),
  };
}
