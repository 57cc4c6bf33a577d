// A bounded closed-loop load generator over kept-alive node:http sockets (127.0.0.1 only).
import { Agent, request } from 'node:http';
import type { TargetEndpoint } from './targets';

export interface LevelResult {
  concurrency: number;
  requests: number;
  errors: number;
  wallMs: number;
  rps: number;
  /** Per-request latency to the end of the body, ms, sorted. */
  latencies: number[];
  /** Streaming only: time to the first body byte, ms, sorted. */
  ttfb: number[];
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

function body(endpoint: TargetEndpoint, stream: boolean, n: number): Buffer {
  return Buffer.from(
    JSON.stringify({
      model: endpoint.model,
      messages: [{ role: 'user', content: `Say hello to request ${n} in one short sentence.` }],
      max_tokens: 64,
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    }),
  );
}

function once(endpoint: TargetEndpoint, agent: Agent, payload: Buffer): Promise<{ ok: boolean; ms: number; ttfbMs: number }> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolve) => {
    let ttfbMs = Number.NaN;
    const req = request(
      {
        host: '127.0.0.1',
        port: endpoint.port,
        path: endpoint.path,
        method: 'POST',
        agent,
        headers: { ...endpoint.headers, 'content-type': 'application/json', 'content-length': payload.length },
      },
      (res) => {
        res.on('data', () => {
          if (Number.isNaN(ttfbMs)) {
            ttfbMs = Number(process.hrtime.bigint() - t0) / 1e6;
          }
        });
        res.on('end', () => resolve({ ok: res.statusCode === 200, ms: Number(process.hrtime.bigint() - t0) / 1e6, ttfbMs }));
        res.on('error', () => resolve({ ok: false, ms: Number(process.hrtime.bigint() - t0) / 1e6, ttfbMs }));
      },
    );
    req.on('error', () => resolve({ ok: false, ms: Number(process.hrtime.bigint() - t0) / 1e6, ttfbMs }));
    req.end(payload);
  });
}

export async function runLevel(endpoint: TargetEndpoint, concurrency: number, requests: number, stream = false): Promise<LevelResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let issued = 0;
  let errors = 0;
  const latencies: number[] = [];
  const ttfb: number[] = [];
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (issued < requests) {
        const n = issued++;
        const r = await once(endpoint, agent, body(endpoint, stream, n));
        latencies.push(r.ms);
        if (!Number.isNaN(r.ttfbMs)) {
          ttfb.push(r.ttfbMs);
        }
        if (!r.ok) {
          errors++;
        }
      }
    }),
  );
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  ttfb.sort((a, b) => a - b);
  return { concurrency, requests, errors, wallMs, rps: (requests / wallMs) * 1000, latencies, ttfb };
}
