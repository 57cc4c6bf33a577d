// API keys never leak: a recognisable key is planted in the environment (and offered through
// keys/set), the real daemon (dist/daemon.js) is driven through answers, streams, provider
// failures that echo the key back (as real providers do in their 401 messages), bad input and a
// keychain that is not there; then every file the daemon wrote under its home, its stdout and
// stderr, and every response (headers and bodies) are searched for the key and fragments of it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ENV_KEY_VARIABLES } from '../../daemon/keys/keychain';
import { DIST_DAEMON, childEnv, ensureBundle, killPids, tempHome } from './lifecycle/helpers';

const planted = (prefix: string): string => `${prefix}PLANTED${randomBytes(24).toString('hex')}`;
const OPENAI_KEY = planted('sk-proj-');
const ANTHROPIC_KEY = planted('sk-ant-api03-');
/** One key per provider, in the environment: each provider's failure is driven separately (circuits open per provider). */
const ENV_KEYS: Record<string, string> = {
  OPENAI_API_KEY: OPENAI_KEY,
  GROQ_API_KEY: planted('gsk_'),
  DEEPSEEK_API_KEY: planted('sk-ds-'),
  MISTRAL_API_KEY: planted('mis-'),
};
const ALL_KEYS = [...Object.values(ENV_KEYS), ANTHROPIC_KEY];

/** The whole keys and the pieces a masked or truncated echo would still show. */
function fragments(key: string): string[] {
  return [key, key.slice(10, 30), key.slice(-16), key.slice(20, 36)];
}

let home = '';
let upstream: Server;
let upstreamSawKey = 0;
let daemon: ChildProcess | null = null;
let daemonOut = '';
const pids = new Set<number>();

/** A stand-in provider that answers, and fails the way real ones do: echoing the key it was sent. */
function fakeProvider(req: IncomingMessage, res: ServerResponse): void {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => (body += c));
  req.on('end', () => {
    const auth = String(req.headers.authorization ?? req.headers['x-api-key'] ?? '');
    if (ALL_KEYS.some((k) => auth.includes(k))) {
      upstreamSawKey++;
    }
    const echo = (status: number, message: string): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'x-echo-auth': auth });
      res.end(JSON.stringify({ error: { message, type: 'invalid_request_error', code: 'invalid_api_key', headers: req.headers } }));
    };
    if (!req.url?.endsWith('/chat/completions')) {
      echo(401, `Incorrect API key provided: ${auth}. You can find your API key at https://example.invalid.`);
      return;
    }
    let parsed: { stream?: boolean; model?: string; messages?: { content?: unknown }[] } = {};
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      echo(400, `bad body from ${auth}`);
      return;
    }
    const prompt = JSON.stringify(parsed.messages ?? []);
    if (prompt.includes('auth-fail')) {
      echo(401, `Incorrect API key provided: ${auth}.`);
      return;
    }
    if (prompt.includes('server-fail')) {
      echo(500, `upstream exploded while handling ${auth}`);
      return;
    }
    if (prompt.includes('rate-fail')) {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '0' });
      res.end(JSON.stringify({ error: { message: `Rate limit reached for key ${auth}`, type: 'requests', code: 'rate_limit_exceeded' } }));
      return;
    }
    const usage = { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 };
    if (parsed.stream === true) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: parsed.model, choices: [{ index: 0, delta: { role: 'assistant', content: 'Four.' }, finish_reason: null }] })}\n\n`);
      res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: parsed.model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`);
      res.write(`data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: parsed.model, choices: [], usage })}\n\n`);
      res.end('data: [DONE]\n\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: parsed.model, choices: [{ index: 0, message: { role: 'assistant', content: 'Four.' }, finish_reason: 'stop' }], usage }));
  });
}

before(async () => {
  ensureBundle();
  home = tempHome('lr-secrets-');
  upstream = createServer(fakeProvider);
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
  // Every provider points at the stand-in, so no request can leave this machine.
  const providers = Object.fromEntries(Object.keys(ENV_KEY_VARIABLES).map((p) => [p, { baseUrl: base }]));
  writeFileSync(join(home, 'config.json'), JSON.stringify({ providers }));
});

after(async () => {
  await killPids(pids);
  upstream.close();
  rmSync(home, { recursive: true, force: true });
});

function startDaemonChild(): Promise<{ port: number; token: string }> {
  const env = childEnv(home);
  Object.assign(env, ENV_KEYS);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DIST_DAEMON, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    daemon = child;
    if (child.pid !== undefined) {
      pids.add(child.pid);
    }
    const guard = setTimeout(() => reject(new Error(`daemon not ready: ${daemonOut}`)), 30_000);
    child.stderr.setEncoding('utf8').on('data', (c: string) => (daemonOut += c));
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      daemonOut += c;
      const line = daemonOut.split('\n').find((l) => l.startsWith('{"event":"ready"'));
      if (line !== undefined) {
        clearTimeout(guard);
        const ready = JSON.parse(line) as { port: number; token: string };
        resolve({ port: ready.port, token: ready.token });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(guard);
      reject(new Error(`daemon exited (code ${code}): ${daemonOut}`));
    });
  });
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) {
      out.push(...filesUnder(p));
    } else if (st.isFile()) {
      out.push(p);
    }
  }
  return out;
}

