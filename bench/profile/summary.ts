// Prints the top self-time functions of a V8 CPU profile (node --cpu-prof), grouped by function
// and source location, and the share of time by area of the code (daemon folders, node_modules
// packages, Node internals, GC). Frames in a bundle are mapped back to their sources through the
// bundle's source map (dist/daemon.js.map of a non-production build).
// Usage: tsx bench/profile/summary.ts <file.cpuprofile> [top=30] [--window=<fromUs>,<toUs>]
// --window keeps only samples taken between two monotonic times (µs, the clock of
// process.hrtime and of the profile's startTime), so start-up and warm-up stay out.
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

const maps = new Map<string, SourceMap | null>();

/** The frame at its original source position when its file has a source map beside it. */
function original(f: CallFrame): CallFrame {
  if (!f.url.endsWith('.js')) {
    return f;
  }
  let map = maps.get(f.url);
  if (map === undefined) {
    const path = f.url.startsWith('file:') ? fileURLToPath(f.url) : f.url;
    map = existsSync(`${path}.map`) ? new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]) : null;
    maps.set(f.url, map);
  }
  if (map === null) {
    return f;
  }
  const e = map.findEntry(f.lineNumber, f.columnNumber) as { originalSource?: string; originalLine?: number };
  if (e.originalSource === undefined) {
    return f;
  }
  return { ...f, url: e.originalSource, lineNumber: e.originalLine ?? 0 };
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives: a daemon folder, an npm package, Node itself, or V8's own work. */
export function areaOf(f: CallFrame): string {
  if (f.url === '') {
    return `(${f.functionName || 'native'})`;
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f.url);
  if (pkg?.[1] !== undefined) {
    return pkg[1];
  }
  const own = /\/(daemon\/[^/]+)\//.exec(f.url);
  if (own?.[1] !== undefined) {
    return own[1];
  }
  if (f.url.startsWith('node:')) {
    return `node:${f.url.slice(5).split('/')[0] ?? ''}`;
  }
  return f.url.split('/').slice(-1)[0] ?? f.url;
}

function main(): void {
  const args = process.argv.slice(2);
  const windowArg = args.find((a) => a.startsWith('--window='));
  const [file, topArg] = args.filter((a) => !a.startsWith('--'));
  const [from, to] = windowArg === undefined ? [-Infinity, Infinity] : windowArg.slice('--window='.length).split(',').map(Number);
  if (file === undefined) {
    process.stderr.write('usage: tsx bench/profile/summary.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  const top = Number(topArg ?? 30);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    for (const c of n.children ?? []) {
      parent.set(c, n.id);
    }
  }
  const self = new Map<number, number>();
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    at += dt;
    if (at < (from ?? -Infinity) || at > (to ?? Infinity)) {
      return;
    }
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const keyOf = (raw: CallFrame): string => {
    const f = original(raw);
    const where = f.url === '' ? '' : ` ${f.url.replace(/^.*?\/?((?:daemon|node_modules|dist)\/)/, '$1')}:${f.lineNumber + 1}`;
    return `${f.functionName || '(anonymous)'}${where}`;
  };
  // Inclusive (self + callees) time of the daemon's own functions: which layers a request pays for.
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const raw = byId.get(n)?.callFrame;
      if (raw === undefined || !/\/daemon\//.test(original(raw).url)) {
        continue;
      }
      const key = keyOf(raw);
      if (!seen.has(key)) {
        seen.add(key);
        inclusive.set(key, (inclusive.get(key) ?? 0) + us);
      }
    }
  }
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const [id, us] of self) {
    const raw = byId.get(id)?.callFrame;
    if (raw === undefined) {
      continue;
    }
    const f = original(raw);
    const key = keyOf(raw);
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    const area = areaOf(f);
    byArea.set(area, (byArea.get(area) ?? 0) + us);
  }
  // Shares of the busy time: idle (waiting for sockets and fsyncs) says nothing about the cost.
  const idle = byFunction.get('(idle)') ?? 0;
  const busy = total - idle;
  const pct = (us: number): string => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
  process.stdout.write(`${file.split('/').pop() ?? file}: ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s busy (${((100 * busy) / total).toFixed(0)}%); shares below are of the busy time\n\ntop self time:\n`);
  for (const [k, us] of [...byFunction].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`  ${pct(us)}  ${k}\n`);
  }
  process.stdout.write('\ninclusive time of daemon functions (self + callees):\n');
  for (const [k, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`  ${pct(us)}  ${k}\n`);
  }
  process.stdout.write('\nby area:\n');
  for (const [k, us] of [...byArea].filter(([k]) => k !== '((idle))').sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    process.stdout.write(`  ${pct(us)}  ${k}\n`);
  }
}

main();
