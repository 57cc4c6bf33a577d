// The real file layer's durability calls, observed: an append is fdatasync'ed and a whole file
// fsync'ed before their promises resolve (no test can pull the power, so we watch the calls).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeStoreFiles } from '../../../daemon/store/storeFiles';

test('appendDurably resolves only after fdatasync; writeDurably only after fsync', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lr-files-'));
  // Every FileHandle shares one prototype: wrap its sync calls to log when they finish.
  const probe = await open(join(dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void>; sync: () => Promise<void> };
  await probe.close();
  const events: string[] = [];
  const { datasync, sync } = proto;
  t.after(() => {
    proto.datasync = datasync;
    proto.sync = sync;
    rmSync(dir, { recursive: true, force: true });
  });
  proto.datasync = async function (this: unknown) {
    await datasync.call(this);
    events.push('datasync');
  };
  proto.sync = async function (this: unknown) {
    await sync.call(this);
    events.push('sync');
  };

  const journal = join(dir, 'j');
  const file = await nodeStoreFiles.openAppend(journal);
  await file.appendDurably(Buffer.from('record-1'));
  events.push('append resolved');
  await file.close();
  assert.deepEqual(events, ['datasync', 'append resolved']);
  assert.equal(readFileSync(journal, 'utf8'), 'record-1');

  events.length = 0;
  await nodeStoreFiles.writeDurably(join(dir, 's'), Buffer.from('snapshot'));
  events.push('write resolved');
  assert.deepEqual(events, ['sync', 'write resolved']);
});
