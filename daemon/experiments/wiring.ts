// Connects the experiment service to a running daemon: one service per daemon, its hooks in the
// chat pipeline (assignment before routing, unit bookkeeping in the ledger transaction,
// evaluation after each row), and feedback into the routing core's online quality update.
import { RouterError } from '../protocol/errors';
import type { DaemonDeps } from '../service/deps';
import type { ChatHooks } from '../service/hooks';
import { saveLearnedState } from '../routing/learnedStateStore';
import { createStrategy } from '../routing/strategies';
import type { Router } from '../routing/router';
import type { Catalog } from '../routing/catalog';
import { ExperimentService, type OutcomeRecorder, type RoutingRegistry } from './service';

const services = new WeakMap<DaemonDeps, ExperimentService>();

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
    router.recordOutcome(model, request, value, context ?? undefined);
    const state = router.onlineStateOf(model);
    if (state) {
      saveLearnedState(tx, model, state, now());
    }
    return true;
  };
}

export function experimentHooks(service: ExperimentService): ChatHooks {
  return {
    beforeRoute: (requestId, call) => {
      const a = service.route(requestId, call);
      if (a === null) {
        return undefined;
      }
      return a.experiment ? { routing: a.routing, experiment: a.experiment } : { routing: a.routing };
    },
    // The chat pipeline marks the attempt it escalated from with error code `escalated`.
    onRecord: (tx, row, attempts) => service.recordUnit(tx, row.id, row.experimentId, attempts.some((a) => a.errorCode === 'escalated')),
    afterRecord: (row) => {
      // Evaluation failures must not fail the request that triggered them; the next look retries.
      service.afterRow(row).catch(() => undefined);
    },
  };
}

/** The daemon's one experiment service; created (and its hooks registered) on first use. */
export function experimentServiceFor(deps: DaemonDeps): ExperimentService {
  let s = services.get(deps);
  if (!s) {
    s = new ExperimentService({
      store: deps.store,
      routing: routingRegistry(deps.router, deps.catalog),
      now: () => deps.now(),
      recordOutcome: qualityRecorder(deps.router, deps.catalog, () => deps.now()),
    });
    services.set(deps, s);
    deps.hooks.push(experimentHooks(s));
  }
  return s;
}
