// A concrete model id the catalog does not list, but whose provider is plain from its name
// (`claude-opus-5-5`, `gpt-5.5-codex`, `o5-mini`, `gemini-3-pro`, `grok-5`, `deepseek-v4`): clients
// such as Claude Code and Codex CLI name their vendor's newest model by default, and refusing it
// would break them. Such a model is called on that provider under its own id. Its price comes
// from genai-prices when that knows the id, else it is "price unknown" (never $0), so budgets
// treat it as README's budget section says. It is never a candidate for `auto`: only a request
// that names it reaches it.
import type { Capability } from '../protocol/routing';
import type { CatalogModel } from './catalog';

interface Family {
  pattern: RegExp;
  provider: string;
  contextWindow: number;
  maxOutputTokens: number;
  capabilities: Capability[];
}

const ALL: Capability[] = ['tools', 'vision', 'json'];
const TEXT_TOOLS: Capability[] = ['tools', 'json'];

/** Limits of each family's current models: the provider, not the router, refuses a prompt too long for an older one. */
const FAMILIES: Family[] = [
  { pattern: /^claude-[a-z0-9.-]+$/, provider: 'anthropic', contextWindow: 1_000_000, maxOutputTokens: 128_000, capabilities: ALL },
  { pattern: /^gpt-[a-z0-9.-]+$/, provider: 'openai', contextWindow: 400_000, maxOutputTokens: 128_000, capabilities: ALL },
  { pattern: /^o[1-9][0-9]*(?:-[a-z0-9.-]+)?$/, provider: 'openai', contextWindow: 200_000, maxOutputTokens: 100_000, capabilities: ALL },
  { pattern: /^gemini-[a-z0-9.-]+$/, provider: 'google', contextWindow: 1_048_576, maxOutputTokens: 65_536, capabilities: ALL },
  { pattern: /^grok-[a-z0-9.-]+$/, provider: 'xai', contextWindow: 256_000, maxOutputTokens: 32_768, capabilities: TEXT_TOOLS },
  { pattern: /^deepseek-[a-z0-9.-]+$/, provider: 'deepseek', contextWindow: 128_000, maxOutputTokens: 32_768, capabilities: TEXT_TOOLS },
];

/** The provider a model id plainly belongs to, or null when its name does not say. */
export function providerFromModelId(id: string): string | null {
  return FAMILIES.find((f) => f.pattern.test(id))?.provider ?? null;
}

/** A catalog entry for an unlisted but recognisable model id; null when the name names no provider. */
export function inferModel(id: string): CatalogModel | null {
  if (id.length > 120) {
    return null;
  }
  const family = FAMILIES.find((f) => f.pattern.test(id));
  if (!family) {
    return null;
  }
  return {
    id,
    provider: family.provider,
    apiModel: id,
    priceId: id,
    contextWindow: family.contextWindow,
    maxOutputTokens: family.maxOutputTokens,
    capabilities: family.capabilities,
    // Unknown: it is only ever called by name, so no score depends on it.
    qualityPrior: 0.8,
    latencyPrior: { ttftMs: 1000, tokensPerSecond: 60 },
    inferred: true,
  };
}
