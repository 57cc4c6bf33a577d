// One request, start to finish: the `Turn` every stage of the pipeline reads and writes instead of
// keeping its own map keyed by request id. Planning fills `assignment` and `plan` (frozen once set);
// execution adds `reservations`, `attempts` and `skipped`; settling adds `row`. See DESIGN.md,
// "The routing decision: one turn, one plan".
import { randomUUID } from 'node:crypto';
import type { BudgetAlertNotification } from '../protocol/budget';
import type { ChatRequest, ChatResult, StreamEvent } from '../protocol/chat';
import { RouterError } from '../protocol/errors';
import type { Endpoint, LedgerRow } from '../protocol/ledger';
import type { ClientContext, ConversationRouting, RoutingDecision, RoutingOptions } from '../protocol/routing';
import type { AttemptRow } from '../ledger/requests';
import type { Reservation } from '../ledger/reservations';
import type { CatalogModel } from '../routing/catalog';

export interface ChatCall {
  endpoint: Endpoint;
  /** `auto`, `auto:<tradeoff>`, a policy name or a concrete model id. */
  requestedModel: string;
  request: ChatRequest;
  routing?: RoutingOptions | undefined;
  context: ClientContext;
  stream: boolean;
  signal: AbortSignal;
  /** Streamed pieces, with the model that produces them (known only once an attempt answers). */
  onEvent?: ((event: StreamEvent, model: CatalogModel) => void) | undefined;
  /** Called once planning has decided, before any provider call (streaming endpoints send headers from it). */
  onDecision?: ((decision: RoutingDecision, requestId: string) => void) | undefined;
  /** A caller may assign the ledger id itself (see newRequestId). */
  requestId?: string | undefined;
  /** The conversation's explicit key, when the client sent one (routing/affinity.ts). */
  conversation?: { key: string; source: Exclude<ConversationRouting['keySource'], 'prefix'> } | undefined;
}

/** What a plan needs from the call: route/estimate and route/decide plan without sending. */
export type PlanCall = Pick<ChatCall, 'requestedModel' | 'request' | 'routing' | 'context'> & {
  /** Restrict the choice to these models (dry runs). */
  candidates?: string[] | undefined;
  /** Ignore keys and health: nothing will be called. */
  dryRun?: boolean | undefined;
};

/** The experiment unit this turn was assigned by (stored with the ledger row). */
export interface ExperimentAssignment {
  experimentId: string;
  arm: string;
  unitHash: string;
  /** The unit's key was missing from the context; the request itself was the unit. */
  unitFallback: boolean;
}

/** The decision and everything planning decided with it; immutable once set on the turn. */
export interface Plan {
  readonly decision: Readonly<RoutingDecision>;
  /** The routing options the router saw: the caller's, budget actions, the arm or promotion. */
  readonly routing: Readonly<RoutingOptions> | undefined;
  /** A named model replaced by a budget's `downgrade` (the budget opted in); null otherwise. */
  readonly substitutedFor: string | null;
  /** Per-client routing of named models applied (routing.namedModels); null otherwise. */
  readonly namedRoute: string | null;
}

/** Spend of one answering attempt, charged to that model's scopes when the turn settles. */
export interface Charge {
  model: string;
  provider: string;
  costUsd: number | null;
}

/** A model the pipeline did not call, and why (budget, rate limit): in the row's reason. */
export interface Skip {
  model: string;
  reason: string;
}

/** Ledger ids sort by time, so keyset pages and ties stay in insertion order. */
export function newRequestId(now: number): string {
  // The UUID's first 12 hex digits (8, a dash, then 4): all random, taken without a regex pass.
  const u = randomUUID();
  return `req_${now.toString(36).padStart(9, '0')}${u.slice(0, 8)}${u.slice(9, 13)}`;
}

/**
 * When a request id was made (newRequestId: `req_`, the time in base 36 over 9 characters, then
 * 12 more); null for any other id. A row is never recorded before its id's time, so a lookup by id
 * knows where to start (ColdLedger.findById).
 */
export function timeOfRequestId(id: string): number | null {
  const m = /^req_([0-9a-z]{9})[0-9a-z]{12}$/.exec(id);
  const t = m === null ? NaN : parseInt(m[1] as string, 36);
  return Number.isSafeInteger(t) ? t : null;
}

export class Turn {
  readonly id: string;
  readonly startedAt: number;
  readonly call: PlanCall & Partial<ChatCall>;
  assignment: ExperimentAssignment | null = null;
  /** Holds taken before each attempt (the call's, each fallback's, an escalation's). */
  readonly reservations: Reservation[] = [];
  attempts: AttemptRow[] = [];
  readonly skipped: Skip[] = [];
  /** What each answer cost, per model: an escalation is two charges. */
  charges: Charge[] = [];
  escalated = false;
  result: ChatResult | null = null;
  row: LedgerRow | null = null;
  /** Budget alerts raised inside the ledger transaction, sent once it is durable. */
  alerts: BudgetAlertNotification[] = [];
  private planned: Plan | null = null;

  constructor(call: PlanCall & Partial<ChatCall>, startedAt: number, id?: string) {
    this.call = call;
    this.startedAt = startedAt;
    this.id = id ?? call.requestId ?? newRequestId(startedAt);
  }

  get context(): ClientContext {
    return this.call.context;
  }

  get isPlanned(): boolean {
    return this.planned !== null;
  }

  get plan(): Plan {
    if (this.planned === null) {
      throw new RouterError('internal', `turn ${this.id} has no plan yet`);
    }
    return this.planned;
  }

  /** Planning's last step; the plan cannot change afterwards. */
  setPlan(plan: Plan): void {
    if (this.planned !== null) {
      throw new RouterError('internal', `turn ${this.id} is already planned`);
    }
    Object.freeze(plan.decision.fallbacks);
    Object.freeze(plan.decision.candidates);
    Object.freeze(plan.decision);
    this.planned = Object.freeze(plan);
  }
}