test('the planted keys appear in no file, log, output or response of the daemon', { timeout: 120_000 }, async () => {
  const { port, token } = await startDaemonChild();
  const seen: string[] = [];
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, method, path, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => {
            seen.push(`${path} ${res.statusCode} ${JSON.stringify(res.headers)} ${text}`);
            resolve({ status: res.statusCode ?? 0, text });
          });
        },
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));
    });
  const chat = (model: string, content: string, extra: Record<string, unknown> = {}) => call('POST', '/v1/chat/completions', { model, messages: [{ role: 'user', content }], ...extra });

  const ok = await chat('gpt-4o-mini', 'What is 2+2?');
  assert.equal(ok.status, 200, ok.text);
  assert.equal((await chat('gpt-4o-mini', 'What is 2+2? stream it', { stream: true })).status, 200);
  assert.equal((await chat('auto', 'route me')).status, 200);
  const failures: [string, string, boolean][] = [
    ['llama-3.1-8b-instant', 'server-fail', false],
    ['deepseek-chat', 'rate-fail', false],
    ['mistral-small', 'auth-fail', true],
    ['gpt-4o-mini', 'auth-fail', false],
  ];
  for (const [model, failing, stream] of failures) {
    const r = await chat(model, `please ${failing}`, stream ? { stream: true } : {});
    assert.ok(r.status >= 400 || r.text.includes('error'), `${model} ${failing} fails (${r.status})`);
  }
  await call('POST', '/v1/messages', { model: 'claude-3-5-haiku-latest', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
  await call('POST', '/v1/messages', { model: 'gpt-4o-mini', max_tokens: 16, messages: [{ role: 'user', content: 'auth-fail via messages' }] });
  // The keychain is unreachable here (no session bus): the refusal must not repeat the key.
  const set = await call('POST', '/rpc', { jsonrpc: '2.0', id: 1, method: 'keys/set', params: { provider: 'anthropic', apiKey: ANTHROPIC_KEY } });
  assert.equal(set.status, 200);
  await call('POST', '/rpc', { jsonrpc: '2.0', id: 2, method: 'keys/set', params: { provider: 'no such provider!', apiKey: ANTHROPIC_KEY } });
  await call('POST', '/rpc', { jsonrpc: '2.0', id: 3, method: 'keys/set', params: { provider: 'openai', apiKey: ANTHROPIC_KEY, extra: OPENAI_KEY } });
  await call('POST', '/rpc', { jsonrpc: '2.0', id: 4, method: 'chat/complete', params: { messages: [{ role: 'user', content: 'auth-fail over rpc' }], model: 'gpt-4o-mini' } });
  for (const method of ['keys/list', 'daemon/status', 'spend/requests', 'spend/summary']) {
    await call('POST', '/rpc', { jsonrpc: '2.0', id: 5, method, params: {} });
  }
  await call('POST', '/rpc', `{"jsonrpc":"2.0","id":6,"method":"keys/set","params":{"provider":"openai","apiKey":"${ANTHROPIC_KEY}"`);
  await call('GET', '/v1/models');
  await call('GET', '/v1/models', undefined, { authorization: `Bearer ${OPENAI_KEY}` });
  assert.ok(upstreamSawKey > 0, 'the key did reach the provider: the test exercised it');

  // Stop gracefully so that the final snapshot and logs are written too.
  const exited = new Promise<void>((r) => daemon?.once('exit', () => r()));
  daemon?.kill('SIGTERM');
  await exited;

  const leaks: string[] = [];
  const needles = ALL_KEYS.flatMap(fragments);
  const written = filesUnder(home).filter((f) => !f.endsWith('config.json'));
  assert.ok(written.some((f) => f.endsWith('.journal') || f.endsWith('.snapshot')), `the ledger was written: ${written.join(', ')}`);
  for (const file of written) {
    const bytes = readFileSync(file);
    for (const n of needles) {
      if (bytes.includes(Buffer.from(n))) {
        leaks.push(`${file} contains ${n.slice(0, 12)}…`);
      }
    }
  }
  for (const [where, text] of [['daemon stdout/stderr', daemonOut], ...seen.map((s, i) => [`response ${i}: ${s.slice(0, 80)}`, s])] as [string, string][]) {
    for (const n of needles) {
      if (text.includes(n)) {
        leaks.push(`${where} contains ${n.slice(0, 12)}…`);
      }
    }
  }
  assert.deepEqual(leaks, []);
});
