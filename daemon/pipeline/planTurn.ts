// Planning a turn: the one place the steps before a provider call are built, for every path
// (chat/complete, /v1/chat/completions, /v1/messages, route/estimate, route/decide). In order:
// 1. budget state becomes router input (forced tradeoff, paused models, models a budget cannot
//    afford now, each with its reason); a named model is refused, kept, or (opt-in) replaced;
// 2. the experiment arm or promoted setting;
// 3. the router, with rate limits and budgets vetting each candidate at its estimate;
// 4. conversation affinity: a later turn keeps its conversation's model unless re-routing is worth it.
// The decision is complete when this returns and frozen on the turn.
import { RouterError } from '../protocol/errors';
import type { RoutingDecision, RoutingOptions } from '../protocol/routing';
import type { BudgetPlanning } from '../ledger/reservations';
import type { Catalog, CatalogModel } from '../routing/catalog';
import type { Router } from '../routing/router';
import type { ExperimentAssignment, PlanCall, Turn } from './turn';

/** Step 1: what the budgets in the call's scopes say now. */
export interface BudgetPlanner {
  planning(call: PlanCall): BudgetPlanning;
}

/** Step 2: an experiment arm or the promoted setting (or nothing) for this turn. */
export interface ExperimentPlanner {
  assign(turn: Turn, call: PlanCall): { routing: RoutingOptions; assignment: ExperimentAssignment | null } | null;
}

/** Step 4: conversation affinity turns the router's fresh decision into the conversation's (routing/affinity.ts). */
export interface ConversationPlanner {
  route(turn: Turn, fresh: RoutingDecision): RoutingDecision;
}

/** Per-client routing of named models (config `routing.namedModels`); off when absent. */
export interface NamedModelRoute {
  /** Client kind (editor, script, cli) or client name the route applies to. */
  client: string;
  /** Glob on the requested model id, e.g. `claude-*`. */
  match: string;
  /** The models the route may choose from; empty = any. */
  allowedModels: string[];
}

export interface PlanningStages {
  router: Router;
  catalog: Catalog;
  budgets: BudgetPlanner | null;
  experiments: ExperimentPlanner | null;
  /** Why a model cannot be called now for rate limits (null = it can). */
  rateLimited?: ((model: CatalogModel) => string | null) | null;
  namedModelRoutes?: readonly NamedModelRoute[];
  /** Conversation affinity; null = every turn routed afresh. */
  affinity?: ConversationPlanner | null;
}

const NO_BUDGETS: BudgetPlanning = { tradeoff: null, paused: new Map(), reasons: [], downgradeNamed: null, unaffordable: () => null };

/** A concrete model the caller named (not auto, not a policy), or null. */
function namedModel(requested: string, stages: PlanningStages): CatalogModel | null {
  if (requested === 'auto' || requested.startsWith('auto:')) {
    return null;
  }
  return stages.catalog.get(requested) ?? null;
}

function globMatch(glob: string, value: string): boolean {
  const re = new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(value);
}

