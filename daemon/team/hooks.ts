// The team gate in the turn pipeline, through its two narrow seams:
//  - budgets: wraps the local TurnBudgets so that every attempt (the call, a fallback, an
//    escalation) holds team money on the leases right after the local budgets held theirs, and a
//    released attempt gives both back; a call the local budgets refuse never takes team money;
//  - hooks: inside the ledger write the leases are charged and the row is queued for the team
//    ledger; once it is durable the outbox ships (in the background).
import type { Reservation } from '../ledger/reservations';
import { RouterError } from '../protocol/errors';
import type { ClientContext } from '../protocol/routing';
import type { TurnBudgets, TurnHooks } from '../service/hooks';
import type { TeamService } from './service';
import type { TeamScope } from './teamBudgets';

export function teamScopeOf(context: ClientContext, member: string, model: { id: string; provider: string } | null): TeamScope {
  return { workspace: context.workspace ?? null, member, model: model?.id ?? null, provider: model?.provider ?? null };
}

export function withTeamGate(local: TurnBudgets, team: TeamService): TurnBudgets {
  const member = team.config.memberId;
  // Which team holds each local reservation took (released together).
  const teamHolds = new WeakMap<Reservation, number>();
  return {
    planning: (call) => local.planning(call),
    reserve: async (turn, model, estimateUsd) => {
      const reservation = await local.reserve(turn, model, estimateUsd);
      try {
        const ticket = await team.reserve(turn.id, teamScopeOf(turn.context, member, model), estimateUsd);
        teamHolds.set(reservation, ticket);
      } catch (e) {
        await local.release(reservation);
        // After the turn's first hold (a fallback, an escalation) the pipeline skips a model only
        // for budgetExceeded and would otherwise drop an answer already paid for: an unreachable
        // team database is reported as that, with its own reason.
        if (e instanceof RouterError && e.code === 'teamUnavailable' && turn.reservations.length > 0) {
          throw new RouterError('budgetExceeded', e.message, { ...(e.details ?? {}), reason: 'teamUnavailable' });
        }
        throw e;
      }
      return reservation;
    },
    release: async (reservation) => {
      const ticket = teamHolds.get(reservation);
      if (ticket !== undefined) {
        team.release(reservation.requestId, ticket);
        teamHolds.delete(reservation);
      }
      await local.release(reservation);
    },
  };
}

export function teamHooks(team: TeamService): TurnHooks {
  return {
    onRecord: (tx, row) => team.settleInTx(tx, row),
    afterRecord: (row) => team.afterRecord(row),
  };
}
