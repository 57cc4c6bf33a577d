// Which providers have a key, cached: the router asks synchronously on every decision, while the
// key store (keychain) is asynchronous and slow. Refreshed at start and on keys/set|delete.
import type { KeyStore } from '../keys/keyStore';

export class KeyPresence {
  private readonly present = new Set<string>();

  constructor(
    private readonly keys: KeyStore,
    private readonly providers: readonly string[],
  ) {}

  async refresh(provider?: string): Promise<void> {
    const ids = provider === undefined ? this.providers : [provider];
    await Promise.all(
      ids.map(async (id) => {
        let has: boolean;
        try {
          has = (await this.keys.sourceOf(id)) !== 'none';
        } catch {
          // An unreachable keychain means no key from it; env fallbacks are the key store's job.
          has = false;
        }
        if (has) {
          this.present.add(id);
        } else {
          this.present.delete(id);
        }
      }),
    );
  }

  has(provider: string): boolean {
    return this.present.has(provider);
  }
}
