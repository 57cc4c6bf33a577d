// Reading, writing and checking the discovery file that lets every client find the one daemon.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync, constants as fsc } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { DISCOVERY_FILE, DiscoveryInfo } from '../protocol/discovery';
import { HEALTH_CHALLENGE_PARAM, newChallenge, verifyTokenProof } from './tokenProof';

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

/** What GET /health answers; only the fields liveness needs are required (`proof` when challenged). */
export const HealthAnswer = z.object({ pid: z.number().int().positive(), version: z.string().optional(), proof: z.string().optional() }).loose();
export type HealthAnswer = z.infer<typeof HealthAnswer>;

/** What GET /health told us: an answer (ours if it parses), a refused connection, or silence. */
export type HealthProbe = { kind: 'answered'; health: HealthAnswer | null } | { kind: 'refused' } | { kind: 'timeout' };

export function probeHealth(port: number, timeoutMs = 1500, challenge?: string): Promise<HealthProbe> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (p: HealthProbe): void => {
      if (!settled) {
        settled = true;
        resolve(p);
      }
    };
    const path = challenge === undefined ? '/health' : `/health?${HEALTH_CHALLENGE_PARAM}=${challenge}`;
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 64 * 1024) {
          req.destroy();
          done({ kind: 'answered', health: null });
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => {
        if (res.statusCode !== 200) {
          done({ kind: 'answered', health: null });
          return;
        }
        try {
          const parsed = HealthAnswer.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          done({ kind: 'answered', health: parsed.success ? parsed.data : null });
        } catch {
          done({ kind: 'answered', health: null });
        }
      });
      res.on('error', () => done({ kind: 'answered', health: null }));
    });
    req.on('timeout', () => {
      req.destroy();
      done({ kind: 'timeout' });
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      done(e.code === 'ECONNREFUSED' ? { kind: 'refused' } : e.code === 'ECONNRESET' ? { kind: 'answered', health: null } : { kind: 'timeout' });
    });
    req.end();
  });
}

/** GET http://127.0.0.1:port/health; null on any failure (refused, timeout, not ours). */
export async function fetchHealth(port: number, timeoutMs = 1500): Promise<HealthAnswer | null> {
  const p = await probeHealth(port, timeoutMs);
  return p.kind === 'answered' ? p.health : null;
}

/**
 * - live: the pid exists and its port answers /health with that pid and proves it holds the
 *   recorded token (see tokenProof.ts): only then may a client send the token;
 * - stale: the pid is dead, or the port answers for someone else (the pid was reused, or a
 *   process that cannot prove the token: e.g. another user's, which our kill(pid, 0) sees as EPERM);
 * - closing: the pid exists but nothing listens (a daemon flushing on its way out, or a reused pid);
 * - unresponsive: the port accepts but does not answer in time (overloaded or hung).
 */
export type DaemonState = 'live' | 'stale' | 'closing' | 'unresponsive';

export async function daemonState(info: DiscoveryInfo, timeoutMs = 1500): Promise<DaemonState> {
  if (!isPidAlive(info.pid)) {
    return 'stale';
  }
  const challenge = newChallenge();
  const p = await probeHealth(info.port, timeoutMs, challenge);
  if (p.kind === 'refused') {
    return 'closing';
  }
  if (p.kind === 'timeout') {
    return 'unresponsive';
  }
  return p.health !== null && p.health.pid === info.pid && verifyTokenProof(info.token, challenge, info.port, p.health.proof) ? 'live' : 'stale';
}

/** A recorded daemon is live when its process exists AND its port answers /health with the same pid. */
export async function isDaemonLive(info: DiscoveryInfo, timeoutMs = 1500): Promise<boolean> {
  return (await daemonState(info, timeoutMs)) === 'live';
}
