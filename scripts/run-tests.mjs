// Runs node:test over test/<suite>/**/*.test.ts with tsx. Node 20's --test takes no globs, so we find files here.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const suites = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const extra = process.argv.slice(2).filter((a) => a.startsWith('-'));
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) { walk(p); } else if (name.endsWith('.test.ts')) { files.push(p); }
  }
}
for (const s of suites.length ? suites : ['unit', 'integration']) { walk(join('test', s)); }
const filter = process.env.TEST_FILTER;
const selected = filter ? files.filter((f) => f.includes(filter)) : files;
if (selected.length === 0) { console.error('no test files found'); process.exit(1); }
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...extra, ...selected], { stdio: 'inherit' });
process.exit(r.status ?? 1);
