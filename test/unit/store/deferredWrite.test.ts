import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../../daemon/store/database';
import { RouterError } from '../../../daemon/protocol/errors';
import { nodeStoreFiles, type AppendFile, type StoreFiles } from '../../../daemon/store/storeFiles';
import { errno } from './faultyFiles';

/** Real files whose journal appends wait until the test opens the gate (or fail on demand). */
class GatedFiles implements StoreFiles {
  private gate: Promise<void> = Promise.resolve();
  private openGate: () => void = () => undefined;
  appendsStarted = 0;
  failAppends = false;
  mkdir = nodeStoreFiles.mkdir;
  list = nodeStoreFiles.list;
  read = nodeStoreFiles.read;
  truncate = nodeStoreFiles.truncate;
  rename = nodeStoreFiles.rename;
  remove = nodeStoreFiles.remove;
  writeDurably = nodeStoreFiles.writeDurably;
  syncDir = nodeStoreFiles.syncDir;

  close(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }
  open(): void {
    this.openGate();
  }
  async openAppend(path: string): Promise<AppendFile> {
    const inner = await nodeStoreFiles.openAppend(path);
    return {
      size: inner.size,
      appendDurably: async (data) => {
        this.appendsStarted++;
        await this.gate;
        if (this.failAppends) {
          throw errno('ENOSPC', 'no space left on device');
        }
        await inner.appendDurably(data);
      },
      truncate: (length) => inner.truncate(length),
      close: () => inner.close(),
    };
  }
}

function put(store: Store, key: string, wait: boolean): Promise<void> {
  return store.withWrite((tx) => {
    tx.run('INSERT INTO settings(key, value) VALUES (?, ?)', [key, `v-${key}`]);
  }, { wait });
}

function keys(store: Store): string[] {
  return store.read((tx) => tx.all<{ key: string }>('SELECT key FROM settings ORDER BY key')).map((r) => r.key);
}

async function settle<T>(p: Promise<T>): Promise<'resolved' | 'pending'> {
  const pending = Symbol('pending');
  // Two macrotask turns: long enough for anything not blocked on the gate to settle.
  const tick = new Promise<typeof pending>((r) => setImmediate(() => setImmediate(() => r(pending))));
  return (await Promise.race([p.then(() => 'resolved' as const), tick])) === pending ? 'pending' : 'resolved';
}

test('withWrite { wait: false } resolves before the journal is flushed, rides along with the next durable write, ahead of it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmr-deferred-'));
  try {
    const files = new GatedFiles();
    const store = await Store.open({ dir, files });
    files.appendsStarted = 0; // the migrations' writes
    files.close();
    const deferred = put(store, 'a-deferred', false);
    assert.equal(await settle(deferred), 'resolved', 'a deferred write does not wait for the fsync');
    assert.deepEqual(keys(store), ['a-deferred'], 'and reads see it at once');
    assert.equal(files.appendsStarted, 0, 'a deferred write starts no write+fsync of its own');
    const durable = put(store, 'b-durable', true);
    assert.equal(await settle(durable), 'pending', 'a durable write still waits for the fsync');
    assert.equal(files.appendsStarted, 1, 'the durable write carries the deferred one in the same batch');
    files.open();
    await durable;
    // No close(): as if the process were killed right after the acknowledgement.
    const again = await Store.open({ dir });
    assert.deepEqual(keys(again), ['a-deferred', 'b-durable'], 'acknowledging a later write made the earlier deferred one durable too');
    await again.close();
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('deferred writes alone still reach the disk (by the timer, or at flush and close)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmr-deferred-'));
  try {
    const files = new GatedFiles();
    const store = await Store.open({ dir, files });
    files.appendsStarted = 0; // the migrations' writes
    await put(store, 'by-flush', false);
    await store.flush();
    assert.equal(files.appendsStarted, 1);
    await put(store, 'by-timer', false);
    // Bounded wait for the deferred flush timer (100 ms); no timing is asserted.
    for (let i = 0; i < 100 && files.appendsStarted < 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(files.appendsStarted, 2, 'the timer wrote the deferred record');
    await put(store, 'by-close', false);
    await store.close();
    const again = await Store.open({ dir });
    assert.deepEqual(keys(again), ['by-close', 'by-flush', 'by-timer']);
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a deferred write the disk refuses is forgotten, without an unhandled rejection, and later writes are refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmr-deferred-'));
  try {
    const files = new GatedFiles();
    const store = await Store.open({ dir, files, log: () => undefined });
    await put(store, 'kept', true);
    files.failAppends = true;
    await put(store, 'lost', false);
    assert.deepEqual(keys(store), ['kept', 'lost']);
    await store.flush();
    assert.deepEqual(keys(store), ['kept'], 'the store reloaded what is on disk');
    await assert.rejects(put(store, 'next', true), (e: unknown) => e instanceof RouterError && e.code === 'storeUnavailable');
    files.failAppends = false;
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
