import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fullGc, IDLE_RECLAIM_QUIET_MS, IdleReclaim, idleReclaimQuietMs } from '../../../daemon/lifecycle/idleReclaim';
import { IdleWatch } from '../../../daemon/service/idle';

const MB = 2 ** 20;

/** An IdleReclaim on a hand-driven clock and heap; `collections` lists the times of each pass. */
function rig(options: { quietMs?: number; growthBytes?: number } = {}) {
  let now = 0;
  let heap = 20 * MB;
  const collections: number[] = [];
  const reclaim = new IdleReclaim({
    collect: () => {
      collections.push(now);
      heap = 30 * MB;
    },
    heapBytes: () => heap,
    now: () => now,
    quietMs: options.quietMs ?? 5_000,
    growthBytes: options.growthBytes ?? 8 * MB,
  });
  /** Ticks once a second up to `until`. */
  const runTo = (until: number): void => {
    while (now < until) {
      now += 1_000;
      reclaim.tick();
    }
  };
  return {
    reclaim,
    collections,
    runTo,
    grow: (bytes: number) => (heap += bytes),
    at: () => now,
  };
}

test('a pause after traffic that grew the heap gets one full collection', () => {
  const r = rig();
  r.grow(100 * MB);
  r.reclaim.seen();
  r.runTo(1_000);
  r.runTo(5_000);
  assert.deepEqual(r.collections, [], 'no pass before the pause is quietMs long');
  r.runTo(6_000);
  assert.deepEqual(r.collections, [6_000]);
  r.grow(100 * MB);
  r.runTo(60_000);
  assert.deepEqual(r.collections, [6_000], 'one pass per pause');
});

test('the default pause is 30 s', () => {
  let now = 0;
  let n = 0;
  let heap = 0;
  const reclaim = new IdleReclaim({ collect: () => n++, heapBytes: () => heap, now: () => now });
  heap = 100 * MB;
  reclaim.seen();
  reclaim.tick();
  now = 29_999;
  reclaim.tick();
  assert.equal(n, 0);
  now = 30_000;
  reclaim.tick();
  assert.equal(n, 1);
  assert.equal(IDLE_RECLAIM_QUIET_MS, 30_000);
});

test('traffic cancels the pending pass and restarts the pause', () => {
  const r = rig();
  r.grow(100 * MB);
  for (let t = 1_000; t <= 30_000; t += 1_000) {
    r.reclaim.seen();
    r.runTo(t);
  }
  assert.deepEqual(r.collections, [], 'no pass while requests keep coming');
  r.runTo(34_000);
  r.reclaim.seen();
  r.runTo(38_000);
  assert.deepEqual(r.collections, [], 'a request 4 s into the pause restarts its clock');
  r.runTo(40_000);
  assert.deepEqual(r.collections, [40_000]);
  r.reclaim.seen();
  r.runTo(60_000);
  assert.deepEqual(r.collections, [40_000], 'the next pause needs new growth');
});

test('a pause with nothing to give back runs no collection', () => {
  const r = rig();
  r.grow(7 * MB);
  r.reclaim.seen();
  r.runTo(60_000);
  assert.deepEqual(r.collections, [], 'the heap grew less than growthBytes');
  r.grow(2 * MB);
  r.runTo(120_000);
  assert.deepEqual(r.collections, [], 'growth without traffic waits for the next pause');
  r.reclaim.seen();
  r.runTo(130_000);
  assert.deepEqual(r.collections, [126_000], 'the next pause after traffic sees the growth');
});

test('growth is measured from the heap after the last pass', () => {
  const r = rig();
  r.grow(100 * MB);
  r.reclaim.seen();
  r.runTo(10_000);
  assert.equal(r.collections.length, 1);
  // The collection left 30 MB; a burst growing it by 5 MB is not worth a pass, by 10 MB it is.
  r.grow(5 * MB);
  r.reclaim.seen();
  r.runTo(30_000);
  assert.equal(r.collections.length, 1);
  r.grow(5 * MB);
  r.reclaim.seen();
  r.runTo(50_000);
  assert.equal(r.collections.length, 2);
});

test('start() looks on an unref-ed timer and stop() ends it', () => {
  const reclaim = new IdleReclaim({ collect: () => undefined, pollMs: 10 });
  reclaim.start();
  const timer = (reclaim as unknown as { timer: NodeJS.Timeout | null }).timer;
  assert.ok(timer !== null);
  assert.equal(timer.hasRef(), false, 'the timer must not keep the daemon alive');
  reclaim.stop();
  assert.equal((reclaim as unknown as { timer: NodeJS.Timeout | null }).timer, null);
});

test('IdleWatch reports every request start and end and every touch, with or without an idle timeout', () => {
  for (const timeoutMs of [0, 60_000]) {
    let seen = 0;
    const watch = new IdleWatch(timeoutMs, () => 0, timeoutMs > 0 ? () => undefined : undefined, () => seen++);
    const end = watch.begin();
    assert.equal(seen, 1);
    end();
    end();
    assert.equal(seen, 2, 'a request ends once');
    watch.touch();
    assert.equal(seen, 3);
    watch.stop();
  }
});

test('fullGc reaches V8 at run time, without --expose-gc on the command line, and collects', async () => {
  const gc = fullGc();
  assert.ok(gc !== null);
  let ref: WeakRef<object> | null = null;
  (() => {
    ref = new WeakRef({ big: new Array(1000).fill(0) });
  })();
  // A WeakRef's target lives to the end of the job that made it.
  await new Promise((r) => setImmediate(r));
  gc();
  assert.equal((ref as WeakRef<object> | null)?.deref(), undefined);
});

test('the environment sets the pause or turns idle reclaim off', () => {
  assert.equal(idleReclaimQuietMs({}), IDLE_RECLAIM_QUIET_MS);
  assert.equal(idleReclaimQuietMs({ LLM_ROUTER_IDLE_RECLAIM_MS: '0' }), null);
  assert.equal(idleReclaimQuietMs({ LLM_ROUTER_IDLE_RECLAIM_MS: '20000' }), 20_000);
  assert.equal(idleReclaimQuietMs({ LLM_ROUTER_IDLE_RECLAIM_MS: 'soon' }), IDLE_RECLAIM_QUIET_MS);
});