export function planTurn(turn: Turn, stages: PlanningStages): RoutingDecision {
  const call = turn.call;
  // 1. Budgets.
  const budget = stages.budgets?.planning(call) ?? NO_BUDGETS;
  let routing: RoutingOptions | undefined = budget.tradeoff !== null ? { ...call.routing, tradeoff: budget.tradeoff } : call.routing;
  let requestedModel = call.requestedModel;
  const notes = budget.reasons.length > 0 ? [...budget.reasons] : [];
  let substitutedFor: string | null = null;
  let namedRoute: string | null = null;
  let ceiling: number | null = null;
  const named = namedModel(requestedModel, stages);
  if (named) {
    const route = stages.namedModelRoutes?.find((r) => (r.client === call.context.kind || r.client === call.context.name) && globMatch(r.match, named.id));
    const paused = budget.paused.get(named.id);
    if (budget.downgradeNamed) {
      // The budget opted in: answer with a cheaper model, never a dearer one than was asked for.
      substitutedFor = named.id;
      requestedModel = 'auto:cost';
      ceiling = stages.catalog.price(named)?.outputPerMTok ?? null;
      notes.unshift(`${named.id} was requested; ${budget.downgradeNamed}`);
    } else if (route) {
      namedRoute = `${named.id} named by ${call.context.name ?? call.context.kind} routed by routing.namedModels "${route.match}"`;
      requestedModel = 'auto';
      routing = route.allowedModels.length > 0 ? { ...routing, allowedModels: route.allowedModels } : routing;
      notes.unshift(namedRoute);
    } else if (paused !== undefined) {
      throw new RouterError('budgetExceeded', `${named.id} was requested by name and is ${paused}: ask for a cheaper model or "auto", or raise the budget`, {
        model: named.id,
        reason: 'paused',
      });
    } else {
      // The named model answers: threshold actions that only steer auto-routing did not apply.
      notes.length = 0;
      routing = call.routing;
    }
  }
  // 2. Experiments: only for auto-routed turns, after budgets so an arm cannot undo their limits.
  // A named model (even one routed or replaced above) is never an experiment unit: the caller asked for it.
  const assigned = stages.experiments?.assign(turn, { ...call, routing }) ?? null;
  if (assigned) {
    routing = budget.tradeoff !== null ? { ...assigned.routing, tradeoff: budget.tradeoff } : assigned.routing;
    turn.assignment = assigned.assignment;
  }
  // 3. The router, with each candidate vetted at its own estimate.
  const budgetSkips: string[] = [];
  const vet = (m: CatalogModel, estimateUsd: number | null): string | null => {
    const paused = budget.paused.get(m.id);
    if (paused !== undefined) {
      return paused;
    }
    if (ceiling !== null && (stages.catalog.price(m)?.outputPerMTok ?? Number.POSITIVE_INFINITY) > ceiling) {
      return `dearer than the requested ${substitutedFor ?? ''}`;
    }
    const limited = stages.rateLimited?.(m) ?? null;
    if (limited !== null) {
      return limited;
    }
    const unaffordable = budget.unaffordable(m, estimateUsd);
    if (unaffordable !== null) {
      budgetSkips.push(`${m.id}: ${unaffordable}`);
    }
    return unaffordable;
  };
  const input = { request: call.request, requestedModel, routing, context: call.context, candidates: call.candidates, dryRun: call.dryRun };
  let decision: RoutingDecision;
  try {
    decision = stages.router.decide({ ...input, vet });
  } catch (e) {
    if (!(e instanceof RouterError) || e.code !== 'noCandidate' || budgetSkips.length === 0) {
      throw e;
    }
    // Nothing is affordable: plan as before budgets, so the reservation refuses with the budget,
    // what it has left and when it resets.
    budgetSkips.length = 0;
    decision = stages.router.decide({ ...input, vet: (m) => budget.paused.get(m.id) ?? stages.rateLimited?.(m) ?? null });
  }
  if (budgetSkips.length > 0) {
    const shown = budgetSkips.slice(0, 2).join('; ');
    notes.push(`budget steered: ${shown}${budgetSkips.length > 2 ? ` (+${budgetSkips.length - 2} more)` : ''}`);
  }
  // The router's decision is this turn's own object: completed here, then frozen with the plan.
  decision.experiment = turn.assignment ? { id: turn.assignment.experimentId, arm: turn.assignment.arm } : null;
  if (notes.length > 0) {
    decision.reason = `${decision.reason}; ${notes.join('; ')}`;
  }
  if (substitutedFor !== null) {
    decision.substitutedFor = substitutedFor;
  }
  // 4. A later turn of a conversation may keep its earlier model (dry runs plan afresh).
  const planned = stages.affinity && call.dryRun !== true ? stages.affinity.route(turn, decision) : decision;
  turn.setPlan({ decision: planned, routing, substitutedFor, namedRoute });
  return planned;
}
