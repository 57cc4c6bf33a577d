// Reading, writing and checking the discovery file that lets every client find the one daemon.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync, constants as fsc } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { DISCOVERY_FILE, DiscoveryInfo } from '../protocol/discovery';

export function discoveryPath(home: string): string {
  return join(home, DISCOVERY_FILE);
}

/**
 * Writes the file so that a reader sees either the old content or the new, never half of it:
 * a private temp file (0600 from creation, so the token is never readable by others even
 * briefly), flushed, then renamed over the old one.
 */
export function writeDiscovery(home: string, info: DiscoveryInfo): void {
  const target = discoveryPath(home);
  const temp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
  try {
    writeSync(fd, JSON.stringify(DiscoveryInfo.parse(info), null, 2) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, target);
  } catch (e) {
    unlinkQuietly(temp);
    throw e;
  }
}

/** The recorded daemon, or null when there is no file or it is not a valid discovery record. */
export function readDiscovery(home: string): DiscoveryInfo | null {
  let text: string;
  try {
    text = readFileSync(discoveryPath(home), 'utf8');
  } catch {
    return null;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = DiscoveryInfo.safeParse(json);
  return parsed.success ? parsed.data : null;
}

/** Removes the discovery file only if it still names `pid` (a successor may have replaced it). */
export function removeDiscovery(home: string, pid: number): boolean {
  const current = readDiscovery(home);
  if (current === null || current.pid !== pid) {
    return false;
  }
  return unlinkQuietly(discoveryPath(home));
}

/** Removes a discovery file that names a daemon found dead, unless it changed meanwhile. */
export function removeStaleDiscovery(home: string, stale: DiscoveryInfo): boolean {
  const current = readDiscovery(home);
  if (current === null || current.pid !== stale.pid || current.startedAt !== stale.startedAt) {
    return false;
  }
  return unlinkQuietly(discoveryPath(home));
}

export function unlinkQuietly(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Whether a process with this pid exists. EPERM means it exists but belongs to someone else. */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What GET /health answers; only the fields liveness needs are required. */
export const HealthAnswer = z.object({ pid: z.number().int().positive(), version: z.string().optional() }).loose();
export type HealthAnswer = z.infer<typeof HealthAnswer>;

/** GET http://127.0.0.1:port/health; null on any failure (refused, timeout, not ours). */
export function fetchHealth(port: number, timeoutMs = 1500): Promise<HealthAnswer | null> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/health', method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 64 * 1024) {
          req.destroy();
          resolve(null);
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => {
        if (res.statusCode !== 200) {
          resolve(null);
          return;
        }
        try {
          const parsed = HealthAnswer.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          resolve(parsed.success ? parsed.data : null);
        } catch {
          resolve(null);
        }
      });
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(null);
    });
    req.on('error', () => resolve(null));
    req.end();
  });
}

/**
 * A recorded daemon is live when its process exists AND its port answers /health with the same
 * pid: a dead pid, or a port now held by some other program (or another daemon), is stale.
 */
export async function isDaemonLive(info: DiscoveryInfo, timeoutMs = 1500): Promise<boolean> {
  if (!isPidAlive(info.pid)) {
    return false;
  }
  const health = await fetchHealth(info.port, timeoutMs);
  return health !== null && health.pid === info.pid;
}
