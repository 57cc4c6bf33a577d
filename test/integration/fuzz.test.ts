// Fuzzing the daemon's inputs: FUZZ_COUNT seeded random and malformed inputs
// each to POST /rpc, /v1/chat/completions, /v1/messages, /v1/responses and the LSP socket. Every input must get
// a well-formed answer (JSON-RPC error objects, OpenAI/Anthropic error bodies; never a 500, a
// hang or a crash), and afterwards the daemon still answers and the store passes integrity_check.
// On a failure the message names the seed and the input, so it can be replayed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { appendFileSync } from 'node:fs';
import { connect } from 'node:net';
import { methods } from '../../daemon/protocol/methods';
import { startTestDaemon, type Harness } from './daemonHarness';
import { mulberry32 } from './prng';

// `npm test` runs 1,000 per channel; `npm run test:fuzz` (CI) runs the full 10,000 per channel.
const COUNT = Number(process.env.FUZZ_COUNT ?? 1_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
const IN_FLIGHT = 8;
/** Generous: a request that takes longer than this is a hang, not slowness. */
const HANG_MS = 20_000;


class Gen {
  constructor(readonly rand: () => number) {}
  int(n: number): number {
    return Math.floor(this.rand() * n);
  }
  chance(p: number): boolean {
    return this.rand() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }
  string(): string {
    const kinds = [
      () => '',
      () => 'auto',
      () => 'x'.repeat(this.int(5000)),
      () => String.fromCharCode(...Array.from({ length: this.int(40) }, () => this.int(0x10000))),
      () => '\u0000\u0001\u001f"\\\n\r\t',
      () => '\ud800 lone surrogate \udfff',
      () => '__proto__',
      () => 'constructor',
      () => '../../../etc/passwd',
      () => '<script>alert(1)</script>',
      () => '${process.exit()}',
      () => 'DROP TABLE requests; --',
      () => "'; DELETE FROM requests; --",
      () => 'gpt-4o-mini',
      () => 'claude-3-5-haiku-latest',
      () => 'auto:cost',
      () => '😀'.repeat(this.int(100)),
    ];
    return this.pick(kinds)();
  }
  number(): number {
    return this.pick([0, -1, 1, 0.5, -0.0, 2 ** 31, 2 ** 53 + 1, -(2 ** 63), 1e308, -1e308, 5e-324, this.int(1_000_000), this.rand() * 100, 4096, 1e9]);
  }
  value(depth = 0): unknown {
    const r = this.int(depth > 3 ? 5 : 8);
    switch (r) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.number();
      case 3:
      case 4:
        return this.string();
      case 5:
        return Array.from({ length: this.int(5) }, () => this.value(depth + 1));
      default: {
        const o: Record<string, unknown> = {};
        for (let i = this.int(5); i > 0; i--) {
          o[this.pick(['role', 'content', 'model', 'type', 'text', 'messages', 'stream', 'max_tokens', 'tools', '__proto__', 'constructor', this.string()])] = this.value(depth + 1);
        }
        return o;
      }
    }
  }
  /** Replaces, deletes or adds one field somewhere inside a valid shape. */
  mutate(base: unknown, depth = 0): unknown {
    if (Array.isArray(base)) {
      if (base.length === 0 || this.chance(0.2)) {
        return this.chance(0.5) ? [] : [...base, this.value()];
      }
      const copy = [...base];
      const i = this.int(copy.length);
      copy[i] = this.mutate(copy[i], depth + 1);
      return copy;
    }
    if (base !== null && typeof base === 'object') {
      const copy: Record<string, unknown> = { ...(base as Record<string, unknown>) };
      const keys = Object.keys(copy);
      const action = this.int(4);
      if (action === 0 && keys.length > 0) {
        delete copy[this.pick(keys)];
      } else if (action === 1) {
        copy[this.string()] = this.value();
      } else if (keys.length > 0) {
        const k = this.pick(keys);
        copy[k] = depth < 4 && this.chance(0.6) ? this.mutate(copy[k], depth + 1) : this.value();
      }
      return copy;
    }
    return this.chance(0.5) ? this.value() : base;
  }
  /** Bytes that are not (quite) JSON. */
  garbage(valid: string): string | Buffer {
    const kinds: (() => string | Buffer)[] = [
      () => valid.slice(0, this.int(valid.length)),
      () => valid.replace(/[{}[\]",:]/, ''),
      () => `${valid}${valid}`,
      () => Buffer.from(Array.from({ length: this.int(300) }, () => this.int(256))),
      () => '',
      () => '   ',
      () => 'null',
      () => '[]',
      () => '"just a string"',
      () => '1e999999',
      () => '['.repeat(5000) + ']'.repeat(5000),
      () => '{"a":'.repeat(3000) + '1' + '}'.repeat(3000),
      () => `{"model":"auto","messages":[{"role":"user","content":"${'\\ud800'.repeat(10)}"}]}`,
      () => Buffer.concat([Buffer.from('{"model":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]),
    ];
    return this.pick(kinds)();
  }
}

// Not fuzzed: stopping the daemon, and the spending kill switch (a valid `spending/pause` refuses
// every later chat request on purpose, which the other channels' checks would read as malformed).
const methodNames = Object.keys(methods).filter((m) => m !== 'daemon/shutdown' && m !== 'spending/pause');

let h: Harness;
const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });

before(async () => {
  h = await startTestDaemon();
});
after(async () => {
  agent.destroy();
  await h.close();
});

interface Reply {
  status: number;
  contentType: string;
  body: string;
}

function post(path: string, body: string | Buffer, extraHeaders: Record<string, string> = {}, method = 'POST'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: h.daemon.port,
        method,
        path,
        agent,
        headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json', ...extraHeaders },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: text }));
        res.on('error', reject);
      },
    );
    req.setTimeout(HANG_MS, () => req.destroy(new Error(`no answer within ${HANG_MS} ms (hang)`)));
    req.on('error', reject);
    req.end(method === 'GET' && body.length === 0 ? undefined : body);
  });
}

