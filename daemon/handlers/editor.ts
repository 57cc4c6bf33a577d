// tokens/count (the editor's provideTokenCount) and the spending kill switch.
import { countTextTokens, extractFeatures } from '../routing/features';
import type { DaemonDeps } from '../service/deps';
import { RouterError } from '../protocol/errors';
import { getRequest } from '../ledger/requests';
import type { RequestDecisionResult } from '../protocol/editor';
import { decodeDecision } from '../service/requestDecisions';
import type { Handlers } from './types';

export function editorHandlers(deps: DaemonDeps): Pick<Handlers, 'request/decision' | 'tokens/count' | 'spending/pause' | 'spending/resume' | 'spending/status'> {
  return {
    'tokens/count': async (params) => {
      if (params.messages !== undefined) {
        // The router's own count of a conversation (with its per-message framing).
        const f = extractFeatures({ messages: params.messages });
        return { tokens: f.inputTokens, exact: f.tokenCountExact };
      }
      return countTextTokens(params.text ?? '');
    },
    'request/decision': async (params) => readDecision(deps, params.requestId, params.ts),
    'spending/pause': async (params) => deps.spending.pause(params.reason),
    'spending/resume': async () => deps.spending.resume(),
    'spending/status': async () => deps.spending.current,
  };
}

/** The stored decision and the ledger row; a row moved to the cold ledger is found by its time, with the decision it carried. */
function readDecision(deps: DaemonDeps, requestId: string, ts: number | undefined): RequestDecisionResult {
  return deps.store.read((tx) => {
    let row = getRequest(tx, requestId) ?? null;
    let stored = row === null ? null : deps.decisions.get(tx, requestId, row.reason);
    if (row === null && deps.cold) {
      // Without its ts, by the time its id carries (ColdLedger.findById).
      const found = ts !== undefined ? deps.cold.find(tx, requestId, ts) : deps.cold.findById(tx, requestId);
      if (found !== null) {
        row = found.row;
        stored = found.decision === null ? null : decodeDecision(found.decision, row.reason);
      }
    }
    // A detail whose row is gone (a cold row asked without its ts, whose id carries no time).
    stored ??= row === null ? deps.decisions.get(tx, requestId, null) : null;
    if (row === null && stored === null) {
      throw new RouterError('notFound', `no request ${requestId} in the ledger${ts === undefined ? ' (give its ts to look in the cold ledger)' : ''}`, { requestId });
    }
    const note = stored !== null ? null : 'Candidates were not stored for this request (recorded before this daemon version, or moved to the cold ledger before decisions moved with their rows): the ledger row shows what decided.';
    return { requestId, decision: stored?.decision ?? null, row, candidatesOmitted: stored?.candidatesOmitted ?? 0, note };
  });
}
