// Shared by `spend`, `budget` and `export`: reach the daemon (starting it if needed) and format money.
import { createHttpRpcClient } from '../../client/httpClient';
import type { CliIo } from '../command';
import { cliHome, ensureDaemon } from '../connect';
import { UsageError } from '../usage';

export type RpcClient = ReturnType<typeof createHttpRpcClient>;

export async function withDaemon<T>(homeFlag: string | undefined, io: CliIo, fn: (client: RpcClient) => Promise<T>): Promise<T> {
  const info = await ensureDaemon(cliHome(homeFlag, io.env), { simulate: false, env: io.env });
  const client = createHttpRpcClient({ port: info.port, token: info.token, timeoutMs: 60_000 });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

export function usd(n: number | null | undefined): string {
  if (n === null || n === undefined) {
    return 'unknown';
  }
  return Math.abs(n) < 0.01 && n !== 0 ? `$${n.toFixed(6)}` : `$${n.toFixed(2)}`;
}

/** A date flag: ISO 8601 (2026-01-31, 2026-01-31T12:00:00Z) or epoch milliseconds. */
export function dateFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const ms = /^\d+$/.test(value) ? Number(value) : /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new UsageError(`--${name} expects a date such as 2026-01-31 or 2026-01-31T12:00:00Z, got "${value}"`);
  }
  return ms;
}

export function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${value}"`);
  }
  return value as T;
}
