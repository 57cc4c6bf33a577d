// What the proxy bench measures: each target is an HTTP server started in its own process (see
// host.ts) that answers OpenAI chat completions. Add a column: one entry in `targets`.
import { createServer, request, Agent, type Server } from 'node:http';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
// Each target imports what it runs when it starts, so a target's RSS is not inflated by modules
// only another target needs.

/** How the load generator calls a started target. */
export interface TargetEndpoint {
  port: number;
  path: string;
  headers: Record<string, string>;
  model: string;
}

export interface StartedTarget {
  endpoint: TargetEndpoint;
  close(): Promise<void>;
  /** Memory of the processes serving this target, when they are not only the host process. */
  stats?(): Promise<{ rssBytes: number; maxRssBytes: number }>;
  /** CPU time of the processes serving this target, µs, when they are not only the host process. */
  cpuMicros?(): Promise<number>;
}

export interface BenchTarget {
  name: string;
  /** One line for the report: what sits between the client and the simulator. */
  description: string;
  /** Why this target's streaming figures are not measured (absent: they are). */
  noStreaming?: string;
  start(): Promise<StartedTarget>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

const direct: BenchTarget = {
  name: 'direct',
  description: 'client → simulator (zero latency)',
  async start() {
    const { startSimulator } = await import('../../daemon/simulator/server');
    const sim = await startSimulator({ ttftMs: 0, tokensPerSecond: 0 });
    return {
      endpoint: { port: Number(new URL(sim.url).port), path: '/openai/v1/chat/completions', headers: { authorization: 'Bearer sk-bench' }, model: 'gpt-4o-mini' },
      close: () => sim.close(),
    };
  },
};

/** The floor for any Node proxy: bytes copied through node:http with kept-alive upstream sockets. */
const passThrough: BenchTarget = {
  name: 'pass-through',
  description: 'client → bare node:http proxy → simulator',
  async start() {
    const { startSimulator } = await import('../../daemon/simulator/server');
    const sim = await startSimulator({ ttftMs: 0, tokensPerSecond: 0 });
    const simPort = Number(new URL(sim.url).port);
    const agent = new Agent({ keepAlive: true, maxSockets: 256 });
    const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
      const up = request({ host: '127.0.0.1', port: simPort, path: req.url, method: req.method, headers: req.headers, agent }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      });
      up.on('error', () => {
        res.writeHead(502).end();
      });
      req.pipe(up);
    });
    const port = await listen(server);
    return {
      endpoint: { port, path: '/openai/v1/chat/completions', headers: { authorization: 'Bearer sk-bench' }, model: 'gpt-4o-mini' },
      close: async () => {
        await new Promise<void>((r) => {
          server.close(() => r());
          server.closeAllConnections();
        });
        agent.destroy();
        await sim.close();
      },
    };
  },
};

/**
 * The whole daemon as people run it: the bundle (dist/daemon.js, `npm run build` first) in its own
 * process, with auth, validation, routing, the simulated provider call (in-process simulator) and
 * the durable ledger row. `homeParent` null: the OS temp folder (a real disk here, so each commit
 * pays an fdatasync); '/dev/shm' puts the journal on tmpfs, where fdatasync is free. BENCH_MODEL
 * picks the requested model (default a concrete one, as the issue's CPU target says; `auto` routes).
 */
const daemonTarget = (name: string, homeParent: string | null, where: string, checkout = '../..'): BenchTarget => ({
  name,
  description: `client → llm-router daemon${checkout === '../..' ? '' : ` of ${checkout}`} (dist/daemon.js, simulate, model ${process.env.BENCH_MODEL ?? 'gpt-4o-mini'}, durable journaled ledger ${where}) → simulator`,
  async start() {
    const { spawn } = await import('node:child_process');
    const script = resolve(__dirname, checkout, 'dist', 'daemon.js');
    if (!existsSync(script)) {
      throw new Error(`${script} is missing: run npm run build first`);
    }
    const home = mkdtempSync(join(homeParent ?? tmpdir(), 'lr-bench-'));
    // The flags `llm-router start` gives a daemon under Node (lifecycle/attach.ts); a baseline
    // checkout runs as that checkout would start it.
    // The same for the environment it adds (DAEMON_NODE_ENV, e.g. malloc's mmap threshold).
    const attach = (checkout === '../..' ? await import('../../daemon/lifecycle/attach') : await import(resolve(__dirname, checkout, 'daemon/lifecycle/attach'))) as {
      DAEMON_NODE_FLAGS?: readonly string[];
      DAEMON_NODE_ENV?: Readonly<Record<string, string>>;
    };
    const flags = attach.DAEMON_NODE_FLAGS ?? [];
    const child = spawn(process.execPath, [...flags, script, '--home', home, '--simulate', '--json', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...(attach.DAEMON_NODE_ENV ?? {}), ...process.env, LLM_ROUTER_HOME: home },
    });
    const ready = await new Promise<{ port: number; token: string }>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`the daemon did not start within 60 s: ${out.slice(-500)}`)), 60_000);
      child.stdout.on('data', (d: Buffer) => {
        out += String(d);
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line !== undefined) {
          clearTimeout(timer);
          resolve(JSON.parse(line) as { port: number; token: string });
        }
      });
      child.stderr.on('data', (d: Buffer) => (out += String(d)));
      child.once('exit', (code) => reject(new Error(`the daemon exited with ${String(code)}: ${out.slice(-500)}`)));
    });
    child.stdout.resume();
    child.stderr.resume();
    return {
      endpoint: { port: ready.port, path: '/v1/chat/completions', headers: { authorization: `Bearer ${ready.token}` }, model: process.env.BENCH_MODEL ?? 'gpt-4o-mini' },
      stats: () => procMemory(child.pid),
      cpuMicros: () => procCpuMicros(child.pid),
      close: async () => {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        await exited;
        rmSync(home, { recursive: true, force: true });
      },
    };
  },
});

