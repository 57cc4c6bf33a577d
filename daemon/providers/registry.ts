// Every provider the daemon can call: its adapter and default base URL, in one object.
// OpenAI-compatible providers reuse the OpenAI adapter. A provider with `adapter: null` has no
// native adapter yet: its models are unavailable in real mode (the simulator still serves them).
import type { ProviderAdapter } from './adapter';
import { openAiCompatible } from './openai';
import { anthropicAdapter } from './anthropic';
import { googleAdapter } from './google';

export interface ProviderEntry {
  adapter: ProviderAdapter | null;
  defaultBaseUrl: string;
  /** Local servers (ollama, lmstudio) take no API key. */
  needsKey: boolean;
}

const compatible = (id: string, baseUrl: string, needsKey = true): ProviderEntry => ({ adapter: openAiCompatible(id, baseUrl), defaultBaseUrl: baseUrl, needsKey });

export const PROVIDERS: Record<string, ProviderEntry> = {
  openai: compatible('openai', 'https://api.openai.com/v1'),
  anthropic: { adapter: anthropicAdapter, defaultBaseUrl: anthropicAdapter.defaultBaseUrl, needsKey: true },
  google: { adapter: googleAdapter, defaultBaseUrl: googleAdapter.defaultBaseUrl, needsKey: true },
  groq: compatible('groq', 'https://api.groq.com/openai/v1'),
  deepseek: compatible('deepseek', 'https://api.deepseek.com/v1'),
  mistral: compatible('mistral', 'https://api.mistral.ai/v1'),
  together: compatible('together', 'https://api.together.xyz/v1'),
  xai: compatible('xai', 'https://api.x.ai/v1'),
  moonshot: compatible('moonshot', 'https://api.moonshot.ai/v1'),
  openrouter: compatible('openrouter', 'https://openrouter.ai/api/v1'),
  ollama: compatible('ollama', 'http://127.0.0.1:11434/v1', false),
  lmstudio: compatible('lmstudio', 'http://127.0.0.1:1234/v1', false),
};

export interface ResolvedProvider {
  id: string;
  adapter: ProviderAdapter;
  baseUrl: string;
  needsKey: boolean;
}

/** The registry as one daemon sees it: base URLs overridden by config or by simulate mode. */
export class ProviderRegistry {
  constructor(
    private readonly entries: Record<string, ProviderEntry> = PROVIDERS,
    private readonly baseUrlOverride: (provider: string) => string | undefined = () => undefined,
    /** Simulate mode serves providers without a native adapter through the OpenAI format. */
    private readonly fallbackAdapter: ((provider: string, baseUrl: string) => ProviderAdapter) | null = null,
  ) {}

  ids(): string[] {
    return Object.keys(this.entries);
  }

  has(provider: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.entries, provider);
  }

  /** The adapter and base URL to call this provider with, or null when it cannot be called. */
  resolve(provider: string): ResolvedProvider | null {
    const entry = this.has(provider) ? this.entries[provider] : undefined;
    const baseUrl = this.baseUrlOverride(provider) ?? entry?.defaultBaseUrl;
    if (baseUrl === undefined) {
      return null;
    }
    const adapter = entry?.adapter ?? this.fallbackAdapter?.(provider, baseUrl) ?? null;
    if (adapter === null) {
      return null;
    }
    return { id: provider, adapter, baseUrl, needsKey: entry?.needsKey ?? true };
  }
}
