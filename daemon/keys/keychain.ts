// The daemon's KeyStore: the OS keychain through @napi-rs/keyring (service `llm-router`, or
// `$LLM_ROUTER_KEYCHAIN_SERVICE`; one account per provider), environment variables as the fallback. Keys never appear in logs,
// errors or files: every message built here names providers and variables, never values.
import { RouterError } from '../protocol/errors';
import type { KeychainStatus, KeySource, KeyStore } from './keyStore';

export const KEYCHAIN_SERVICE = 'llm-router';
/**
 * Names another keychain service: side-by-side installs (a second home, a development build) and
 * every test daemon keep their keys apart from the person's own `llm-router` entries.
 */
export const KEYCHAIN_SERVICE_ENV = 'LLM_ROUTER_KEYCHAIN_SERVICE';
const PROBE_ACCOUNT = '__llm-router-probe__';
const STATUS_CACHE_MS = 60_000;

/** Environment variables read when the keychain has no key, first match wins. */
export const ENV_KEY_VARIABLES: Readonly<Record<string, readonly string[]>> = {
  openai: ['OPENAI_API_KEY'],
  anthropic: ['ANTHROPIC_API_KEY'],
  google: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'],
  gemini: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'],
  openrouter: ['OPENROUTER_API_KEY'],
  groq: ['GROQ_API_KEY'],
  deepseek: ['DEEPSEEK_API_KEY'],
  mistral: ['MISTRAL_API_KEY'],
  together: ['TOGETHER_API_KEY'],
  xai: ['XAI_API_KEY'],
  moonshot: ['MOONSHOT_API_KEY'],
};

/** The keychain operations we use; the real one is @napi-rs/keyring, tests may pass another. */
export interface KeychainBackend {
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<boolean>;
}

export interface KeychainKeyStoreOptions {
  env?: NodeJS.ProcessEnv;
  backend?: KeychainBackend;
  platform?: NodeJS.Platform;
  /** A keychain call that takes longer (e.g. a hidden unlock prompt) fails instead of hanging. */
  timeoutMs?: number;
  /** Keychain reads are D-Bus/OS calls; a found key is reused this long (0 disables). Default 30 s. */
  cacheMs?: number;
}

/** The keychain service this daemon uses: `$LLM_ROUTER_KEYCHAIN_SERVICE` when set, else `llm-router`. */
export function keychainService(env: NodeJS.ProcessEnv = process.env): string {
  const override = env[KEYCHAIN_SERVICE_ENV]?.trim();
  return override !== undefined && override !== '' ? override : KEYCHAIN_SERVICE;
}

/** Loads the native module lazily so a missing binary degrades to "keychain unavailable". */
export function napiKeyringBackend(service = KEYCHAIN_SERVICE, timeoutMs = 5_000): KeychainBackend {
  // async: a module that fails to load rejects the call rather than throwing from it.
  const entry = async (account: string) => {
    // require, not import(): a dynamic import would load Node's ES module loader into the daemon
    // (about 1 MB resident) for this one CommonJS module.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { AsyncEntry } = require('@napi-rs/keyring') as typeof import('@napi-rs/keyring');
    // Pinned to the Secret Service on Linux: the library may otherwise fall back to the kernel's
    // keyutils, a per-session store that forgets keys at logout, which would look like success.
    return new AsyncEntry(service, account, { linux: { store: 'secret-service' } });
  };
  const signal = (): AbortSignal => AbortSignal.timeout(timeoutMs);
  return {
    async get(account) {
      return (await entry(account)).getPassword(signal());
    },
    async set(account, secret) {
      await (await entry(account)).setPassword(secret, signal());
    },
    async delete(account) {
      return (await entry(account)).deletePassword(signal());
    },
  };
}

/** Every env variable we read, for the "set X instead" advice. */
function envAdvice(): string {
  return 'OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY, …';
}

