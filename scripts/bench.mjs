// `npm run bench <name…>` runs the named benchmarks (proxy, ledger, durability, routing,
// routing-latency) one after another; with no name it lists them.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const scripts = JSON.parse(readFileSync('package.json', 'utf8')).scripts;
const names = Object.keys(scripts).filter((s) => s.startsWith('bench:')).map((s) => s.slice('bench:'.length));
const wanted = process.argv.slice(2);
if (wanted.length === 0) {
  console.log(`usage: npm run bench <${names.join('|')}> [...]`);
  process.exit(0);
}
for (const name of wanted) {
  if (!names.includes(name)) {
    console.error(`unknown benchmark "${name}": choose from ${names.join(', ')}`);
    process.exit(2);
  }
  const r = spawnSync('npm', ['run', `bench:${name}`], { stdio: 'inherit' });
  if (r.status !== 0) {
    process.exit(r.status ?? 1);
  }
}
