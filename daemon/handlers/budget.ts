// budget/list|set|delete|status and route/estimate (the cost the editor shows before Ask sends).
import type { RouteEstimateResult } from '../protocol/budget';
import { scopeOfContext } from '../ledger/service';
import type { DaemonDeps } from '../service/deps';
import { mergeContext, toChatRequest } from './request';
import type { Handlers } from './types';

export function budgetHandlers(deps: DaemonDeps): Pick<Handlers, 'budget/list' | 'budget/set' | 'budget/delete' | 'budget/status' | 'route/estimate'> {
  const { ledger } = deps;
  return {
    'budget/list': async () => ({ budgets: ledger.guard.list(), timeZone: ledger.timeZone }),
    'budget/set': async (params) => ledger.guard.set(params),
    'budget/delete': async (params) => ({ id: params.id, deleted: await ledger.guard.delete(params.id) }),
    'budget/status': async (params) => ({ statuses: ledger.guard.status(params.id), timeZone: ledger.timeZone, now: deps.now() }),
    'route/estimate': async (params, ctx) => {
      const context = mergeContext(ctx.client, params.context);
      // The plan chat/complete runs for the same request: budgets, experiment arm or promotion, router.
      const turn = deps.chat.plan({ request: toChatRequest(params), requestedModel: params.model, routing: params.routing, context });
      const { decision } = turn.plan;
      const over = ledger.guard.wouldExceed(scopeOfContext(context, decision), decision.estimatedCostUsd);
      const confirmAbove = ledger.askConfirmAboveUsd;
      const exceeds: RouteEstimateResult['exceeds'] = over
        ? {
            budgetId: over.budget.id,
            name: over.budget.name,
            limitUsd: over.budget.limitUsd,
            spentUsd: over.spentUsd,
            resetsAt: over.resetsAt,
            confirmable: over.budget.confirmOverBudget,
          }
        : null;
      const needsConfirmation =
        (confirmAbove !== null && (decision.estimatedCostUsd === null || decision.estimatedCostUsd > confirmAbove)) || (exceeds !== null && exceeds.confirmable);
      return { decision, requestId: turn.id, estimatedCostUsd: decision.estimatedCostUsd, confirmAboveUsd: confirmAbove, needsConfirmation, exceeds };
    },
  };
}
