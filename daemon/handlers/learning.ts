// routing/learnedState: what the router learned from feedback, per model.
import { TASK_CATEGORIES } from '../routing/taskCategories';
import { LearnedQuality } from '../routing/learnedQuality';
import type { DaemonDeps } from '../service/deps';
import type { Handlers } from './types';

export function learningHandlers(deps: DaemonDeps): Pick<Handlers, 'routing/learnedState'> {
  return {
    'routing/learnedState': async (params) => {
      const all = deps.router.learnedState();
      const q = deps.router.quality;
      const settings = q instanceof LearnedQuality ? q.onlineSettings : { priorStrength: 0, maxAdjustment: 0 };
      return {
        models: params.model === undefined ? all : all.filter((m) => m.model === params.model),
        priorStrength: settings.priorStrength,
        maxAdjustment: settings.maxAdjustment,
        categories: TASK_CATEGORIES,
      };
    },
  };
}
