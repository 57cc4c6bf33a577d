// Bundles the three programs: the extension (CommonJS, `vscode` external), the daemon and its
// CLI (Node), and the dashboard webview (browser). sql.js's wasm is copied beside the daemon, and
// the tokenizer's rank tables (built) into dist/tokenizer/ and the learned model's files into dist/model/
// (read on first use, see routing/tokenizer.ts and routing/modelFiles.ts), and the catalog's price
// table into dist/price-table.json (see ledger/priceTable.ts).
// @napi-rs/keyring is native: it stays external and ships in node_modules inside the .vsix.
// Libraries the daemon needs only on first use (see VENDOR) are bundled into files of their own in
// dist/vendor/, which the daemon and the CLI require when that use comes.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { writeNotices } from './scripts/thirdPartyNotices.mjs';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');
// Licence comments are left out of the bundles and collected into dist/THIRD-PARTY-NOTICES.txt.
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', legalComments: 'none', metafile: true };
// The wasm path is only resolved from node_modules when not running from the bundle (tests).
const nodeExternal = ['@napi-rs/keyring', 'sql.js/dist/sql-wasm.wasm', 'gpt-tokenizer/data/*'];

/**
 * Libraries the daemon requires only on first use, each bundled into dist/vendor/<file>.js: undici
 * at the first provider call (providers/http.ts), the language server's JSON-RPC runtime when an
 * editor connects (transport/socketServer.ts), pg in team mode (team/connection.ts), genai-prices
 * for a model the price table lacks (ledger/priceProbe.ts). Inside daemon.js a lazily required
 * library still costs its source text, held in memory for as long as the process runs (about
 * 2 MB for these four); in a file of its own it costs nothing until it is required.
 * Only the package's main entry is listed: no two bundles may hold the same module, or its state
 * (classes, caches) would exist twice. The vendor files hold only third-party code.
 */
const VENDOR = { undici: 'undici', 'vscode-languageserver/node': 'vscode-languageserver', pg: 'pg', '@pydantic/genai-prices': 'genai-prices' };
const vendorFiles = {
  name: 'vendor-files',
  setup(build) {
    const names = Object.keys(VENDOR).map((n) => n.replace(/[/@.]/g, '\\$&'));
    build.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, (args) => ({ path: `./vendor/${VENDOR[args.path]}.js`, external: true }));
  },
};

mkdirSync('dist', { recursive: true });
const builds = await Promise.all([
  esbuild.build({ ...common, entryPoints: { extension: 'extension/extension.ts' }, outdir: 'dist', platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', ...nodeExternal] }),
  esbuild.build({ ...common, entryPoints: { daemon: 'daemon/main.ts' }, outdir: 'dist', platform: 'node', format: 'cjs', target: 'node20', external: nodeExternal, plugins: [vendorFiles] }),
  esbuild.build({ ...common, entryPoints: { cli: 'daemon/cli/main.ts' }, outdir: 'dist', platform: 'node', format: 'cjs', target: 'node20', external: nodeExternal, plugins: [vendorFiles], banner: { js: '#!/usr/bin/env node' } }),
  esbuild.build({ ...common, entryPoints: Object.fromEntries(Object.entries(VENDOR).map(([pkg, file]) => [`vendor/${file}`, pkg])), outdir: 'dist', platform: 'node', format: 'cjs', target: 'node20' }),
  esbuild.build({ ...common, entryPoints: { webview: 'webview/main.ts' }, outdir: 'dist', platform: 'browser', format: 'iife', target: 'es2022' }),
]);
writeNotices(builds.map((b) => b.metafile));
for (const file of ['dist/daemon.js', ...Object.values(VENDOR).map((f) => `dist/vendor/${f}.js`)]) {
  asciiOnly(file);
}
copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), 'dist/sql-wasm.wasm');
mkdirSync('dist/model', { recursive: true });
for (const name of ['router-model.json', 'word-vectors.json']) {
  copyFileSync(`daemon/routing/model/${name}`, `dist/model/${name}`);
}
// The tokenizer's rank tables, built into the form the daemon reads with one read (bpeTable.ts).
const tables = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/tokenizerTables.ts', 'dist/tokenizer'], { stdio: 'inherit' });
if (tables.status !== 0) {
  throw new Error('scripts/tokenizerTables.ts failed: the daemon would estimate tokens instead of counting them');
}
// The catalog's prices, probed from @pydantic/genai-prices (ledger/priceTable.ts): the daemon loads
// the library itself only for a model this table does not hold.
const prices = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/priceTable.ts', 'dist/price-table.json'], { stdio: 'inherit' });
if (prices.status !== 0) {
  throw new Error('scripts/priceTable.ts failed: the daemon would price every model through the whole library');
}

/**
 * Node keeps a script's source in memory as a string, two bytes a character as soon as one
 * character is outside Latin-1. esbuild escapes strings but not comments or regular expression
 * literals, and a few of those (typographic quotes in undici's comments, math signs in routing's
 * patterns) doubled the daemon's source in memory (8 MB for 4 MB). Escaped as \uXXXX they mean the
 * same; a backslash right before one would change meaning, so that stops the build instead.
 */
function asciiOnly(file) {
  const text = readFileSync(file, 'utf8');
  if (/\\[\u0080-\uffff]/.test(text)) {
    throw new Error(`${file}: a backslash before a non-ASCII character; cannot escape it safely`);
  }
  const escaped = text.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (escaped !== text) {
    writeFileSync(file, escaped);
  }
}
