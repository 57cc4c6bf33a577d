// The full routing decision (every candidate with its estimate, the rule or policy that decided)
// of the most recent requests, for the dashboard's "decision detail". The ledger keeps the chosen
// model, reason and cost for ever; candidates are kept only here, in memory and bounded, so they
// cover recorded requests since the daemon started (failed and cancelled ones included).
import type { RoutingDecision } from '../protocol/routing';
import type { TurnHooks } from './hooks';

export const RECENT_DECISIONS = 1_000;

export class RecentDecisions {
  private readonly byId = new Map<string, RoutingDecision>();

  constructor(private readonly capacity = RECENT_DECISIONS) {}

  get(requestId: string): RoutingDecision | undefined {
    return this.byId.get(requestId);
  }

  remember(requestId: string, decision: RoutingDecision): void {
    this.byId.set(requestId, decision);
    if (this.byId.size > this.capacity) {
      // Maps iterate in insertion order: the oldest goes first.
      const oldest = this.byId.keys().next().value;
      if (oldest !== undefined) {
        this.byId.delete(oldest);
      }
    }
  }

  /** After each recorded turn (answered, failed or cancelled), its plan's decision is kept. */
  get hooks(): TurnHooks {
    return { afterRecord: (row, turn) => (turn.isPlanned ? this.remember(row.id, turn.plan.decision) : undefined) };
  }
}