const ERROR_STATUSES = new Set([400, 402, 404, 409, 413, 422, 429, 499, 502, 503, 504]);

function isRpcResponse(v: unknown): boolean {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    return false;
  }
  const r = v as { jsonrpc?: unknown; id?: unknown; result?: unknown; error?: { code?: unknown; message?: unknown; data?: { code?: unknown } } };
  if (r.jsonrpc !== '2.0' || !('id' in r)) {
    return false;
  }
  if (r.error !== undefined) {
    // -32603 is JSON-RPC's internal error: an unhandled failure, not a well-formed refusal.
    return typeof r.error.code === 'number' && r.error.code !== -32603 && typeof r.error.message === 'string';
  }
  return 'result' in r;
}

function checkRpcReply(r: Reply): string | null {
  if (r.status === 204) {
    return r.body === '' ? null : 'a 204 with a body';
  }
  if (r.status !== 200 && r.status !== 400) {
    return `status ${r.status}`;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.body);
  } catch {
    return 'a body that is not JSON';
  }
  const all = Array.isArray(parsed) ? parsed : [parsed];
  if (all.length === 0 || !all.every(isRpcResponse)) {
    return 'not a well-formed JSON-RPC response (or an internal error)';
  }
  return null;
}

function checkApiReply(r: Reply): string | null {
  if (r.status === 200) {
    if (r.contentType.startsWith('text/event-stream')) {
      return r.body.length > 0 ? null : 'an empty event stream';
    }
    // GET /metrics: Prometheus text exposition.
    if (r.contentType.startsWith('text/plain; version=0.0.4')) {
      return /^# TYPE llm_router_\w+ \w+$/m.test(r.body) ? null : 'a metrics body without # TYPE lines';
    }
    try {
      JSON.parse(r.body);
      return null;
    } catch {
      return 'a 200 whose body is not JSON';
    }
  }
  if (!ERROR_STATUSES.has(r.status)) {
    return `status ${r.status}`;
  }
  try {
    const parsed = JSON.parse(r.body) as { error?: { message?: unknown } };
    return typeof parsed.error?.message === 'string' && parsed.error.message.length > 0 ? null : 'an error body without error.message';
  } catch {
    return 'an error body that is not JSON';
  }
}

