// The only file-system surface the store uses. Tests inject a layer that fails on demand (disk
// full, read-only folder), because tests run as root, where chmod does not stop writes.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, truncateSync } from 'node:fs';
import { open } from 'node:fs/promises';

export interface AppendFile {
  /** Bytes in the file when it was opened. */
  readonly size: number;
  /** Appends at the end and makes the data durable (write + fdatasync). */
  appendDurably(data: Uint8Array): Promise<void>;
  /** Cuts the file back, e.g. after a write that failed half-way. */
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

export interface StoreFiles {
  mkdir(dir: string): void;
  list(dir: string): string[];
  read(path: string): Uint8Array;
  truncate(path: string, length: number): void;
  rename(from: string, to: string): void;
  remove(path: string): void;
  /** Opens for appending, creating the file if needed. */
  openAppend(path: string): Promise<AppendFile>;
  /** Writes a whole new file and fsyncs it before resolving. */
  writeDurably(path: string, data: Uint8Array): Promise<void>;
  /** Makes renames and creations in `dir` durable. */
  syncDir(dir: string): void;
}

/**
 * The ledger holds prompts' metadata and spend: its files are created the user's alone (0600)
 * rather than relying on the folder's 0700 — a folder the user chose may be open to others.
 */
const FILE_MODE = 0o600;

export const nodeStoreFiles: StoreFiles = {
  mkdir(dir) {
    mkdirSync(dir, { recursive: true });
  },
  list(dir) {
    return readdirSync(dir);
  },
  read(path) {
    return readFileSync(path);
  },
  truncate(path, length) {
    truncateSync(path, length);
  },
  rename(from, to) {
    renameSync(from, to);
  },
  remove(path) {
    rmSync(path, { force: true });
  },
  async openAppend(path) {
    const handle = await open(path, 'a', FILE_MODE);
    const { size } = await handle.stat();
    return {
      size,
      async appendDurably(data) {
        let offset = 0;
        while (offset < data.byteLength) {
          const { bytesWritten } = await handle.write(data, offset, data.byteLength - offset);
          offset += bytesWritten;
        }
        await handle.datasync();
      },
      async truncate(length) {
        await handle.truncate(length);
        await handle.datasync();
      },
      close: () => handle.close(),
    };
  },
  async writeDurably(path, data) {
    const handle = await open(path, 'w', FILE_MODE);
    try {
        await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  syncDir(dir) {
    // Windows cannot open a directory for fsync; its renames are durable enough for NTFS.
    if (process.platform === 'win32') {
      return;
    }
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  },
};
