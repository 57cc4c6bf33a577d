// Captures a CPU profile of the daemon bundle under wrk load and prints its summary, with the CPU
// time per request measured from /proc over the same window (start-up and warm-up left out).
// Usage: npm run build && node --import tsx bench/profile/capture.ts [checkout=.] [seconds=10] [model=gpt-4o-mini] [concurrency=64]
// The daemon runs pinned to core 0 and wrk to core 1 (where taskset exists), as in `bench proxy`.
// Prints the summary to stdout; the raw profile stays in the printed directory.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pinned, runWrk } from '../proxy/wrk';

const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}

async function main(): Promise<void> {
  const [checkoutArg = '.', secondsArg = '10', model = 'gpt-4o-mini', cArg = '64'] = process.argv.slice(2);
  const checkout = resolve(checkoutArg);
  const home = mkdtempSync(join(tmpdir(), 'lr-prof-home-'));
  const out = mkdtempSync(join(tmpdir(), 'lr-prof-'));
  const [exe, ...args] = [...pinned(0), process.execPath, '--v8-pool-size=0', '--cpu-prof', `--cpu-prof-dir=${out}`, join(checkout, 'dist', 'daemon.js'), '--home', home, '--simulate', '--json', '--port', '0'] as unknown as [string, ...string[]];
  const child = spawn(exe, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LLM_ROUTER_HOME: home } });
  const ready = await new Promise<{ port: number; token: string }>((res, rej) => {
    let text = '';
    child.stdout.on('data', (d: Buffer) => {
      text += String(d);
      const line = text.split('\n').find((l) => l.startsWith('{'));
      if (line !== undefined) {
        res(JSON.parse(line) as { port: number; token: string });
      }
    });
    child.once('exit', (code) => rej(new Error(`the daemon exited with ${String(code)}`)));
  });
  child.stdout.resume();
  const endpoint = { port: ready.port, path: '/v1/chat/completions', headers: { authorization: `Bearer ${ready.token}` }, model };
  const c = Number(cArg);
  await runWrk(endpoint, c, 3, 1);
  const pid = child.pid as number;
  const cpu0 = cpuMicros(pid);
  const from = monotonicUs();
  const r = await runWrk(endpoint, c, Number(secondsArg), 1);
  const to = monotonicUs();
  const cpu = cpuMicros(pid) - cpu0;
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  child.kill('SIGINT');
  await exited;
  rmSync(home, { recursive: true, force: true });
  const file = readdirSync(out).find((f) => f.endsWith('.cpuprofile'));
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  process.stdout.write(`# ${checkout}, model ${model}, c=${c}: ${r.requests} requests in ${r.seconds.toFixed(1)} s (${r.rps.toFixed(0)}/s), ${r.errors} errors; `);
  process.stdout.write(`CPU ${(cpu / 1000 / r.requests).toFixed(3)} ms/request (profiler on); load average ${load}\n# profile: ${join(out, file ?? '?')}\n`);
  if (file === undefined) {
    throw new Error('no profile written');
  }
  const summary = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'summary.ts'), join(out, file), '40', `--window=${from},${to}`], { stdio: 'inherit' });
  await new Promise((res) => summary.once('exit', res));
}

void main();
