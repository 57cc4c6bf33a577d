// One way to write an export, shared by the local ledger (reports.ts) and the team ledger
// (team/reports.ts): CSV (a header line, one row a line, RFC 4180 quoting) or a JSON array, either
// returned inline (at most INLINE_EXPORT_LIMIT rows) or written to a file under a temporary name,
// fsynced and renamed into place, so a failed export never leaves a partial file behind.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';
import { RouterError } from '../protocol/errors';

export const INLINE_EXPORT_LIMIT = 10_000;

export function csvCell(v: unknown): string {
  if (v === null || v === undefined) {
    return '';
  }
  const s = Array.isArray(v) ? v.join(' ') : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** How one kind of row is written: its CSV columns and cells, and its JSON form. */
export interface ExportShape<R> {
  format: 'csv' | 'json';
  columns: readonly string[];
  cell(row: R, column: string): unknown;
  json(row: R): unknown;
}

function notWritable(path: string, e: unknown): RouterError {
  return new RouterError('pathNotWritable', `cannot export to ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { path });
}

function checkWritable(path: string): void {
  if (!isAbsolute(path)) {
    throw new RouterError('pathNotWritable', `export path "${path}" must be absolute: the daemon's working folder is not yours`, { path });
  }
  let dirOk: boolean;
  try {
    dirOk = statSync(dirname(path)).isDirectory();
  } catch {
    dirOk = false;
  }
  if (!dirOk) {
    throw new RouterError('pathNotWritable', `cannot export to ${path}: the folder ${dirname(path)} does not exist`, { path });
  }
}

/** Rows go in a page at a time; `finish` ends the document, `abort` undoes a file export. */
export class ExportWriter<R> {
  private rows = 0;
  private readonly parts: string[] = [];

  private constructor(
    private readonly shape: ExportShape<R>,
    private readonly file: { path: string; tmp: string; fd: number } | null,
  ) {
    this.out(shape.format === 'csv' ? `${shape.columns.join(',')}\n` : '[');
  }

  static inline<R>(shape: ExportShape<R>): ExportWriter<R> {
    return new ExportWriter(shape, null);
  }

  static toFile<R>(shape: ExportShape<R>, path: string, now: number): ExportWriter<R> {
    checkWritable(path);
    const tmp = `${path}.${process.pid}.${now}.tmp`;
    let fd: number;
    try {
      fd = openSync(tmp, 'wx', 0o600);
    } catch (e) {
      throw notWritable(path, e);
    }
    try {
      return new ExportWriter(shape, { path, tmp, fd });
    } catch (e) {
      // The header could not be written (a full disk): no file is left behind.
      closeSync(fd);
      rmSync(tmp, { force: true });
      throw notWritable(path, e);
    }
  }

  page(rows: readonly R[]): void {
    if (this.file === null && this.rows + rows.length > INLINE_EXPORT_LIMIT) {
      throw new RouterError('invalidParams', `more than ${INLINE_EXPORT_LIMIT} rows in this range: give a path to export them to a file, or a shorter range`, { limit: INLINE_EXPORT_LIMIT });
    }
    let chunk = '';
    for (const row of rows) {
      this.rows += 1;
      chunk += this.encode(row, this.rows === 1);
    }
    this.out(chunk);
  }

  /** Ends the document: the inline content, or the file fsynced and renamed into place. */
  finish(): { rows: number; path: string | null; content: string | null } {
    const { shape, file } = this;
    this.out(shape.format === 'csv' ? '' : this.rows === 0 ? ']\n' : '\n]\n');
    if (file === null) {
      return { rows: this.rows, path: null, content: this.parts.join('') };
    }
    fsyncSync(file.fd);
    closeSync(file.fd);
    renameSync(file.tmp, file.path);
    return { rows: this.rows, path: file.path, content: null };
  }

  /** A failed export leaves no file behind; its error, or pathNotWritable for a file-system one. */
  abort(e: unknown): never {
    const { file } = this;
    if (file === null) {
      throw e;
    }
    try {
      closeSync(file.fd);
    } catch {
      // Already closed.
    }
    rmSync(file.tmp, { force: true });
    throw e instanceof RouterError ? e : notWritable(file.path, e);
  }

  private encode(row: R, first: boolean): string {
    const { shape } = this;
    return shape.format === 'csv' ? `${shape.columns.map((c) => csvCell(shape.cell(row, c))).join(',')}\n` : `${first ? '\n' : ',\n'}${JSON.stringify(shape.json(row))}`;
  }

  private out(text: string): void {
    if (text === '') {
      return;
    }
    if (this.file === null) {
      this.parts.push(text);
    } else {
      writeSync(this.file.fd, text);
    }
  }
}
