// Hosts one bench target in its own process, so the load generator's CPU and each target's memory
// are measured apart. Protocol on stdio: prints one JSON line {endpoint} when ready; on the line
// "stats" prints {rssBytes, maxRssBytes}; on "cpu" prints {cpuMicros}; exits when stdin closes.
import { createInterface } from 'node:readline';
import { targets } from './targets';

async function main(): Promise<void> {
  const name = process.argv[2];
  const target = targets.find((t) => t.name === name);
  if (target === undefined) {
    process.stderr.write(`unknown target "${name ?? ''}"; known: ${targets.map((t) => t.name).join(', ')}\n`);
    process.exit(2);
  }
  const started = await target.start();
  process.stdout.write(`${JSON.stringify({ endpoint: started.endpoint })}\n`);
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    if (line.trim() === 'cpu') {
      // CPU time of the target's processes (with its in-process simulator), µs, for per-request figures.
      const u = process.cpuUsage();
      void (started.cpuMicros ? started.cpuMicros() : Promise.resolve(u.user + u.system)).then((cpuMicros) => process.stdout.write(`${JSON.stringify({ cpuMicros })}\n`));
    } else if (line.trim() === 'stats') {
      const own = { rssBytes: process.memoryUsage().rss, maxRssBytes: process.resourceUsage().maxRSS * 1024 };
      void (started.stats ? started.stats() : Promise.resolve(own)).then((s) => process.stdout.write(`${JSON.stringify(s)}\n`));
    }
  });
  lines.on('close', () => {
    void started.close().finally(() => process.exit(0));
  });
}

void main();
