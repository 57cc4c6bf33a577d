// What the proxy bench measures: each target is an HTTP server started in its own process (see
// host.ts) that answers OpenAI chat completions. Add a column: one entry in `targets`.
import { createServer, request, Agent, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
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
}

export interface BenchTarget {
  name: string;
  /** One line for the report: what sits between the client and the simulator. */
  description: string;
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

/** The whole daemon: auth, validation, routing `auto`, the simulated provider call, the ledger row. */
const daemon: BenchTarget = {
  name: 'daemon',
  description: 'client → llm-router daemon (simulate, model auto, durable journaled ledger) → simulator',
  async start() {
    const { startDaemon } = await import('../../daemon/server');
    const { createKeychainKeyStore } = await import('../../daemon/keys/keychain');
    const { daemonSocketPath } = await import('../../daemon/lifecycle/socketPath');
    const home = mkdtempSync(join(tmpdir(), 'lr-bench-'));
    const token = randomBytes(32).toString('hex');
    const running = await startDaemon({
      home,
      version: 'bench',
      token,
      port: 0,
      socketPath: daemonSocketPath(home),
      keys: createKeychainKeyStore({ env: {}, backend: { get: async () => null, set: async () => undefined, delete: async () => false } }),
      simulate: true,
      idleTimeoutMs: 0,
    });
    return {
      endpoint: { port: running.port, path: '/v1/chat/completions', headers: { authorization: `Bearer ${token}` }, model: 'auto' },
      close: async () => {
        await running.close();
        rmSync(home, { recursive: true, force: true });
      },
    };
  },
};

// Portkey's open-source gateway column: the providers helper adds its BenchTarget here.
export const targets: readonly BenchTarget[] = [direct, passThrough, daemon];
