import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { acquireLock, adoptLock, lockPath, tryAcquireLock } from '../../../daemon/lifecycle/lock';

const home = mkdtempSync(join(tmpdir(), 'lr-lock-'));
after(() => rmSync(home, { recursive: true, force: true }));

test('the lock is exclusive until released', () => {
  const a = tryAcquireLock(home);
  assert.ok(a);
  assert.equal(tryAcquireLock(home), null);
  a.release();
  const b = tryAcquireLock(home);
  assert.ok(b);
  b.release();
  assert.equal(existsSync(lockPath(home)), false);
});

test('a lock left by a dead process is recovered', () => {
  writeFileSync(lockPath(home), JSON.stringify({ pid: 2 ** 22 + 4321, nonce: 'deadbeefdeadbeef', createdAt: Date.now() }));
  // The first attempt breaks the stale lock, the next one takes it.
  const first = tryAcquireLock(home);
  const lock = first ?? tryAcquireLock(home);
  assert.ok(lock);
  assert.equal(JSON.parse(readFileSync(lockPath(home), 'utf8')).pid, process.pid);
  lock.release();
});

test('a child adopts the lock by its nonce; a wrong nonce adopts nothing', () => {
  const held = tryAcquireLock(home);
  assert.ok(held);
  assert.equal(adoptLock(home, 'not-the-nonce'), null);
  const adopted = adoptLock(home, held.nonce);
  assert.ok(adopted);
  adopted.release();
  assert.equal(existsSync(lockPath(home)), false);
  held.release();
});

test('many concurrent acquirers: exactly one holds the lock at a time', async () => {
  let inside = 0;
  let maxInside = 0;
  const deadline = Date.now() + 10_000;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      const lock = await acquireLock(home, { deadline, pollMs: 5 });
      assert.ok(lock);
      inside += 1;
      maxInside = Math.max(maxInside, inside);
      await new Promise((r) => setTimeout(r, 5));
      inside -= 1;
      lock.release();
    }),
  );
  assert.equal(maxInside, 1);
});

test('a lock held by a live owner times out with a clear error', async () => {
  const held = tryAcquireLock(home);
  assert.ok(held);
  await assert.rejects(acquireLock(home, { deadline: Date.now() + 100, pollMs: 10 }), /start lock/);
  held.release();
});

test('stillHeld turns false once the lock is taken over', () => {
  const held = tryAcquireLock(home);
  assert.ok(held);
  assert.equal(held.stillHeld(), true);
  writeFileSync(lockPath(home), JSON.stringify({ pid: process.pid, nonce: 'someone-else-0001', createdAt: Date.now() }));
  assert.equal(held.stillHeld(), false);
  held.release();
  assert.equal(existsSync(lockPath(home)), true, 'release leaves a lock it does not own');
  rmSync(lockPath(home));
});