/** One input: a body for a fixed POST path, or a whole request (method and path) for GET fuzzing. */
type FuzzInput = string | Buffer | { method: string; path: string };

async function fuzzHttp(path: string, makeInput: (g: Gen) => FuzzInput, check: (r: Reply) => string | null, seed: number): Promise<Map<string, number>> {
  const g = new Gen(mulberry32(seed));
  const inputs = Array.from({ length: COUNT }, () => makeInput(g));
  const statuses = new Map<string, number>();
  const failures: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < inputs.length && failures.length < 5) {
      const i = next++;
      const input = inputs[i] as FuzzInput;
      let problem: string | null;
      let status = 'error';
      try {
        const reply = typeof input === 'string' || Buffer.isBuffer(input) ? await post(path, input) : await post(input.path, '', {}, input.method);
        status = String(reply.status);
        problem = check(reply);
        if (problem !== null) {
          problem = `${problem}: ${reply.body.slice(0, 300)}`;
        }
      } catch (e) {
        problem = (e as Error).message;
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (problem !== null) {
        const shown = typeof input === 'string' || Buffer.isBuffer(input) ? input.toString() : `${input.method} ${input.path}`;
        failures.push(`input #${i} (seed ${seed}) ${JSON.stringify(shown.slice(0, 300))} → ${problem}`);
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, () => worker()));
  assert.deepEqual(failures, [], `${path}: malformed answers`);
  return statuses;
}

async function assertHealthy(): Promise<void> {
  const health = await new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: h.daemon.port, path: '/health', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(health, 200);
  assert.equal(h.daemon.deps.store.integrityCheck(), 'ok');
}

const validChat = (g: Gen): Record<string, unknown> => ({
  model: g.pick(['auto', 'auto:cost', 'auto:quality', 'gpt-4o-mini', 'nonexistent-model']),
  messages: [
    ...(g.chance(0.3) ? [{ role: 'system', content: 'Be brief.' }] : []),
    { role: 'user', content: g.chance(0.8) ? 'What is 2+2?' : [{ type: 'text', text: 'What is 2+2?' }] },
  ],
  ...(g.chance(0.3) ? { stream: true } : {}),
  ...(g.chance(0.3) ? { max_tokens: 32 } : {}),
  ...(g.chance(0.2) ? { temperature: 0.2 } : {}),
});

const validMessages = (g: Gen): Record<string, unknown> => ({
  model: g.pick(['auto', 'claude-3-5-haiku-latest', 'auto:latency', 'nonexistent-model']),
  max_tokens: 64,
  messages: [{ role: 'user', content: g.chance(0.7) ? 'Hello' : [{ type: 'text', text: 'Hello' }] }],
  ...(g.chance(0.3) ? { stream: true } : {}),
  ...(g.chance(0.3) ? { system: 'Be brief.' } : {}),
});

