// npm run bench proxy-clients — which HTTP client the daemon should call providers with, side by
// side in one run: undici's request() (a Readable body per response), undici's dispatch() with a
// bare handler (no stream objects), and node:http with a keep-alive Agent. The simulator runs in
// its own process pinned to core 1; the clients run here, pinned to core 0, and only this
// process's CPU time is counted (µs per request, non-streamed chat completions at c=64).
// Prints figures; asserts nothing.
import { spawn } from 'node:child_process';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Agent, request as undiciRequest } from 'undici';
import { hasTaskset, pinned } from './wrk';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const CONCURRENCY = 64;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello in one short sentence.' }], max_tokens: 64 });
const headers = { 'content-type': 'application/json', accept: 'application/json', authorization: 'Bearer sk-bench' };

type Call = (url: URL) => Promise<string>;

function viaUndiciRequest(): { call: Call; close(): Promise<void> } {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  return {
    call: async (url) => {
      const res = await undiciRequest(url, { dispatcher: agent, method: 'POST', headers, body });
      return res.body.text();
    },
    close: () => agent.close(),
  };
}

function viaUndiciDispatch(): { call: Call; close(): Promise<void> } {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  return {
    call: (url) =>
      new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        agent.dispatch(
          { origin: url.origin, path: url.pathname, method: 'POST', headers, body },
          {
            onRequestStart() {},
            onResponseStart() {},
            onResponseData(_c: unknown, chunk: Buffer) {
              chunks.push(chunk);
            },
            onResponseEnd() {
              resolve(Buffer.concat(chunks).toString('utf8'));
            },
            onResponseError(_c: unknown, err: Error) {
              reject(err);
            },
          },
        );
      }),
    close: () => agent.close(),
  };
}

/** The handler shape undici's core calls directly (the controller API above is wrapped into it). */
function viaUndiciDispatchRaw(): { call: Call; close(): Promise<void> } {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  return {
    call: (url) =>
      new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        agent.dispatch({ origin: url.origin, path: url.pathname, method: 'POST', headers, body }, {
          onConnect() {},
          onHeaders() {
            return true;
          },
          onData(chunk: Buffer) {
            chunks.push(chunk);
            return true;
          },
          onComplete() {
            resolve(Buffer.concat(chunks).toString('utf8'));
          },
          onError(err: Error) {
            reject(err);
          },
        } as unknown as Parameters<Agent['dispatch']>[1]);
      }),
    close: () => agent.close(),
  };
}

function viaNodeHttp(): { call: Call; close(): Promise<void> } {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 64 });
  return {
    call: (url) =>
      new Promise((resolve, reject) => {
        const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(body);
      }),
    close: async () => agent.destroy(),
  };
}

async function drive(call: Call, url: URL, n: number): Promise<void> {
  let left = n;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (left-- > 0) {
        JSON.parse(await call(url));
      }
    }),
  );
}

async function main(): Promise<void> {
  // The simulator alone, hosted as `bench proxy` hosts its `direct` target (stdin open = running).
  const [exe, ...args] = [...pinned(hasTaskset() && cpus().length >= 2 ? 1 : null), process.execPath, '--import', 'tsx', join(__dirname, 'host.ts'), 'direct'] as unknown as [string, ...string[]];
  const sim = spawn(exe, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => sim.stdout.once('data', (d: Buffer) => resolve(String(d).trim())));
  const { endpoint } = JSON.parse(line) as { endpoint: { port: number; path: string } };
  const url = new URL(`http://127.0.0.1:${endpoint.port}${endpoint.path}`);
  const clients = { 'undici request()': viaUndiciRequest(), 'undici dispatch()': viaUndiciDispatch(), 'undici raw handler': viaUndiciDispatchRaw(), 'node:http Agent': viaNodeHttp() };
  const totals = new Map<string, { micros: number; requests: number; ms: number }>();
  try {
    for (const c of Object.values(clients)) {
      await drive(c.call, url, 2000);
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, c] of Object.entries(clients)) {
        const u0 = process.cpuUsage();
        const t0 = performance.now();
        await drive(c.call, url, REQUESTS);
        const u = process.cpuUsage(u0);
        const t = totals.get(name) ?? { micros: 0, requests: 0, ms: 0 };
        totals.set(name, { micros: t.micros + u.user + u.system, requests: t.requests + REQUESTS, ms: t.ms + performance.now() - t0 });
      }
    }
  } finally {
    await Promise.all(Object.values(clients).map((c) => c.close()));
    sim.stdin.end();
  }
  process.stdout.write(`upstream clients, ${ROUNDS} rounds × ${REQUESTS} non-streamed requests at c=${CONCURRENCY}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  for (const [name, t] of totals) {
    process.stdout.write(`  ${name.padEnd(18)}  client CPU ${((t.micros / t.requests) * 1).toFixed(1).padStart(6)} µs/request  ${((t.requests / t.ms) * 1000).toFixed(0).padStart(6)} req/s\n`);
  }
}

void main();
