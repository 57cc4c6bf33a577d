// The team gate as pipeline hooks (the narrow surface the chat pipeline sees): reserve on the
// leases before the provider call (and before an escalation), settle and queue the row inside the
// ledger write, ship after it is durable. Registered after the local budgets' hooks, so a call
// the local budgets refuse never takes team money.
import { estimateCallCost } from '../ledger/estimates';
import type { ClientContext } from '../protocol/routing';
import type { ChatHooks } from '../service/hooks';
import type { TeamService } from './service';
import type { TeamScope } from './teamBudgets';

export function teamScopeOf(context: ClientContext, member: string, model: { id: string; provider: string } | null): TeamScope {
  return { workspace: context.workspace ?? null, member, model: model?.id ?? null, provider: model?.provider ?? null };
}

export function teamHooks(team: TeamService): ChatHooks {
  const member = team.config.memberId;
  return {
    beforeExecute: (requestId, call, decision) =>
      team.reserve(requestId, teamScopeOf(call.context, member, { id: decision.model, provider: decision.provider }), decision.estimatedCostUsd),
    beforeEscalate: (requestId, call, decision, to) =>
      team.reserve(
        requestId,
        teamScopeOf(call.context, member, to),
        estimateCallCost(to, decision.inputTokens, Math.min(decision.estimatedOutputTokens, call.request.max_tokens ?? decision.estimatedOutputTokens)),
      ),
    onRecord: (tx, row) => team.settleInTx(tx, row),
    afterRecord: (row) => team.afterRecord(row),
  };
}
