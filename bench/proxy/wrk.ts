// wrk (a C load generator) as the bench's non-streamed load: a Node generator saturates before a
// bare pass-through does, which hid most of the gap between it and the daemon. wrk runs in its own
// process, pinned with taskset to a different core than the targets where taskset exists.
import { spawnSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TargetEndpoint } from './targets';

export interface WrkResult {
  concurrency: number;
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  /** Latency to the end of the response, ms. */
  p50: number;
  p99: number;
}

function available(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.error === undefined;
}

export const hasWrk = (): boolean => available('wrk', ['--version']);
export const hasTaskset = (): boolean => process.platform === 'linux' && available('taskset', ['--version']);

/** The command prefix that pins a process to `core` (empty where taskset is missing). */
export function pinned(core: number | null): string[] {
  return core !== null && hasTaskset() ? ['taskset', '-c', String(core)] : [];
}

function luaString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

export function requestBody(endpoint: TargetEndpoint, stream: boolean): string {
  return JSON.stringify({
    model: endpoint.model,
    messages: [{ role: 'user', content: 'Say hello in one short sentence.' }],
    max_tokens: 64,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

/** Runs wrk for `seconds` at `concurrency` connections (one thread) against a target. */
export async function runWrk(endpoint: TargetEndpoint, concurrency: number, seconds: number, core: number | null): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), 'llmr-wrk-'));
  try {
    const headers = { ...endpoint.headers, 'content-type': 'application/json' };
    const script = [
      'wrk.method = "POST"',
      `wrk.body = ${luaString(requestBody(endpoint, false))}`,
      ...Object.entries(headers).map(([k, v]) => `wrk.headers[${luaString(k)}] = ${luaString(v)}`),
      // summary.errors.status counts non-2xx answers.
      'done = function(summary, latency, requests)',
      '  local e = summary.errors',
      '  io.write(string.format("WRK {\\"requests\\":%d,\\"errors\\":%d,\\"us\\":%d,\\"p50\\":%d,\\"p99\\":%d}\\n",',
      '    summary.requests, e.connect + e.read + e.write + e.status + e.timeout, summary.duration, latency:percentile(50), latency:percentile(99)))',
      'end',
    ].join('\n');
    const lua = join(dir, 'post.lua');
    writeFileSync(lua, script);
    const url = `http://127.0.0.1:${endpoint.port}${endpoint.path}`;
    const args = [...pinned(core), 'wrk', '-t1', `-c${concurrency}`, `-d${seconds}s`, '--timeout', '10s', '-s', lua, url];
    const [cmd, ...rest] = args as [string, ...string[]];
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(cmd, rest, { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += String(d)));
      child.stderr.on('data', (d: Buffer) => (text += String(d)));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited with ${String(code)}: ${text.slice(-500)}`))));
    });
    const line = /WRK (\{.*\})/.exec(out)?.[1];
    if (line === undefined) {
      throw new Error(`wrk printed no summary: ${out.slice(-500)}`);
    }
    const r = JSON.parse(line) as { requests: number; errors: number; us: number; p50: number; p99: number };
    const secondsRun = r.us / 1e6;
    return { concurrency, requests: r.requests, errors: r.errors, seconds: secondsRun, rps: r.requests / secondsRun, p50: r.p50 / 1000, p99: r.p99 / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
