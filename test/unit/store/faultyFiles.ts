// A file-system layer over the real one that fails on demand: tests run as root, where chmod
// cannot make a folder read-only, so disk-full and crash points are injected here instead.
import { nodeStoreFiles, type AppendFile, type StoreFiles } from '../../../daemon/store/storeFiles';

export type Mutation = 'openAppend' | 'appendDurably' | 'truncate' | 'rename' | 'remove' | 'writeDurably' | 'syncDir' | 'truncateOpen';

export interface FaultPlan {
  /** Called before each mutating operation; return an error to fail it. */
  before(op: Mutation, path: string): Error | null;
  /** For a failing append: how many bytes reach the file before the failure (a torn write). */
  tornBytes?(length: number): number;
}

export class FaultyFiles implements StoreFiles {
  appends = 0;
  constructor(private readonly plan: FaultPlan) {}

  private check(op: Mutation, path: string): void {
    const e = this.plan.before(op, path);
    if (e) {
      throw e;
    }
  }

  mkdir(dir: string): void {
    nodeStoreFiles.mkdir(dir);
  }
  list(dir: string): string[] {
    return nodeStoreFiles.list(dir);
  }
  read(path: string): Uint8Array {
    return nodeStoreFiles.read(path);
  }
  truncate(path: string, length: number): void {
    this.check('truncate', path);
    nodeStoreFiles.truncate(path, length);
  }
  rename(from: string, to: string): void {
    this.check('rename', to);
    nodeStoreFiles.rename(from, to);
  }
  remove(path: string): void {
    this.check('remove', path);
    nodeStoreFiles.remove(path);
  }
  syncDir(dir: string): void {
    this.check('syncDir', dir);
    nodeStoreFiles.syncDir(dir);
  }
  async writeDurably(path: string, data: Uint8Array): Promise<void> {
    const e = this.plan.before('writeDurably', path);
    if (e) {
      // Half a snapshot reaches the temporary file before the failure.
      await nodeStoreFiles.writeDurably(path, data.subarray(0, Math.floor(data.byteLength / 2)));
      throw e;
    }
    await nodeStoreFiles.writeDurably(path, data);
  }
  async openAppend(path: string): Promise<AppendFile> {
    this.check('openAppend', path);
    const inner = await nodeStoreFiles.openAppend(path);
    return {
      size: inner.size,
      appendDurably: async (data) => {
        this.appends++;
        const e = this.plan.before('appendDurably', path);
        if (e) {
          const torn = this.plan.tornBytes?.(data.byteLength) ?? 0;
          if (torn > 0) {
            await inner.appendDurably(data.subarray(0, torn));
          }
          throw e;
        }
        await inner.appendDurably(data);
      },
      truncate: async (length) => {
        this.check('truncateOpen', path);
        await inner.truncate(length);
      },
      close: () => inner.close(),
    };
  }
}

export function errno(code: string, message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}
