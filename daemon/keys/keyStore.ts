// Where provider API keys come from. The daemon owns keys (scripts work while VS Code is closed);
// the OS keychain first, environment variables as a fallback. Keys never leave this interface
// except into a provider request's auth header.

export type KeySource = 'keychain' | 'env' | 'none';

export interface KeychainStatus {
  available: boolean;
  /** What is missing, in words a person can act on (e.g. "no D-Bus session bus: start gnome-keyring"). */
  problem: string | null;
}

export interface KeyStore {
  /** The key to use for this provider, or null when none is configured anywhere. */
  get(provider: string): Promise<string | null>;
  /** Stores in the OS keychain; throws RouterError('keychainUnavailable') naming what is missing. */
  set(provider: string, apiKey: string): Promise<void>;
  delete(provider: string): Promise<boolean>;
  sourceOf(provider: string): Promise<KeySource>;
  status(): Promise<KeychainStatus>;
}
