// tokens/count (the editor's provideTokenCount) and the spending kill switch.
import { countTextTokens, extractFeatures } from '../routing/features';
import type { DaemonDeps } from '../service/deps';
import { RouterError } from '../protocol/errors';
import { getRequest } from '../ledger/requests';
import type { RequestDecisionResult } from '../protocol/editor';
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

/** The stored decision and the ledger row; a row moved to the cold ledger is found by its time. */
function readDecision(deps: DaemonDeps, requestId: string, ts: number | undefined): RequestDecisionResult {
  return deps.store.read((tx) => {
    let row = getRequest(tx, requestId) ?? null;
    if (row === null && ts !== undefined && deps.cold) {
      // Only the month segment holding `ts` is read, newest frame first, and only down to `ts`.
      for (const r of deps.cold.rowsDescending(tx, ts, ts + 1, null)) {
        if (r.id === requestId) {
          row = r;
          break;
        }
      }
    }
    const stored = deps.decisions.get(tx, requestId, row?.reason ?? null);
    if (row === null && stored === null) {
      throw new RouterError('notFound', `no request ${requestId} in the ledger${ts === undefined ? ' (give its ts to look in the cold ledger)' : ''}`, { requestId });
    }
    const note = stored !== null ? null : 'Candidates were not stored for this request (recorded before this daemon version, or moved to the cold ledger): the ledger row shows what decided.';
    return { requestId, decision: stored?.decision ?? null, row, candidatesOmitted: stored?.candidatesOmitted ?? 0, note };
  });
}
