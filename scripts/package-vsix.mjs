// `npm run package`: one .vsix per VS Code target (linux-x64, linux-arm64, darwin-x64, darwin-arm64,
// win32-x64, win32-arm64). The bundles are the same everywhere; only the keychain binding differs:
// each target's @napi-rs/keyring-<platform> package is fetched from the npm registry with `npm pack`
// into .cache/keyring (not committed, reused), unpacked beside the daemon bundle in a staging copy,
// and `vsce package --target` packs that copy. `--target=<t>` builds one. Then check-vsix.mjs runs.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BINDING_DIR, VSIX_TARGETS, vsixName } from './vsixTargets.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.find((a) => a.startsWith('--target='))?.split('=')[1];
const targets = VSIX_TARGETS.filter((t) => !only || t.target === only);
if (targets.length === 0) {
  console.error(`unknown --target=${only}; one of ${VSIX_TARGETS.map((t) => t.target).join(', ')}`);
  process.exit(2);
}
const run = (cmd, args, cwd) => {
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status})`);
  }
  return r.stdout;
};

const keyringVersion = JSON.parse(readFileSync(join(repo, 'node_modules/@napi-rs/keyring/package.json'), 'utf8')).version;
const cache = join(repo, '.cache', 'keyring');
mkdirSync(cache, { recursive: true });

run(process.execPath, ['esbuild.mjs', '--production'], repo);
const vsce = join(repo, 'node_modules', '@vscode', 'vsce', 'vsce');
for (const t of targets) {
  const tarball = join(cache, `${t.keyring.replace('@', '').replace('/', '-')}-${keyringVersion}.tgz`);
  if (!existsSync(tarball)) {
    // The registry serves every platform's package to any machine; nothing is installed.
    run('npm', ['pack', `${t.keyring}@${keyringVersion}`, '--pack-destination', cache, '--silent'], cache);
  }
  const stage = join(repo, 'out', 'vsix-stage', t.target);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  for (const f of ['package.json', 'README.md', 'LICENSE', '.vscodeignore', 'media', 'dist']) {
    if (existsSync(join(repo, f))) {
      cpSync(join(repo, f), join(stage, f), { recursive: true, filter: (src) => !src.endsWith('.map') && !src.endsWith('.vsix') && !src.includes(`${join('dist', 'node_modules')}`) });
    }
  }
  const bindings = join(stage, BINDING_DIR);
  mkdirSync(bindings, { recursive: true });
  cpSync(join(repo, 'node_modules/@napi-rs/keyring'), join(bindings, 'keyring'), { recursive: true });
  const own = join(bindings, t.keyring.split('/')[1]);
  mkdirSync(own, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', own, '--strip-components=1'], stage);
  // Bundled code needs no node_modules: only the keychain binding ships, inside dist/.
  run(process.execPath, [vsce, 'package', '--no-dependencies', '--target', t.target, '--out', join(repo, 'dist', vsixName(t.target))], stage);
  console.log(`built dist/${vsixName(t.target)} with ${t.keyring}@${keyringVersion}`);
}
writeFileSync(join(repo, 'dist', 'vsix-targets.txt'), targets.map((t) => vsixName(t.target)).join('\n') + '\n');
const check = spawnSync(process.execPath, [join(repo, 'scripts', 'check-vsix.mjs'), ...targets.map((t) => `--target=${t.target}`)], { stdio: 'inherit' });
process.exit(check.status ?? 1);
