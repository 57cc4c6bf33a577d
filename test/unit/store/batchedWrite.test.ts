// Batched writes (WriteOptions.batch): the writes queued in one turn of the event loop share one
// transaction and one journal record; a callback that throws fails only its own caller and leaves
// none of its statements behind, in memory or in the journal; what was acknowledged survives a
// restart that replays the journal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../../daemon/store/database';
import { decodeJournal } from '../../../daemon/store/journalRecord';
import { nodeStoreFiles, type AppendFile, type StoreFiles } from '../../../daemon/store/storeFiles';

/** Real files whose journal appends wait until the test opens the gate. */
class GatedFiles implements StoreFiles {
  private gate: Promise<void> = Promise.resolve();
  private openGate: () => void = () => undefined;
  appendsStarted = 0;
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
        await inner.appendDurably(data);
      },
      truncate: (length) => inner.truncate(length),
      close: () => inner.close(),
    };
  }
}

async function settle<T>(p: Promise<T>): Promise<'resolved' | 'pending'> {
  const pending = Symbol('pending');
  // Three macrotask turns: the batch's own, then long enough for anything not blocked on the gate.
  const tick = new Promise<typeof pending>((r) => setImmediate(() => setImmediate(() => setImmediate(() => r(pending)))));
  return (await Promise.race([p.then(() => 'resolved' as const), tick])) === pending ? 'pending' : 'resolved';
}

const insert = (key: string) => (tx: Parameters<Parameters<Store['withWrite']>[0]>[0]) => tx.run('INSERT INTO settings(key, value) VALUES (?, ?)', [key, 'v']);

function journalTransactions(dir: string): string[][] {
  const out: string[][] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.journal')).sort()) {
    for (const t of decodeJournal(readFileSync(join(dir, f))).transactions) {
      out.push(t.map((s) => (Array.isArray(s.params) ? String(s.params[0]) : '')));
    }
  }
  return out;
}

const keys = (store: Store): string[] => store.read((tx) => tx.all<{ key: string }>('SELECT key FROM settings ORDER BY key')).map((r) => r.key);

test('batched writes of one turn are one transaction and one journal record, acknowledged once durable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmr-batch-'));
  try {
    const store = await Store.open({ dir });
    const before = journalTransactions(dir).length;
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((k) => store.withWrite((tx) => (insert(k)(tx), k.toUpperCase()), { batch: true })));
    assert.deepEqual(results, ['A', 'B', 'C', 'D']);
    const records = journalTransactions(dir).slice(before);
    assert.deepEqual(records, [['a', 'b', 'c', 'd']]);
    assert.deepEqual(keys(store), ['a', 'b', 'c', 'd']);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a batched callback that throws fails only its caller; its statements are neither kept nor journaled', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmr-batch-'));
  try {
    const store = await Store.open({ dir });
    const before = journalTransactions(dir).length;
    const settled = await Promise.allSettled([
      store.withWrite(insert('a'), { batch: true }),
      store.withWrite(
        (tx) => {
          insert('b')(tx);
          throw new Error('boom');
        },
        { batch: true },
      ),
      // A constraint failure inside the batch: the duplicate of 'a'.
      store.withWrite(insert('a'), { batch: true }),
      store.withWrite(insert('c'), { batch: true }),
    ]);
    assert.deepEqual(
      settled.map((s) => s.status),
      ['fulfilled', 'rejected', 'rejected', 'fulfilled'],
    );
    assert.match(String((settled[1] as PromiseRejectedResult).reason), /boom/);
    assert.deepEqual(keys(store), ['a', 'c']);
    assert.deepEqual(journalTransactions(dir).slice(before), [['a', 'c']]);
    // Not closed (no snapshot): the next start replays the journal.
    const again = await Store.open({ dir });
    assert.deepEqual(keys(again), ['a', 'c']);
    await again.close();
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('batched writes queued before close() are written, and flush() waits for them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmr-batch-'));
  try {
    const store = await Store.open({ dir });
    const first = store.withWrite(insert('a'), { batch: true });
    await store.flush();
    assert.deepEqual(keys(store), ['a']);
    await first;
    const second = store.withWrite(insert('b'), { batch: true });
    await store.close();
    await second;
    const again = await Store.open({ dir });
    assert.deepEqual(keys(again), ['a', 'b']);
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a batched write to a closed store is refused', async () => {
  const store = await Store.open({ dir: null });
  await store.close();
  await assert.rejects(store.withWrite(insert('a'), { batch: true }), /closed/);
});

test('batched writes with wait: false resolve at commit; with a waiting write in the same batch, the record is durable before that one resolves', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmr-batch-'));
  try {
    const files = new GatedFiles();
    const store = await Store.open({ dir, files });
    files.appendsStarted = 0;
    files.close();
    const holds = [store.withWrite(insert('h1'), { batch: true, wait: false }), store.withWrite(insert('h2'), { batch: true, wait: false })];
    assert.deepEqual(await Promise.all(holds.map(settle)), ['resolved', 'resolved'], 'holds do not wait for the fsync');
    assert.deepEqual(keys(store), ['h1', 'h2']);
    assert.equal(files.appendsStarted, 0, 'a batch of holds alone starts no write+fsync');
    const hold = store.withWrite(insert('h3'), { batch: true, wait: false });
    const row = store.withWrite(insert('row'), { batch: true });
    assert.equal(await settle(hold), 'resolved');
    assert.equal(await settle(row), 'pending', 'the row waits for the fsync');
    assert.equal(files.appendsStarted, 1, 'one write+fsync carries the earlier holds and this batch');
    files.open();
    await row;
    // Not closed: as if killed right after the acknowledgement.
    const again = await Store.open({ dir });
    assert.deepEqual(keys(again), ['h1', 'h2', 'h3', 'row']);
    await again.close();
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