/** Turns a keychain failure into what is missing and what to do, in words a person can act on. */
export function describeKeychainProblem(error: unknown, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string {
  const raw = error instanceof Error ? error.message : String(error);
  const fallback = `or set the provider's API key in the daemon's environment (${envAdvice()})`;
  if (/Cannot find module|Failed to load|cannot open shared object|MODULE_NOT_FOUND/i.test(raw)) {
    return `The OS keychain module (@napi-rs/keyring) could not be loaded on this system (${platform}); ${fallback}.`;
  }
  if (platform === 'linux') {
    const bus = env.DBUS_SESSION_BUS_ADDRESS;
    if (bus === undefined || bus === '') {
      return `No D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set), so the Secret Service keychain is unreachable: run the daemon inside a desktop session with gnome-keyring (or another Secret Service such as KeePassXC) installed and unlocked, ${fallback}.`;
    }
    if (/ServiceUnknown|org\.freedesktop\.secrets|not provided by any \.service/i.test(raw)) {
      return `No Secret Service on the D-Bus session bus: install and start gnome-keyring (or another Secret Service such as KeePassXC), ${fallback}.`;
    }
    if (/locked|prompt was dismissed|unlock/i.test(raw)) {
      return `The keyring is locked and could not be unlocked without a prompt: unlock your login keyring (e.g. log in to the desktop, or \`gnome-keyring-daemon --unlock\`), ${fallback}.`;
    }
    if (/AccessDenied/i.test(raw)) {
      return `The D-Bus session bus refused access to the Secret Service (AccessDenied): start gnome-keyring in this session and unlock it, ${fallback}.`;
    }
  }
  if (/timed? ?out|aborted|AbortError/i.test(raw)) {
    return `The OS keychain did not answer in time (perhaps waiting for an unlock prompt): unlock it, ${fallback}.`;
  }
  return `The OS keychain failed (${raw}); ${fallback}.`;
}

function scrub(message: string, secret: string): string {
  return secret.length > 0 ? message.split(secret).join('[redacted]') : message;
}

export function createKeychainKeyStore(options: KeychainKeyStoreOptions = {}): KeyStore {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const backend = options.backend ?? napiKeyringBackend(keychainService(env), options.timeoutMs ?? 5_000);

  const fromEnv = (provider: string): string | null => {
    for (const name of ENV_KEY_VARIABLES[provider] ?? [`${provider.toUpperCase().replace(/-/g, '_')}_API_KEY`]) {
      const v = env[name];
      if (v !== undefined && v.trim() !== '') {
        return v.trim();
      }
    }
    return null;
  };

  const cacheMs = options.cacheMs ?? 30_000;
  // Only in memory, only found keys: a miss is re-read so a key added with another tool is seen.
  const cache = new Map<string, { value: string; until: number }>();

  const fromKeychain = async (provider: string): Promise<string | null> => {
    const hit = cache.get(provider);
    if (hit !== undefined && hit.until > Date.now()) {
      return hit.value;
    }
    try {
      const v = await backend.get(provider);
      if (v === null || v === '') {
        cache.delete(provider);
        return null;
      }
      if (cacheMs > 0) {
        cache.set(provider, { value: v, until: Date.now() + cacheMs });
      }
      return v;
    } catch {
      // Unreachable keychain: the environment is the documented fallback; status() explains why.
      return null;
    }
  };

  let availableUntil = 0;
  const unavailable = (error: unknown, secret = ''): RouterError => {
    availableUntil = 0;
    return new RouterError('keychainUnavailable', scrub(describeKeychainProblem(error, env, platform), secret));
  };

  return {
    async get(provider) {
      return (await fromKeychain(provider)) ?? fromEnv(provider);
    },

    async set(provider, apiKey) {
      cache.delete(provider);
      try {
        await backend.set(provider, apiKey);
      } catch (e) {
        throw unavailable(e, apiKey);
      }
      // Some stores accept a write they cannot read back (e.g. a session-only cache); say so now.
      let readBack: string | null;
      try {
        readBack = await backend.get(provider);
      } catch (e) {
        throw unavailable(e, apiKey);
      }
      if (readBack !== apiKey) {
        throw new RouterError('keychainUnavailable', 'The OS keychain accepted the key but did not return it when read back; the key was not stored reliably.');
      }
    },

    async delete(provider) {
      cache.delete(provider);
      try {
        return await backend.delete(provider);
      } catch (e) {
        throw unavailable(e);
      }
    },

    async sourceOf(provider): Promise<KeySource> {
      if ((await fromKeychain(provider)) !== null) {
        return 'keychain';
      }
      return fromEnv(provider) !== null ? 'env' : 'none';
    },

    async status(): Promise<KeychainStatus> {
      if (availableUntil > Date.now()) {
        return { available: true, problem: null };
      }
      // Reads can succeed against an unreachable store (they answer "no key"), so probe with a
      // write and delete of a dedicated entry: that is what `set` will need.
      const probe = `probe-${process.pid}-${Date.now()}`;
      try {
        await backend.set(PROBE_ACCOUNT, probe);
        await backend.delete(PROBE_ACCOUNT);
        // A dashboard polls keys/list: do not write to the user's keychain on every refresh.
        availableUntil = Date.now() + STATUS_CACHE_MS;
        return { available: true, problem: null };
      } catch (e) {
        return { available: false, problem: describeKeychainProblem(e, env, platform) };
      }
    },
  };
}
