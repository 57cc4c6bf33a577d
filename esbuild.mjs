// Bundles the three programs: the extension (CommonJS, `vscode` external), the daemon and its
// CLI (Node), and the dashboard webview (browser). sql.js's wasm is copied beside the daemon, and
// the tokenizer's rank tables into dist/tokenizer/ and the learned model's files into dist/model/
// (read on first use, see routing/tokenizer.ts and routing/modelFiles.ts).
// @napi-rs/keyring is native: it stays external and ships in node_modules inside the .vsix.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { writeNotices } from './scripts/thirdPartyNotices.mjs';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');
// Licence comments are left out of the bundles and collected into dist/THIRD-PARTY-NOTICES.txt.
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', legalComments: 'none', metafile: true };
// The wasm path is only resolved from node_modules when not running from the bundle (tests).
const nodeExternal = ['@napi-rs/keyring', 'sql.js/dist/sql-wasm.wasm', 'gpt-tokenizer/data/*'];

mkdirSync('dist', { recursive: true });
const builds = await Promise.all([
  esbuild.build({ ...common, entryPoints: { extension: 'extension/extension.ts' }, outdir: 'dist', platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', ...nodeExternal] }),
  esbuild.build({ ...common, entryPoints: { daemon: 'daemon/main.ts' }, outdir: 'dist', platform: 'node', format: 'cjs', target: 'node20', external: nodeExternal }),
  esbuild.build({ ...common, entryPoints: { cli: 'daemon/cli/main.ts' }, outdir: 'dist', platform: 'node', format: 'cjs', target: 'node20', external: nodeExternal, banner: { js: '#!/usr/bin/env node' } }),
  esbuild.build({ ...common, entryPoints: { webview: 'webview/main.ts' }, outdir: 'dist', platform: 'browser', format: 'iife', target: 'es2022' }),
]);
writeNotices(builds.map((b) => b.metafile));
copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), 'dist/sql-wasm.wasm');
mkdirSync('dist/model', { recursive: true });
for (const name of ['router-model.json', 'word-vectors.json']) {
  copyFileSync(`daemon/routing/model/${name}`, `dist/model/${name}`);
}
mkdirSync('dist/tokenizer', { recursive: true });
for (const name of ['cl100k_base', 'o200k_base']) {
  copyFileSync(require.resolve(`gpt-tokenizer/data/${name}.tiktoken`), `dist/tokenizer/${name}.tiktoken`);
}
