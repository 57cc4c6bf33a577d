// Connects the experiment service to a running daemon: server.ts builds one service and wires its
// two stages explicitly (the arm or promotion while planning a turn; the unit in the ledger
// transaction and evaluation after each row), and feedback into the routing core's online update.
import { RouterError } from '../protocol/errors';
import type { TurnHooks } from '../service/hooks';
import type { ExperimentPlanner } from '../pipeline/planTurn';
import type { Store } from '../store/database';
import { saveLearnedState } from '../routing/learnedStateStore';
import { createStrategy } from '../routing/strategies';
import type { Router } from '../routing/router';
import type { Catalog } from '../routing/catalog';
import { ExperimentService, type ColdRequestLookup, type OutcomeRecorder, type RoutingRegistry } from './service';

export function routingRegistry(router: Router, catalog: Catalog): RoutingRegistry {
  return {
    validateStrategy(name) {
      if (name === 'fixed') {
        throw new RouterError('invalidParams', 'strategy "fixed" needs a model: give the arm `model` instead of `strategy: "fixed"`', { strategy: name });
      }
      createStrategy({ name });
    },
    hasPolicy: (name) => router.policies().has(name),
    policyNames: () => router.policies().list().map((p) => p.name),
    hasModel: (id) => catalog.get(id) !== undefined,
  };
}

/**
 * Feedback updates the quality model: with the prompt's profile when this daemon run still has the
 * request, else for every category alike (after a restart the prompt text is gone). What it learned
 * is stored in the feedback's own transaction. A model no longer in the catalog is not learned about.
 */
export function qualityRecorder(router: Router, catalog: Catalog, now: () => number): OutcomeRecorder {
  return ({ model, value, request, context }, tx) => {
    if (!catalog.get(model)) {
      return false;
    }
    try {
      router.recordOutcome(model, request, value, context ?? undefined);
    } catch {
      // Learning is secondary: the feedback row is still recorded.
      return false;
    }
    const state = router.onlineStateOf(model);
    if (state) {
      saveLearnedState(tx, model, state, now());
    }
    return true;
  };
}

/** Planning step 2: the arm (or promoted setting) for an auto-routed turn. */
export function experimentPlanner(service: ExperimentService): ExperimentPlanner {
  return {
    assign: (turn, call) => {
      const a = service.route(turn.id, call);
      return a === null ? null : { routing: a.routing, assignment: a.assignment };
    },
  };
}

/** After planning: the turn's unit inside the ledger transaction, evaluation once it is durable. */
export function experimentHooks(service: ExperimentService): TurnHooks {
  return {
    onRecord: (tx, row, _attempts, turn) => service.recordUnit(tx, row.id, turn.assignment),
    afterRecord: (row, turn) => {
      // Evaluation failures must not fail the request that triggered them; the next look retries.
      service.afterRow(row, turn).catch(() => undefined);
    },
  };
}

/** The daemon's one experiment service (server.ts wires its stages; handlers share it). */
export function createExperimentService(deps: { store: Store; router: Router; catalog: Catalog; now(): number; coldRequest?: ColdRequestLookup }): ExperimentService {
  return new ExperimentService({
    store: deps.store,
    ...(deps.coldRequest ? { coldRequest: deps.coldRequest } : {}),
    routing: routingRegistry(deps.router, deps.catalog),
    now: () => deps.now(),
    recordOutcome: qualityRecorder(deps.router, deps.catalog, () => deps.now()),
  });
}
