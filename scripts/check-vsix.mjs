// Checks each per-platform .vsix: its manifest names the target, it holds exactly one native
// binary, that binary is the target's keychain binding with the right header (ELF / Mach-O / PE)
// and CPU, no other platform's binding is inside, and the bundles the editor runs are there.
// `--target=<t>` (repeatable) limits the check; default: every target. Needs `unzip`.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BINDING_DIR, nativeBinaryKind, VSIX_TARGETS, vsixName } from './vsixTargets.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const wanted = process.argv.filter((a) => a.startsWith('--target=')).map((a) => a.split('=')[1]);
const targets = VSIX_TARGETS.filter((t) => wanted.length === 0 || wanted.includes(t.target));
const REQUIRED = ['extension/package.json', 'extension/dist/THIRD-PARTY-NOTICES.txt', 'extension/dist/extension.js', 'extension/dist/daemon.js', ...['undici', 'vscode-languageserver', 'pg', 'genai-prices'].map((f) => `extension/dist/vendor/${f}.js`), 'extension/dist/webview.js', 'extension/dist/webview.css', 'extension/dist/sql-wasm.wasm', 'extension/dist/price-table.json', 'extension/dist/tokenizer/o200k_base.bpe', 'extension/dist/tokenizer/cl100k_base.bpe', 'extension/dist/model/router-model.json', 'extension/dist/model/word-vectors.json', `extension/${BINDING_DIR}/keyring/index.js`];

const unzip = (args) => {
  const r = spawnSync('unzip', args, { maxBuffer: 256 * 1024 * 1024 });
  if (r.error) {
    throw new Error(`unzip is missing (apt-get install -y unzip): ${r.error.message}`);
  }
  if (r.status !== 0) {
    throw new Error(`unzip ${args.join(' ')} failed: ${r.stderr}`);
  }
  return r.stdout;
};

let failures = 0;
let passes = 0;
for (const t of targets) {
  const file = join(repo, 'dist', vsixName(t.target));
  const problems = [];
  if (!existsSync(file)) {
    problems.push(`${file} is missing (npm run package)`);
  } else {
    const entries = unzip(['-Z1', file]).toString('utf8').split('\n').filter(Boolean);
    const manifest = unzip(['-p', file, 'extension.vsixmanifest']).toString('utf8');
    if (!manifest.includes(`TargetPlatform="${t.target}"`)) {
      problems.push(`extension.vsixmanifest does not name TargetPlatform="${t.target}"`);
    }
    for (const r of REQUIRED) {
      if (!entries.includes(r)) {
        problems.push(`${r} is missing`);
      }
    }
    const natives = entries.filter((e) => /\.(node|dll|so|dylib)$/.test(e));
    const ownDir = `extension/${BINDING_DIR}/${t.keyring.split('/')[1]}/`;
    if (natives.length !== 1 || !natives[0]?.startsWith(ownDir)) {
      problems.push(`expected exactly one native binary, under ${ownDir}; found ${natives.length ? natives.join(', ') : 'none'}`);
    }
    const foreign = VSIX_TARGETS.filter((o) => o.keyring !== t.keyring).map((o) => o.keyring.split('/')[1]).filter((name) => entries.some((e) => e.includes(`/${name}/`) || e.includes(name.replace('keyring-', 'keyring.'))));
    if (foreign.length > 0) {
      problems.push(`holds other platforms' bindings: ${foreign.join(', ')}`);
    }
    for (const n of natives) {
      const kind = nativeBinaryKind(unzip(['-p', file, n]));
      if (!kind) {
        problems.push(`${n} is not an ELF, Mach-O or PE binary`);
      } else if (kind.format !== t.format || kind.arch !== t.arch) {
        problems.push(`${n} is ${kind.format}/${kind.arch}, expected ${t.format}/${t.arch}`);
      }
    }
    if (problems.length === 0) {
      console.log(`ok   ${vsixName(t.target)}: ${t.format}/${t.arch} ${natives[0]} · ${(statSync(file).size / 1024 / 1024).toFixed(2)} MB`);
    }
  }
  if (problems.length > 0) {
    failures += 1;
    console.log(`FAIL ${vsixName(t.target)}\n     ${problems.join('\n     ')}`);
  } else {
    passes += 1;
  }
}
console.log(`${passes} passed, ${failures} failed`);
process.exit(failures > 0 ? 1 : 0);