const daemon = daemonTarget('daemon', null, `in ${tmpdir()}`);
const daemonTmpfs = daemonTarget('daemon-tmpfs', '/dev/shm', 'on tmpfs /dev/shm');
/**
 * BENCH_BASELINE=<another checkout> (e.g. a `git worktree` of an older commit, with node_modules
 * linked) adds its daemon as columns, so a before/after comparison shares one run's noise.
 */
const baselineDir = process.env.BENCH_BASELINE;
const baselines = baselineDir
  ? [daemonTarget('base-daemon', null, `in ${tmpdir()}`, baselineDir), ...(existsSync('/dev/shm') ? [daemonTarget('base-tmpfs', '/dev/shm', 'on tmpfs /dev/shm', baselineDir)] : [])]
  : [];

/** User + system CPU time of a process, µs, from /proc (Linux); NaN elsewhere. */
async function procCpuMicros(pid: number | undefined): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  try {
    const stat = await readFile(`/proc/${String(pid)}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1e6) / 100;
  } catch {
    return Number.NaN;
  }
}

/** VmRSS and VmHWM (peak) of a child process, from /proc (Linux); zeros elsewhere. */
async function procMemory(pid: number | undefined): Promise<{ rssBytes: number; maxRssBytes: number }> {
  const { readFile } = await import('node:fs/promises');
  try {
    const status = await readFile(`/proc/${String(pid)}/status`, 'utf8');
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rssBytes: kb('VmRSS'), maxRssBytes: kb('VmHWM') };
  } catch {
    return { rssBytes: 0, maxRssBytes: 0 };
  }
}

/**
 * Portkey's open-source gateway (@portkey-ai/gateway, its own Node process, headless), pointed at
 * the simulator as a custom OpenAI host. Its RSS is the gateway's plus this host's (which holds
 * the simulator, as the daemon's process does).
 */
const portkey: BenchTarget = {
  name: 'portkey',
  description: 'client → Portkey gateway 1.x (node, headless, x-portkey-custom-host) → simulator',
  noStreaming: 'on Node 20 its streaming path fails ("TypeError: immutable", upstream issue #1389)',
  async start() {
    const { spawn } = await import('node:child_process');
    const { createRequire } = await import('node:module');
    const { startSimulator } = await import('../../daemon/simulator/server');
    const sim = await startSimulator({ ttftMs: 0, tokensPerSecond: 0 });
    const probe = createServer();
    const port = await listen(probe);
    await new Promise<void>((r) => probe.close(() => r()));
    const entry = createRequire(__filename).resolve('@portkey-ai/gateway/build/start-server.js');
    const child = spawn(process.execPath, [entry, `--port=${port}`, '--headless'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Portkey did not start within 30 s: ${log.slice(-500)}`)), 30_000);
      child.stdout.on('data', (d: Buffer) => {
        log += String(d);
        if (log.includes('Ready for connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr.on('data', (d: Buffer) => (log += String(d)));
      child.once('exit', (code) => reject(new Error(`Portkey exited with ${String(code)}: ${log.slice(-500)}`)));
    });
    // Portkey logs every failure to stderr; keep reading so its pipe never fills.
    child.stdout.resume();
    child.stderr.resume();
    return {
      endpoint: {
        port,
        path: '/v1/chat/completions',
        headers: { authorization: 'Bearer sk-bench', 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${sim.url}/openai/v1` },
        model: 'gpt-4o-mini',
      },
      async cpuMicros() {
        const u = process.cpuUsage();
        return (await procCpuMicros(child.pid)) + u.user + u.system;
      },
      async stats() {
        const gateway = await procMemory(child.pid);
        const own = { rssBytes: process.memoryUsage().rss, maxRssBytes: process.resourceUsage().maxRSS * 1024 };
        return { rssBytes: gateway.rssBytes + own.rssBytes, maxRssBytes: gateway.maxRssBytes + own.maxRssBytes };
      },
      close: async () => {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        await exited;
        await sim.close();
      },
    };
  },
};

const all: readonly BenchTarget[] = [direct, passThrough, daemon, ...(existsSync('/dev/shm') ? [daemonTmpfs] : []), ...baselines, portkey];
/** BENCH_TARGETS=direct,pass-through,daemon measures only those (default: all). */
const only = process.env.BENCH_TARGETS?.split(',').map((t) => t.trim()).filter((t) => t !== '');
export const targets: readonly BenchTarget[] = only && only.length > 0 ? all.filter((t) => only.includes(t.name)) : all;
