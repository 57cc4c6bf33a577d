import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ColdSegments, nodeSegmentFiles, type SegmentFiles, type SegmentState } from '../../../daemon/store/coldSegments';
import { RouterError } from '../../../daemon/protocol/errors';

function withDir(fn: (dir: string) => void | Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmr-cold-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const batch = (from: number, n: number): { id: number }[] => Array.from({ length: n }, (_, i) => ({ id: from + i }));
const all = (segs: ColdSegments, month: string, s: SegmentState, dir: 'forward' | 'backward'): number[] =>
  [...segs.frames(month, s, dir)].flat().map((r) => (r as { id: number }).id);

test(
  'frames append after the committed length and read back forwards and backwards',
  withDir((dir) => {
    const segs = new ColdSegments(dir);
    segs.reconcile(new Map());
    const first = segs.append('2026-03', undefined, batch(0, 3));
    const s = segs.append('2026-03', first, batch(3, 2));
    assert.equal(s.records, 5);
    assert.equal(statSync(segs.pathOf('2026-03')).size, s.bytes);
    assert.deepEqual(all(segs, '2026-03', s, 'forward'), [0, 1, 2, 3, 4]);
    assert.deepEqual(all(segs, '2026-03', s, 'backward'), [4, 3, 2, 1, 0]);
    // A reader given an older committed state sees only what was committed then.
    assert.deepEqual(all(segs, '2026-03', first, 'forward'), [0, 1, 2]);
  }),
);

test(
  'start-up cuts frames written by a move that never committed, and empties files no commit knows',
  withDir((dir) => {
    const segs = new ColdSegments(dir);
    segs.reconcile(new Map());
    const committed = segs.append('2026-03', undefined, batch(0, 3));
    // A crash after the frame's fsync, before the hot store's commit:
    segs.append('2026-03', committed, batch(3, 3));
    segs.append('2026-04', undefined, batch(100, 2));
    assert.ok(statSync(segs.pathOf('2026-03')).size > committed.bytes);
    const logged: string[] = [];
    const restarted = new ColdSegments(dir, nodeSegmentFiles, (_l, m) => logged.push(m));
    restarted.reconcile(new Map([['2026-03', committed]]));
    assert.equal(statSync(segs.pathOf('2026-03')).size, committed.bytes);
    assert.equal(statSync(segs.pathOf('2026-04')).size, 0);
    assert.equal(logged.length, 2);
    assert.deepEqual(all(restarted, '2026-03', committed, 'forward'), [0, 1, 2]);
    // The next append goes exactly after the committed bytes.
    const next = restarted.append('2026-03', committed, batch(3, 1));
    assert.deepEqual(all(restarted, '2026-03', next, 'forward'), [0, 1, 2, 3]);
  }),
);

test(
  'a damaged committed frame is reported with its file and offset, never read as fewer rows',
  withDir((dir) => {
    const segs = new ColdSegments(dir);
    segs.reconcile(new Map());
    const a = segs.append('2026-03', undefined, batch(0, 50));
    const b = segs.append('2026-03', a, batch(50, 50));
    const path = segs.pathOf('2026-03');
    const bytes = readFileSync(path);
    bytes[a.bytes + 20] = (bytes[a.bytes + 20] ?? 0) ^ 0xff;
    writeFileSync(path, bytes);
    assert.throws(
      () => all(segs, '2026-03', b, 'forward'),
      (e: unknown) => e instanceof RouterError && e.code === 'storeUnavailable' && e.message.includes(path) && e.message.includes(`byte ${a.bytes}`),
    );
    assert.throws(() => segs.verify(new Map([['2026-03', b]])), RouterError);
    // A file cut short of its committed length is damage too.
    writeFileSync(path, bytes.subarray(0, a.bytes + 4));
    assert.throws(() => all(segs, '2026-03', b, 'forward'), /ends before its committed length|runs past/);
    // The frames before the damage still read.
    assert.deepEqual(all(segs, '2026-03', a, 'forward').length, 50);
  }),
);

test(
  'a full disk fails the append cleanly: the file is cut back to its committed length',
  withDir((dir) => {
    let full = false;
    const files: SegmentFiles = {
      ...nodeSegmentFiles,
      writeDurably(path, offset, data) {
        if (full) {
          // Half the frame reaches the disk before ENOSPC.
          nodeSegmentFiles.writeDurably(path, offset, data.subarray(0, data.byteLength >> 1));
          throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
        }
        nodeSegmentFiles.writeDurably(path, offset, data);
      },
    };
    const segs = new ColdSegments(dir, files);
    segs.reconcile(new Map());
    const a = segs.append('2026-03', undefined, batch(0, 10));
    full = true;
    assert.throws(() => segs.append('2026-03', a, batch(10, 10)), (e: unknown) => e instanceof RouterError && e.code === 'storeUnavailable' && /ENOSPC/.test(e.message));
    assert.equal(statSync(segs.pathOf('2026-03')).size, a.bytes);
    full = false;
    const b = segs.append('2026-03', a, batch(10, 10));
    assert.deepEqual(all(segs, '2026-03', b, 'forward'), Array.from({ length: 20 }, (_, i) => i));
  }),
);

test(
  'framesFrom starts at the first frame not wholly before a key, reading about log2(frames) frames to find it',
  withDir((dir) => {
    let payloads = 0;
    // Counts payload reads (a header is 8 bytes; frames here are larger).
    const files: SegmentFiles = { ...nodeSegmentFiles, readAt: (p, o, l) => ((payloads += l > 8 ? 1 : 0), nodeSegmentFiles.readAt(p, o, l)) };
    const segs = new ColdSegments(dir, files);
    segs.reconcile(new Map());
    let s: SegmentState | undefined;
    // 64 frames of 10 sorted ids each: 0..639.
    for (let f = 0; f < 64; f++) {
      s = segs.append('2026-03', s, batch(f * 10, 10));
    }
    const state = s as SegmentState;
    const from = (k: number): number[] => [...segs.framesFrom('2026-03', state, (r) => (r as { id: number }).id < k)].flat().map((r) => (r as { id: number }).id);
    for (const k of [-5, 0, 9, 10, 11, 333, 630, 639]) {
      payloads = 0;
      const got = from(k);
      const read = payloads;
      assert.deepEqual(got, all(segs, '2026-03', state, 'forward').filter((id) => id >= Math.floor(k / 10) * 10), `from ${k}`);
      // The search probes at most 7 frames; the frames from the start one on are read once each
      // (the start one is not read again).
      assert.ok(read <= 7 + got.length / 10, `${read} frames read from ${k}`);
    }
    assert.deepEqual(from(640), [], 'past the last record');
    assert.deepEqual([...segs.framesFrom('2026-04', { bytes: 0, records: 0 }, () => true)], []);
  }),
);
