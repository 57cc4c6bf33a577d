// An exclusive lock file in the router home guarding "is a daemon running? if not, start one".
// Created with O_EXCL (atomic on every local file system); its content names the owner so a lock
// left by a dead process can be recovered. A lock can be handed to a child: the starter takes it,
// spawns the daemon with the lock's nonce, and the daemon checks-and-starts under that same lock.
import { closeSync, openSync, readFileSync, renameSync, statSync, writeSync, linkSync, constants as fsc } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { RouterError } from '../protocol/errors';
import { isPidAlive, unlinkQuietly } from './discovery';

export const LOCK_FILE = 'daemon.lock';
/** Environment variable through which a starter hands its held lock to the daemon it spawns. */
export const LOCK_NONCE_ENV = 'LLM_ROUTER_LOCK_NONCE';
/** A lock older than this is stale even if its pid exists (the pid may have been reused). */
export const LOCK_MAX_AGE_MS = 60_000;

const LockContent = z.object({ pid: z.number().int().positive(), nonce: z.string().min(8), createdAt: z.number() });
type LockContent = z.infer<typeof LockContent>;

export interface HeldLock {
  path: string;
  nonce: string;
  /** False once the lock file is gone or belongs to someone else (e.g. broken as stale). */
  stillHeld(): boolean;
  release(): void;
}

export function lockPath(home: string): string {
  return join(home, LOCK_FILE);
}

function readLock(path: string): LockContent | null | 'missing' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : null;
  }
  try {
    const parsed = LockContent.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    // Empty or partial: the owner is between create and write. Judged by age below.
    return null;
  }
}

function heldLock(path: string, nonce: string): HeldLock {
  let released = false;
  const held = (): boolean => {
    const current = readLock(path);
    return current !== null && current !== 'missing' && current.nonce === nonce;
  };
  return {
    path,
    nonce,
    stillHeld: held,
    release(): void {
      if (released) {
        return;
      }
      released = true;
      if (held()) {
        unlinkQuietly(path);
      }
    },
  };
}

/** One attempt: the lock, or null when someone else holds it. */
export function tryAcquireLock(home: string): HeldLock | null {
  const path = lockPath(home);
  const content: LockContent = { pid: process.pid, nonce: randomBytes(12).toString('hex'), createdAt: Date.now() };
  let fd: number;
  try {
    fd = openSync(path, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      breakIfStale(path);
      return null;
    }
    throw e;
  }
  try {
    writeSync(fd, JSON.stringify(content));
  } finally {
    closeSync(fd);
  }
  return heldLock(path, content.nonce);
}

/** Takes over a lock our parent acquired for us (see LOCK_NONCE_ENV); null if it is not that lock. */
export function adoptLock(home: string, nonce: string): HeldLock | null {
  const path = lockPath(home);
  const current = readLock(path);
  if (current === null || current === 'missing' || current.nonce !== nonce) {
    return null;
  }
  return heldLock(path, nonce);
}

/**
 * Removes the lock if its owner is dead or it is too old. Two processes may judge the same lock
 * stale at once: each renames it aside first (only one rename wins), then checks that what it
 * moved is the lock it judged, and puts back a fresh lock it took by mistake.
 */
function breakIfStale(path: string): void {
  const seen = readLock(path);
  if (seen === 'missing') {
    return;
  }
  let ageMs: number;
  try {
    ageMs = Date.now() - statSync(path).mtimeMs;
  } catch {
    return;
  }
  const ownerDead = seen !== null && !isPidAlive(seen.pid);
  const unreadableAndOld = seen === null && ageMs > 2_000;
  if (!ownerDead && !unreadableAndOld && ageMs <= LOCK_MAX_AGE_MS) {
    return;
  }
  const aside = `${path}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch {
    return;
  }
  const moved = readLock(aside);
  const same = seen === null ? moved === null : moved !== null && moved !== 'missing' && moved.nonce === seen.nonce;
  if (!same) {
    try {
      linkSync(aside, path);
    } catch {
      // Someone created a newer lock meanwhile; theirs stands.
    }
  }
  unlinkQuietly(aside);
}

export interface AcquireOptions {
  deadline: number;
  pollMs?: number;
  /** Called between attempts; a non-null answer ends the wait without the lock (e.g. a daemon appeared). */
  whileWaiting?: () => Promise<boolean>;
}

/** Waits for the lock until the deadline; null when `whileWaiting` said to stop. */
export async function acquireLock(home: string, options: AcquireOptions): Promise<HeldLock | null> {
  const pollMs = options.pollMs ?? 50;
  for (;;) {
    const lock = tryAcquireLock(home);
    if (lock !== null) {
      return lock;
    }
    if (options.whileWaiting !== undefined && (await options.whileWaiting())) {
      return null;
    }
    if (Date.now() >= options.deadline) {
      throw new RouterError('conflict', `Timed out waiting for the daemon start lock ${lockPath(home)}; if no llm-router process is running, delete that file.`);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
