import assert from 'node:assert/strict';
// Starts a daemon in-process for integration tests: simulate mode, a temp home, port 0, an
// in-memory key store. Nothing touches the real home folder or the network beyond 127.0.0.1.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { RouterError } from '../../daemon/protocol/errors';
import type { KeySource, KeyStore, KeychainStatus } from '../../daemon/keys/keyStore';
import { startDaemon, type StartedDaemon } from '../../daemon/server';
import type { DaemonOptions } from '../../daemon/service/options';

/** A key store for tests only: keys live in a Map. */
export class MemoryKeyStore implements KeyStore {
  readonly keys = new Map<string, string>();
  constructor(private readonly available = true) {}
  async get(provider: string): Promise<string | null> {
    return this.keys.get(provider) ?? null;
  }
  async set(provider: string, apiKey: string): Promise<void> {
    if (!this.available) {
      throw new RouterError('keychainUnavailable', 'no keychain in this test');
    }
    this.keys.set(provider, apiKey);
  }
  async delete(provider: string): Promise<boolean> {
    return this.keys.delete(provider);
  }
  async sourceOf(provider: string): Promise<KeySource> {
    return this.keys.has(provider) ? 'keychain' : 'none';
  }
  async status(): Promise<KeychainStatus> {
    return this.available ? { available: true, problem: null } : { available: false, problem: 'no keychain in this test' };
  }
}

export interface Harness {
  daemon: StartedDaemon;
  home: string;
  token: string;
  url: string;
  keys: MemoryKeyStore;
  close(): Promise<void>;
}

export async function startTestDaemon(overrides: Partial<DaemonOptions> = {}): Promise<Harness> {
  const home = overrides.home ?? mkdtempSync(join(tmpdir(), 'llm-router-test-'));
  const token = randomBytes(32).toString('hex');
  const keys = (overrides.keys as MemoryKeyStore | undefined) ?? new MemoryKeyStore();
  const daemon = await startDaemon({
    home,
    version: '0.0.0-test',
    token,
    port: 0,
    socketPath: join(home, 'daemon.sock'),
    keys,
    simulate: true,
    idleTimeoutMs: 0,
    ...overrides,
  });
  return {
    daemon,
    home,
    token,
    keys,
    url: `http://127.0.0.1:${daemon.port}`,
    async close() {
      await daemon.close();
      if (overrides.home === undefined) {
        rmSync(home, { recursive: true, force: true });
      }
    },
  };
}

export interface RpcAnswer<T> {
  result?: T;
  error?: { code: number; message: string; data?: { code: string; details?: Record<string, unknown> } };
}

let rpcId = 0;

/** A raw JSON-RPC call to the daemon's POST /rpc (tests look at error shapes too). */
export async function rpcCall<T>(h: Pick<Harness, 'url' | 'token'>, method: string, params: unknown): Promise<RpcAnswer<T>> {
  const res = await fetch(`${h.url}/rpc`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params }),
  });
  return (await res.json()) as RpcAnswer<T>;
}

/** The call's result; an error fails the test with the error's text. */
export async function rpcOk<T>(h: Pick<Harness, 'url' | 'token'>, method: string, params: unknown): Promise<T> {
  const r = await rpcCall<T>(h, method, params);
  assert.equal(r.error, undefined, JSON.stringify(r.error));
  return r.result as T;
}