const validResponses = (g: Gen): Record<string, unknown> => ({
  model: g.pick(['auto', 'gpt-4o-mini', 'gpt-5.5-codex', 'auto:cost', 'nonexistent-model']),
  input: g.chance(0.5)
    ? 'Hello'
    : [
        { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Be brief.' }] },
        { role: 'user', content: [{ type: 'input_text', text: 'Hello' }] },
        ...(g.chance(0.3) ? [{ type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' }, { type: 'function_call_output', call_id: 'c1', output: 'ok' }] : []),
      ],
  ...(g.chance(0.3) ? { stream: true } : {}),
  ...(g.chance(0.3) ? { instructions: 'Be brief.' } : {}),
  ...(g.chance(0.3) ? { max_output_tokens: 32 } : {}),
  ...(g.chance(0.3) ? { tools: [{ type: 'function', name: 'f', parameters: { type: 'object' } }, ...(g.chance(0.3) ? [{ type: 'custom', name: 'p' }] : [])] } : {}),
});

function rpcRequest(g: Gen): unknown {
  const base: Record<string, unknown> = { jsonrpc: '2.0', id: g.int(1_000_000), method: g.pick(methodNames), params: {} };
  return g.chance(0.7) ? g.mutate(base) : { ...base, params: g.value() };
}

function chatInput(make: (g: Gen) => Record<string, unknown>): (g: Gen) => string | Buffer {
  return (g) => {
    const valid = make(g);
    const r = g.int(10);
    if (r === 0) {
      return JSON.stringify(valid);
    }
    if (r <= 2) {
      return g.garbage(JSON.stringify(valid));
    }
    if (r === 3) {
      return JSON.stringify(g.value());
    }
    return JSON.stringify(g.mutate(g.mutate(valid)));
  };
}

test(`/rpc answers ${COUNT} random and malformed inputs with well-formed JSON-RPC`, { timeout: 600_000 }, async () => {
  const statuses = await fuzzHttp(
    '/rpc',
    (g) => {
      const r = g.int(10);
      if (r === 0) {
        return g.garbage(JSON.stringify(rpcRequest(g)));
      }
      if (r === 1) {
        return JSON.stringify(Array.from({ length: g.int(4) }, () => rpcRequest(g)));
      }
      if (r === 2) {
        return JSON.stringify(g.value());
      }
      return JSON.stringify(rpcRequest(g));
    },
    checkRpcReply,
    SEED,
  );
  console.log(`/rpc statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
  await assertHealthy();
});

test(`/v1/chat/completions answers ${COUNT} random and malformed inputs with well-formed errors or answers`, { timeout: 600_000 }, async () => {
  const statuses = await fuzzHttp('/v1/chat/completions', chatInput(validChat), checkApiReply, SEED + 1);
  console.log(`/v1/chat/completions statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
  assert.ok((statuses.get('200') ?? 0) > 0 && (statuses.get('400') ?? 0) > 0, 'both answers and refusals were exercised');
  await assertHealthy();
});

test(`/v1/messages answers ${COUNT} random and malformed inputs with well-formed errors or answers`, { timeout: 600_000 }, async () => {
  const statuses = await fuzzHttp('/v1/messages', chatInput(validMessages), checkApiReply, SEED + 2);
  console.log(`/v1/messages statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
  assert.ok((statuses.get('200') ?? 0) > 0 && (statuses.get('400') ?? 0) > 0, 'both answers and refusals were exercised');
  await assertHealthy();
});

test(`/v1/responses answers ${COUNT} random and malformed inputs with well-formed errors or answers`, { timeout: 600_000 }, async () => {
  const statuses = await fuzzHttp('/v1/responses', chatInput(validResponses), checkApiReply, SEED + 6);
  console.log(`/v1/responses statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
  assert.ok((statuses.get('200') ?? 0) > 0 && (statuses.get('400') ?? 0) > 0, 'both answers and refusals were exercised');
  await assertHealthy();
});

/** Bytes a request line may carry: anything outside printable ASCII is percent-encoded, byte by byte. */
function requestTarget(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => (b > 0x20 && b < 0x7f ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

/** A path segment as clients (and attackers) send them: broken escapes, odd ids, traversal. */
function pathSegment(g: Gen): string {
  const kinds: (() => string)[] = [
    () => '%ZZ',
    () => '%',
    () => '%E0%A4%A',
    () => '%C0%AF',
    () => '%ED%A0%80',
    () => '%00',
    () => '%2F..%2F..%2Fetc%2Fpasswd',
    () => Array.from({ length: g.int(20) }, () => `%${g.int(256).toString(16).padStart(2, '0')}`).join(''),
    () => {
      try {
        return encodeURIComponent(g.string().slice(0, 200));
      } catch {
        return '%ZZ%';
      }
    },
    () => requestTarget(g.string().slice(0, 200)),
    () => g.pick(['gpt-4o-mini', 'auto', 'auto:cost', 'normal', 'claude-3-5-haiku-latest', 'nonexistent-model', '..', '.', '__proto__', 'constructor']),
  ];
  return g.pick(kinds)();
}

function getRequest(g: Gen): { method: string; path: string } {
  const base = g.pick(['/v1/models/', '/models/', '/v1/models', '/models', '/health', '/rpc', '/v1/chat/completions', '/v1/messages', '/', '//', '/v1/', '/v1/models//', '/metrics', '/v1/messages/count_tokens']);
  const path = `${base}${g.chance(0.7) ? pathSegment(g) : ''}${g.chance(0.2) ? `/${pathSegment(g)}` : ''}${g.chance(0.2) ? `?${pathSegment(g)}=${pathSegment(g)}` : ''}`;
  return { method: g.chance(0.85) ? 'GET' : g.pick(['DELETE', 'PUT', 'PATCH', 'OPTIONS']), path: path.startsWith('/') ? path : `/${path}` };
}

test('GET /v1/models/%ZZ (a broken percent-escape) is a 400 invalidRequest, not a 500; a target read as a host name is a 404, not a throw', async () => {
  const r = await post('/v1/models/%ZZ', '', {}, 'GET');
  assert.equal(r.status, 400, r.body);
  assert.equal((JSON.parse(r.body) as { error?: { code?: unknown } }).error?.code, 'invalidRequest', r.body);
  // `new URL('//%2F..', base)` throws before any handler runs (in the daemon process: a crash).
  for (const path of ['//%2F..%2F..%2Fetc%2Fpasswd', '//127.0.0.1/v1/models']) {
    const odd = await post(path, '', {}, 'GET');
    assert.equal(odd.status, 404, `${path}: ${odd.body}`);
  }
  await assertHealthy();
});

test(`GET (and other body-less) requests: ${COUNT} random paths get well-formed answers or errors`, { timeout: 600_000 }, async () => {
  const statuses = await fuzzHttp('(random paths)', getRequest, checkApiReply, SEED + 4);
  console.log(`GET statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
  for (const s of ['200', '400', '404']) {
    assert.ok((statuses.get(s) ?? 0) > 0, `some requests answered ${s}`);
  }
  await assertHealthy();
});

function frame(body: string | Buffer): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  return Buffer.concat([Buffer.from(`Content-Length: ${b.byteLength}\r\n\r\n`), b]);
}

/**
 * One LSP connection: hello, then `messages` framed inputs; resolves with the replies once every
 * request that carried an id has been answered (or fails on a hang). Returns also whether the
 * daemon closed the connection (allowed after a broken frame).
 */
function lspSession(inputs: Buffer[], expectedIds: (string | number)[]): Promise<{ replies: unknown[]; closed: boolean }> {
  const expectedReplies = expectedIds.length;
  return new Promise((resolve, reject) => {
    const s = connect(h.daemon.socketPath);
    let buf = Buffer.alloc(0);
    const replies: unknown[] = [];
    let done = false;
    const finish = (closed: boolean): void => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        s.destroy();
        resolve({ replies, closed });
      }
    };
    const timer = setTimeout(() => {
      done = true;
      s.destroy();
      const answered = new Set(replies.map((r) => (r as { id?: unknown }).id));
      const missing = expectedIds.filter((id) => !answered.has(id));
      reject(new Error(`LSP: ${replies.length - 1} of ${expectedReplies} replies within ${HANG_MS} ms (hang); no reply to ids ${JSON.stringify(missing)}`));
    }, HANG_MS);
    s.on('connect', () => {
      s.write(frame(JSON.stringify({ jsonrpc: '2.0', id: 'hello', method: 'client/hello', params: { client: { kind: 'editor', name: 'fuzz' }, token: h.token } })));
      s.write(Buffer.concat(inputs));
    });
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      for (;;) {
        const headerEnd = buf.indexOf('\r\n\r\n');
        if (headerEnd < 0) {
          break;
        }
        const m = /Content-Length: (\d+)/i.exec(buf.subarray(0, headerEnd).toString('ascii'));
        const len = Number(m?.[1] ?? -1);
        if (len < 0 || buf.byteLength < headerEnd + 4 + len) {
          break;
        }
        const body = buf.subarray(headerEnd + 4, headerEnd + 4 + len).toString('utf8');
        buf = buf.subarray(headerEnd + 4 + len);
        const parsed: unknown = JSON.parse(body);
        // Notifications from the daemon (spend changes) have no id.
        if (parsed !== null && typeof parsed === 'object' && 'id' in parsed) {
          replies.push(parsed);
        }
      }
      if (replies.length >= expectedReplies + 1) {
        finish(false);
      }
    });
    s.on('end', () => finish(true));
    s.on('error', () => finish(true));
  });
}

test(`the LSP channel survives ${COUNT} random and malformed messages`, { timeout: 600_000 }, async () => {
  const g = new Gen(mulberry32(SEED + 3));
  // The handshake (client/hello, initialize) is fuzzed in sessions of its own (below): a bad
  // one ends the connection by design, which would cut short every input after it.
  const lspMethods = [...methodNames.filter((m) => m !== 'client/hello'), 'shutdown', '$/cancelRequest', 'textDocument/didOpen', 'workspace/executeCommand', 'nope/nothing'];
  const methodOf = new Map<string | number, string>();
  const outcome = { handler: 0, invalidParams: 0, methodNotFound: 0, other: 0 };
  let sent = 0;
  let sessions = 0;
  let brokenFrames = 0;
  const failures: string[] = [];
  while (sent < COUNT && failures.length < 5) {
    sessions++;
    if (g.chance(0.15)) {
      // A broken frame: bad header, wrong length, or bytes that are not JSON. The daemon may
      // answer with a parse error or hang up on this connection; it must not go down.
      const bad = g.pick([
        () => Buffer.from('Content-Length: abc\r\n\r\n{}'),
        () => Buffer.from(`Content-Length: 5\r\n\r\n${'{"jsonrpc":"2.0","id":1}'}`),
        () => Buffer.from('garbage without headers\r\n\r\n'),
        () => frame(g.garbage('{"jsonrpc":"2.0","id":1,"method":"daemon/status"}')),
        () => Buffer.from(`Content-Type: x\r\n\r\n`),
        () => Buffer.from(Array.from({ length: g.int(200) }, () => g.int(256))),
      ])();
      const s = connect(h.daemon.socketPath);
      await new Promise<void>((resolve) => {
        s.on('connect', () => s.write(bad));
        s.on('error', () => resolve());
        s.on('close', () => resolve());
        setTimeout(() => {
          s.destroy();
          resolve();
        }, 100);
      });
      brokenFrames++;
      sent++;
      continue;
    }
    const inputs: Buffer[] = [];
    const expected: (string | number)[] = [];
    const inputsText: string[] = [];
    for (let i = 0; i < 50 && sent < COUNT; i++, sent++) {
      let msg: unknown = { jsonrpc: '2.0', id: i, method: g.pick(lspMethods), params: g.chance(0.5) ? {} : g.value() };
      if (g.chance(0.5)) {
        msg = g.mutate(msg);
      }
      const isRequest = msg !== null && typeof msg === 'object' && !Array.isArray(msg) && 'id' in msg && (msg as { id: unknown }).id !== undefined;
      // 'exit' closes the connection by design; keep it out of the mixed stream.
      if ((msg as { method?: unknown } | null)?.method === 'exit') {
        continue;
      }
      const text = JSON.stringify(msg) ?? 'null';
      inputs.push(frame(text));
      inputsText.push(text);
      // Requests whose id the protocol accepts (number or string) get exactly one reply.
      const id = isRequest ? (msg as { id: unknown }).id : undefined;
      const method = (msg as { method?: unknown } | null)?.method;
      // Ids must be unique per connection (JSON-RPC): a repeated id replaces the queued request.
      if ((typeof id === 'number' || typeof id === 'string') && typeof method === 'string' && !expected.includes(id)) {
        expected.push(id);
        methodOf.set(id, method);
      }
    }
    try {
      const { replies, closed } = await lspSession(inputs, expected);
      for (const r of replies) {
        const reply = r as { error?: { code?: unknown } };
        if (!isRpcResponse(r) && !(reply.error !== undefined && typeof reply.error.code === 'number' && reply.error.code !== -32603)) {
          failures.push(`session ${sessions}: malformed reply ${JSON.stringify(r).slice(0, 300)}`);
        }
      }
      for (const r of replies.slice(1)) {
        const reply = r as { id?: string | number; result?: unknown; error?: { code?: number } };
        const known = reply.id !== undefined && methodNames.includes(methodOf.get(reply.id) ?? '');
        if (known && (reply.error === undefined || ![-32600, -32601, -32602, -32700, -32001].includes(reply.error.code ?? 0))) {
          outcome.handler++;
        } else if (reply.error?.code === -32602) {
          outcome.invalidParams++;
        } else if (reply.error?.code === -32601) {
          outcome.methodNotFound++;
        } else {
          outcome.other++;
        }
      }
      // Every session was authenticated by a valid hello: a hang-up before every request was
      // answered is a failure, whatever the inputs were.
      if (closed && replies.length < expected.length + 1) {
        if (process.env.FUZZ_DUMP !== undefined) {
          appendFileSync(process.env.FUZZ_DUMP, `${JSON.stringify(inputsText)}\n`);
        }
        failures.push(`session ${sessions}: the daemon hung up after ${replies.length - 1} of ${expected.length} replies; inputs ${inputsText.join(' ').slice(0, 600)}`);
      }
    } catch (e) {
      failures.push(`session ${sessions} (seed ${SEED + 3}): ${(e as Error).message}; inputs ${inputsText.join(' ').slice(0, 600)}`);
    }
  }
  assert.deepEqual(failures, []);
  const answered = outcome.handler + outcome.invalidParams + outcome.methodNotFound + outcome.other;
  console.log(
    `LSP: ${sent} inputs over ${sessions} connections (${brokenFrames} broken frames); ${answered} requests answered: ${outcome.handler} reached a handler of the method table, ` +
      `${outcome.invalidParams} refused by parameter validation, ${outcome.methodNotFound} unknown methods, ${outcome.other} other`,
  );
  assert.ok(outcome.handler >= (sent - brokenFrames) * 0.1, `only ${outcome.handler} of ${sent} inputs reached a handler`);
  await assertHealthy();
  assert.ok(h.daemon.clientCount() <= 1, `sessions are released when connections close (${h.daemon.clientCount()} left)`);
});

/**
 * One connection: a handshake message (maybe broken) and then a `daemon/status` probe. Resolves
 * with the replies by id once the probe is answered or the daemon hangs up; a hang fails.
 */
function handshakeSession(hello: string): Promise<{ replies: Map<unknown, { result?: unknown; error?: { code?: number } }>; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const s = connect(h.daemon.socketPath);
    const replies = new Map<unknown, { result?: unknown; error?: { code?: number } }>();
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (closed: boolean): void => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        s.destroy();
        resolve({ replies, closed });
      }
    };
    const timer = setTimeout(() => {
      done = true;
      s.destroy();
      reject(new Error(`handshake session: no answer to the probe within ${HANG_MS} ms (hang)`));
    }, HANG_MS);
    s.on('connect', () => {
      s.write(frame(hello));
      s.write(frame(JSON.stringify({ jsonrpc: '2.0', id: 'probe', method: 'daemon/status', params: {} })));
    });
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      for (;;) {
        const headerEnd = buf.indexOf('\r\n\r\n');
        const len = headerEnd < 0 ? -1 : Number(/Content-Length: (\d+)/i.exec(buf.subarray(0, headerEnd).toString('ascii'))?.[1] ?? -1);
        if (len < 0 || buf.byteLength < headerEnd + 4 + len) {
          break;
        }
        const parsed = JSON.parse(buf.subarray(headerEnd + 4, headerEnd + 4 + len).toString('utf8')) as { id?: unknown; result?: unknown; error?: { code?: number } };
        buf = buf.subarray(headerEnd + 4 + len);
        if ('id' in parsed) {
          replies.set(parsed.id, parsed);
        }
      }
      if (replies.has('probe')) {
        finish(false);
      }
    });
    s.on('end', () => finish(true));
    s.on('error', () => finish(true));
  });
}

const HANDSHAKES = Math.max(100, Math.floor(COUNT / 5));

test(`the LSP handshake: ${HANDSHAKES} fuzzed client/hello and initialize messages, each in its own connection; no wrong token ever gets an answer`, { timeout: 600_000 }, async () => {
  const g = new Gen(mulberry32(SEED + 5));
  const counts = { accepted: 0, refused: 0, hungUp: 0 };
  const failures: string[] = [];
  for (let i = 0; i < HANDSHAKES && failures.length < 5; i++) {
    const token = g.pick<unknown>([h.token, h.token, h.token, `${h.token}x`, h.token.slice(0, 63), '', undefined, g.value(), h.token.toUpperCase()]);
    const client = g.chance(0.8) ? { kind: g.pick(['editor', 'editor', 'script', 'cli', 'robot']), name: 'fuzz' } : g.value();
    let msg: unknown = g.chance(0.6)
      ? { jsonrpc: '2.0', id: 'h', method: 'client/hello', params: { client, token } }
      : { jsonrpc: '2.0', id: 'h', method: 'initialize', params: { processId: null, rootUri: null, capabilities: {}, clientInfo: { name: 'fuzz' }, initializationOptions: { token, client } } };
    if (g.chance(0.4)) {
      msg = g.mutate(msg);
    }
    const text = JSON.stringify(msg) ?? 'null';
    // What the daemon received as the token, wherever the (mutated) message carries it.
    const m = msg as { method?: unknown; params?: { token?: unknown; initializationOptions?: { token?: unknown } } } | null;
    const sentToken = m?.method === 'client/hello' ? m.params?.token : m?.method === 'initialize' ? m.params?.initializationOptions?.token : undefined;
    try {
      const { replies, closed } = await handshakeSession(text);
      const probe = replies.get('probe');
      if (probe?.result !== undefined) {
        counts.accepted++;
        if (sentToken !== h.token) {
          failures.push(`handshake #${i}: answered daemon/status after a handshake without the right token: ${text.slice(0, 300)}`);
        }
      } else if (probe?.error !== undefined) {
        counts.refused++;
        if (probe.error.code !== -32001) {
          failures.push(`handshake #${i}: the probe was refused with ${JSON.stringify(probe.error)} instead of unauthorized: ${text.slice(0, 300)}`);
        }
      } else if (closed) {
        counts.hungUp++;
      }
      const hello = replies.get('h');
      if (hello?.error?.code === -32603) {
        failures.push(`handshake #${i}: internal error: ${text.slice(0, 300)}`);
      }
    } catch (e) {
      failures.push(`handshake #${i} (seed ${SEED + 5}): ${(e as Error).message}; input ${text.slice(0, 300)}`);
    }
  }
  assert.deepEqual(failures, []);
  console.log(`LSP handshake: ${HANDSHAKES} connections: ${counts.accepted} accepted, ${counts.refused} refused (unauthorized), ${counts.hungUp} hung up after a refusal`);
  assert.ok(counts.accepted > 0 && counts.refused + counts.hungUp > 0, 'both accepted and refused handshakes were exercised');
  await assertHealthy();
});

// Slow clients: a request whose headers never finish is cut off by the server's headersTimeout
// (15 s, checked every 30 s by Node), while other clients are served. Up to ~45 s, so it runs in
// `npm run test:fuzz` (CI) rather than in `npm test`.
test('a client that never finishes its headers is disconnected while others are served', { skip: COUNT < 10_000 ? 'runs in npm run test:fuzz' : false, timeout: 90_000 }, async () => {
  const s = connect({ host: '127.0.0.1', port: h.daemon.port });
  const closed = new Promise<string>((resolve) => {
    let text = '';
    s.setEncoding('utf8');
    s.on('data', (c: string) => (text += c));
    s.on('close', () => resolve(text));
    s.on('error', () => resolve(text));
  });
  await new Promise<void>((r) => s.on('connect', () => r()));
  s.write(`POST /rpc HTTP/1.1\r\nHost: 127.0.0.1:${h.daemon.port}\r\nAuthorization: Bearer ${h.token}\r\n`);
  await assertHealthy();
  // Our own guard must not be what closes the socket: had it fired, the server never hung up.
  let guardFired = false;
  const guard = setTimeout(() => {
    guardFired = true;
    s.destroy(new Error('still open after 75 s'));
  }, 75_000);
  const reply = await closed;
  clearTimeout(guard);
  assert.equal(guardFired, false, 'the server never closed the connection: the test\'s own 75 s guard did');
  assert.ok(s.destroyed);
  assert.ok(reply === '' || /^HTTP\/1\.1 408/.test(reply), `closed with: ${reply.slice(0, 100)}`);
  await assertHealthy();
});
