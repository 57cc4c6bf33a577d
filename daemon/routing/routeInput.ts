// What a routing decision is asked: the request, the model string it named (`auto`, `auto:<tradeoff>`,
// a policy, or a concrete model), the caller's routing options, and the dry-run bounds.
import type { ChatRequest } from '../protocol/chat';
import { RouterError } from '../protocol/errors';
import { Tradeoff, type ClientContext, type RoutingOptions } from '../protocol/routing';
import type { CatalogModel } from './catalog';
import type { PolicySet } from './policies';

export interface RouteInput {
  request: ChatRequest;
  /** `auto`, `auto:<tradeoff>`, a policy name, or a concrete model id. */
  requestedModel: string;
  routing?: RoutingOptions | undefined;
  context?: ClientContext | undefined;
  /** Restrict the choice to these models (dry runs may name models without keys). */
  candidates?: string[] | undefined;
  /** A dry run ignores key availability and health: nothing will be called. */
  dryRun?: boolean | undefined;
  /**
   * Planning-time checks of each candidate at its estimate (a budget's money left, a provider's
   * rate limit): a string excludes the model with that reason. Runs after the router's own filters.
   */
  vet?: ((model: CatalogModel, estimateUsd: number | null) => string | null) | undefined;
}

export type Requested = { kind: 'auto'; tradeoff: Tradeoff | undefined } | { kind: 'policy'; policy: string } | { kind: 'model'; model: string };

/** What the model string asks for; `isModel` tells a catalog model from a policy of the same name. */
export function parseRequested(requested: string, policies: PolicySet, isModel: (id: string) => boolean): Requested {
  if (requested === 'auto') {
    return { kind: 'auto', tradeoff: undefined };
  }
  if (requested.startsWith('auto:')) {
    const t = Tradeoff.safeParse(requested.slice(5));
    if (!t.success) {
      throw new RouterError('unknownModel', `"${requested}" is not a routing mode: use auto, auto:quality, auto:balanced, auto:cost or auto:latency`, { model: requested });
    }
    return { kind: 'auto', tradeoff: t.data };
  }
  if (policies.has(requested) && !isModel(requested)) {
    return { kind: 'policy', policy: requested };
  }
  return { kind: 'model', model: requested };
}
