// Routing's control methods beyond `route/decide`: test a request against rules and policies,
// update the catalog (prices, windows, new models), list policies and strategies.
import { StrategyName } from '../protocol/routing-methods';
import { catalogList } from '../routing/catalogList';
import { parseCatalogData, saveCatalogFile } from '../routing/catalogData';
import { routeTest } from '../routing/routeTest';
import type { DaemonDeps } from '../service/deps';
import { learnedStateResult } from './learning';
import { mergeContext, toChatRequest } from './request';
import type { Handlers } from './types';

export function routingHandlers(deps: DaemonDeps): Pick<Handlers, 'route/test' | 'catalog/update' | 'catalog/list' | 'policy/list'> {
  return {
    'route/test': async (params, ctx) => {
      const override: Parameters<typeof routeTest>[2] = {};
      if (params.rules) {
        override.rules = params.rules;
      }
      if (params.policies) {
        override.policies = params.policies;
      }
      return routeTest(
        deps.router,
        {
          request: toChatRequest(params),
          requestedModel: params.model,
          routing: params.routing,
          context: mergeContext(ctx.client, params.context),
          candidates: params.candidates,
          dryRun: params.dryRun,
        },
        override,
        deps.router.configuredRules(),
      );
    },
    'catalog/update': async (params) => {
      if (params.models) {
        const r = deps.catalog.update(params.models);
        return { ...r, models: deps.catalog.list().length };
      }
      // A whole data file: validated first (an error names the file and field), swapped in only if
      // every figure and every user override still applies, then kept for the next start.
      const data = parseCatalogData(params.data, params.source ?? 'catalog/update data');
      const r = deps.catalog.replaceData(data);
      saveCatalogFile(deps.options.home, params.data);
      return { ...r, models: deps.catalog.list().length, catalogUpdated: data.updated };
    },
    'catalog/list': async () => catalogList(deps.catalog, learnedStateResult(deps.router)),
    'policy/list': async () => {
      const set = deps.router.policies();
      return { policies: set.list(), taskPolicies: set.taskPolicies, strategies: [...StrategyName.options] };
    },
  };
}
