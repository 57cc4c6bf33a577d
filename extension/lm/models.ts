// The models LLM Router offers in VS Code's chat model picker: `auto`, one per tradeoff and one per
// policy. Each is a routing mode, not a fixed model, so its capabilities and context window come
// from the candidates it may route to. Pure (no `vscode` import): unit-tested with node:test.
import type { ModelInfo, Policy, RoutingOptions, Tradeoff } from '../../daemon/protocol';

export const LM_VENDOR = 'llm-router';
export const LM_FAMILY = 'llm-router';

/** What the picker shows, plus how to route a request for it. */
export interface RouterChatModel {
  id: string;
  name: string;
  family: string;
  version: string;
  tooltip: string;
  detail: string;
  maxInputTokens: number;
  maxOutputTokens: number;
  capabilities: { toolCalling: boolean; imageInput: boolean };
  /** Sent as chat/complete's `routing` (the model is always `auto`). */
  routing: RoutingOptions;
}

const TRADEOFFS: { tradeoff: Tradeoff; name: string; tooltip: string }[] = [
  { tradeoff: 'quality', name: 'Quality first', tooltip: 'Prefers the strongest model your budgets allow, whatever it costs within them.' },
  { tradeoff: 'cost', name: 'Cheapest good enough', tooltip: 'Prefers the cheapest model expected to answer this kind of request well.' },
  { tradeoff: 'latency', name: 'Fastest', tooltip: 'Prefers the model with the quickest first token and output.' },
  { tradeoff: 'balanced', name: 'Balanced', tooltip: 'Weighs expected quality against cost and latency evenly.' },
];

/** Fallbacks when no candidate is known (the daemon is unreachable): the picker still lists the modes. */
const UNKNOWN_WINDOW = 128_000;
const UNKNOWN_OUTPUT = 16_384;

export interface ModelSources {
  models: ModelInfo[];
  policies: Policy[];
  /** Simulate mode answers every catalog model; otherwise only models whose provider has a key. */
  simulate: boolean;
  /** The user's default tradeoff (what plain `auto` uses). */
  defaultTradeoff: Tradeoff;
}

export function routerChatModels(src: ModelSources): RouterChatModel[] {
  const usable = src.models.filter((m) => src.simulate || m.hasKey);
  const out: RouterChatModel[] = [];
  const common = (candidates: ModelInfo[]) => {
    const windows = candidates.map((m) => m.contextWindow);
    const outputs = candidates.map((m) => m.maxOutputTokens ?? UNKNOWN_OUTPUT);
    return {
      family: LM_FAMILY,
      version: '1',
      // The router skips candidates whose window is too small, so the widest one bounds the input.
      maxInputTokens: windows.length > 0 ? Math.max(...windows) : UNKNOWN_WINDOW,
      maxOutputTokens: outputs.length > 0 ? Math.max(...outputs) : UNKNOWN_OUTPUT,
      capabilities: {
        // A request with tools (or images) is routed only to candidates that support them.
        toolCalling: candidates.some((m) => m.capabilities.includes('tools')),
        imageInput: candidates.some((m) => m.capabilities.includes('vision')),
      },
    };
  };
  const describe = (candidates: ModelInfo[]) =>
    candidates.length === 0 ? 'no model available yet: add a provider key or use simulate mode' : `routes among ${candidates.length} model${candidates.length === 1 ? '' : 's'}`;

  out.push({
    id: 'auto',
    name: 'LLM Router (auto)',
    tooltip: `Picks the right model for each request (your default tradeoff: ${src.defaultTradeoff}), within your budgets; ${describe(usable)}.`,
    detail: 'auto',
    routing: {},
    ...common(usable),
  });
  for (const t of TRADEOFFS) {
    out.push({
      id: `auto:${t.tradeoff}`,
      name: `LLM Router: ${t.name}`,
      tooltip: `${t.tooltip} Routed per request within your budgets; ${describe(usable)}.`,
      detail: `auto:${t.tradeoff}`,
      routing: { tradeoff: t.tradeoff },
      ...common(usable),
    });
  }
  for (const p of src.policies) {
    const candidates = p.models.length === 0 ? usable : usable.filter((m) => p.models.includes(m.id));
    out.push({
      id: `policy:${p.name}`,
      name: `LLM Router policy: ${p.name}`,
      tooltip: `${p.description ?? `The "${p.name}" routing policy.`} ${describe(candidates)}.`,
      detail: `policy ${p.name}`,
      routing: { policy: p.name },
      ...common(candidates),
    });
  }
  return out;
}
