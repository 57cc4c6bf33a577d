// Loads sql.js's WebAssembly once per process. The bundle ships sql-wasm.wasm beside itself;
// under tests (tsx) it is found in node_modules.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import initSqlJs, { type SqlJsStatic } from 'sql.js';

let loading: Promise<SqlJsStatic> | null = null;

function wasmPath(): string {
  const beside = join(__dirname, 'sql-wasm.wasm');
  if (existsSync(beside)) {
    return beside;
  }
  return require.resolve('sql.js/dist/sql-wasm.wasm');
}

/**
 * SQLite runs on V8's baseline WebAssembly code (Liftoff) only, never tiered up to TurboFan. The
 * tier-up of SQLite's hot functions (sqlite3VdbeExec is one huge function) compiles on a helper
 * thread whose malloc arena keeps about 12 MB it no longer uses, from the first seconds of the
 * daemon on (`npm run bench memory`: idle 93 → 82 MB under Node, 104 → 84 MB without
 * --v8-pool-size=0 as under VS Code's Electron). CPU per request did not change in that bench
 * (0.80 ms both); a scan of 200k rows in one query takes about 35% longer. Set before the module
 * is compiled, so it holds under Electron too, where the daemon gets no command-line flags.
 */
export function loadSqlJs(): Promise<SqlJsStatic> {
  if (loading === null) {
    setFlagsFromString('--liftoff-only');
  }
  loading ??= initSqlJs({ locateFile: () => wasmPath() });
  return loading;
}
