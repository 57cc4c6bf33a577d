// Localhost security of the daemon's HTTP endpoint and LSP socket: loopback-only bind, Host
// header (DNS rebinding), no browser origins and no CORS, the bearer token everywhere but
// /health (compared in constant time), and the body size limit.
import { after, before, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { startTestDaemon, type Harness } from './daemonHarness';

let h: Harness;
let port = 0;

before(async () => {
  h = await startTestDaemon();
  port = h.daemon.port;
});
after(async () => {
  await h.close();
});

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function send(method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, setHost: !('host' in headers) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const auth = (): Record<string, string> => ({ authorization: `Bearer ${h.token}`, 'content-type': 'application/json' });
const chatBody = JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] });
const messagesBody = JSON.stringify({ model: 'auto', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
const rpcBody = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'daemon/status', params: {} });

const endpoints: { method: string; path: string; body?: string }[] = [
  { method: 'GET', path: '/v1/models' },
  { method: 'POST', path: '/rpc', body: rpcBody },
  { method: 'POST', path: '/v1/chat/completions', body: chatBody },
  { method: 'POST', path: '/v1/messages', body: messagesBody },
];

function assertNoCors(r: Reply, what: string): void {
  const cors = Object.keys(r.headers).filter((k) => k.startsWith('access-control-'));
  assert.deepEqual(cors, [], `${what}: no CORS headers`);
}

function errorCodeOf(r: Reply): string | undefined {
  const parsed = JSON.parse(r.body) as { error?: { code?: unknown; data?: { code?: unknown } } };
  const c = parsed.error?.data?.code ?? parsed.error?.code;
  return typeof c === 'string' ? c : undefined;
}

function tryConnect(host: string): Promise<'connected' | string> {
  return new Promise((resolve) => {
    const s: Socket = connect({ host, port });
    s.setTimeout(3000, () => {
      s.destroy();
      resolve('timeout');
    });
    s.on('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
}

test('the HTTP endpoint listens on 127.0.0.1 only', async () => {
  assert.equal(await tryConnect('127.0.0.1'), 'connected');
  // Another loopback address and every external interface address must be refused.
  const others = ['127.0.0.2'];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (!a.internal && a.family === 'IPv4') {
        others.push(a.address);
      }
    }
  }
  for (const host of others) {
    assert.notEqual(await tryConnect(host), 'connected', `${host}:${port} must not accept connections`);
  }
  const v6 = await tryConnect('::1');
  assert.notEqual(v6, 'connected', '[::1] is not bound');
});

test('a Host header that is not a loopback name is refused, /health included (DNS rebinding)', async () => {
  for (const host of ['evil.example', `evil.example:${port}`, 'localhost.evil.example', `127.0.0.1.nip.io:${port}`, '0.0.0.0', '[::2]', '10.0.0.1', 'localhost@evil.example']) {
    for (const path of ['/health', '/v1/models']) {
      const r = await send('GET', path, { host, ...auth() });
      assert.equal(r.status, 403, `Host ${host} on ${path}`);
      assert.equal(errorCodeOf(r), 'forbiddenOrigin');
      assertNoCors(r, host);
    }
  }
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'LOCALHOST', `[::1]:${port}`]) {
    const r = await send('GET', '/v1/models', { host, ...auth() });
    assert.equal(r.status, 200, `Host ${host} is loopback`);
  }
});

test('a request without any Host header is refused', async () => {
  const reply = await new Promise<string>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => s.end('GET /health HTTP/1.0\r\n\r\n'));
    let text = '';
    s.setEncoding('utf8');
    s.on('data', (c: string) => (text += c));
    s.on('end', () => resolve(text));
    s.on('error', reject);
  });
  assert.match(reply, /^HTTP\/1\.[01] (400|403)/);
});

test('browser requests (any Origin) are refused with no CORS headers, preflights included', async () => {
  for (const origin of ['https://evil.example', 'null', `http://127.0.0.1:${port}`, `http://localhost:${port}`, 'vscode-webview://abc']) {
    for (const e of endpoints) {
      const r = await send(e.method, e.path, { ...auth(), origin }, e.body);
      assert.equal(r.status, 403, `${origin} → ${e.path}`);
      assert.equal(errorCodeOf(r), 'forbiddenOrigin');
      assertNoCors(r, `${origin} → ${e.path}`);
    }
    const pre = await send('OPTIONS', '/v1/chat/completions', { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' });
    assert.ok(pre.status >= 400, `preflight from ${origin} fails (${pre.status})`);
    assertNoCors(pre, `preflight from ${origin}`);
  }
  // Successful answers carry no CORS headers either.
  const ok = await send('GET', '/v1/models', auth());
  assert.equal(ok.status, 200);
  assertNoCors(ok, 'a normal answer');
});

test('every endpoint but /health needs the token; wrong tokens are refused without being echoed', async () => {
  const wrongSameLength = h.token.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'));
  const bad: Record<string, string>[] = [
    {},
    { authorization: 'Bearer' },
    { authorization: 'Bearer wrong-token' },
    { authorization: `Bearer ${wrongSameLength}` },
    { authorization: `Bearer ${h.token}x` },
    { authorization: `Bearer ${h.token.slice(0, -1)}` },
    { authorization: `Basic ${Buffer.from(`user:${h.token}`).toString('base64')}` },
    { 'x-api-key': wrongSameLength },
  ];
  for (const e of endpoints) {
    for (const headers of bad) {
      const r = await send(e.method, e.path, { 'content-type': 'application/json', ...headers }, e.body);
      assert.equal(r.status, 401, `${e.path} with ${JSON.stringify(headers)}`);
      assert.equal(errorCodeOf(r), 'unauthorized');
      assert.ok(!r.body.includes(wrongSameLength) && !r.body.includes(h.token), 'the token is not echoed');
    }
    const good = await send(e.method, e.path, auth(), e.body);
    assert.equal(good.status, 200, `${e.path} with the token: ${good.body.slice(0, 200)}`);
  }
  const viaApiKey = await send('POST', '/v1/messages', { 'x-api-key': h.token, 'content-type': 'application/json' }, messagesBody);
  assert.equal(viaApiKey.status, 200);
  const health = await send('GET', '/health', {});
  assert.equal(health.status, 200);
  assert.ok(!health.body.includes(h.token));
});

test('tokens are compared with crypto.timingSafeEqual', async () => {
  const spy = mock.method(crypto, 'timingSafeEqual');
  try {
    const wrong = await send('GET', '/v1/models', { authorization: `Bearer ${'0'.repeat(h.token.length)}` });
    assert.equal(wrong.status, 401);
    const right = await send('GET', '/v1/models', auth());
    assert.equal(right.status, 200);
    assert.ok(spy.mock.callCount() >= 2, `timingSafeEqual was called ${spy.mock.callCount()} times`);
  } finally {
    spy.mock.restore();
  }
});

test('bodies over the limit are refused with 413, declared or streamed, and the daemon stays up', async () => {
  const declared = await new Promise<Reply>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/rpc', headers: { ...auth(), 'content-length': String(64 * 1024 * 1024) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.write('{"jsonrpc":"2.0",');
  });
  assert.equal(declared.status, 413);
  assert.equal(errorCodeOf(declared), 'payloadTooLarge');

  const big = Buffer.alloc(5 * 1024 * 1024, 0x20);
  for (const path of ['/rpc', '/v1/chat/completions', '/v1/messages']) {
    const streamed = await new Promise<number | string>((resolve) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path, headers: { ...auth(), 'transfer-encoding': 'chunked' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      // The daemon may hang up before the whole body is sent: that is a refusal too.
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      req.end(big);
    });
    assert.ok(streamed === 413 || streamed === 'EPIPE' || streamed === 'ECONNRESET', `${path}: ${streamed}`);
  }
  const health = await send('GET', '/health', {});
  assert.equal(health.status, 200);
  const ok = await send('POST', '/rpc', auth(), rpcBody);
  assert.equal(ok.status, 200);
});

function lspFrame(message: unknown): string {
  const json = JSON.stringify(message);
  return `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
}

/** Sends frames on a fresh socket and collects the replies until the daemon hangs up or `ms` pass. */
function lspExchange(frames: string[], ms: number): Promise<{ replies: unknown[]; closedByDaemon: boolean }> {
  return new Promise((resolve, reject) => {
    const s = connect(h.daemon.socketPath);
    let buf = '';
    let closedByDaemon = false;
    const replies: unknown[] = [];
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ replies, closedByDaemon });
    }, ms);
    s.setEncoding('utf8');
    s.on('connect', () => s.write(frames.join('')));
    s.on('data', (c: string) => {
      buf += c;
      for (;;) {
        const m = /^Content-Length: (\d+)\r\n\r\n/.exec(buf);
        if (!m || buf.length < m[0].length + Number(m[1])) {
          break;
        }
        replies.push(JSON.parse(buf.slice(m[0].length, m[0].length + Number(m[1]))));
        buf = buf.slice(m[0].length + Number(m[1]));
      }
    });
    s.on('end', () => {
      closedByDaemon = true;
      clearTimeout(timer);
      resolve({ replies, closedByDaemon });
    });
    s.on('error', reject);
  });
}

test('the LSP socket refuses requests before client/hello and hangs up on a wrong token', async () => {
  const before = await lspExchange([lspFrame({ jsonrpc: '2.0', id: 1, method: 'daemon/status', params: {} })], 500);
  const first = before.replies[0] as { error?: { data?: { code?: string } } };
  assert.equal(first.error?.data?.code, 'unauthorized');

  const wrong = await lspExchange([lspFrame({ jsonrpc: '2.0', id: 1, method: 'client/hello', params: { client: { kind: 'editor' }, token: 'f'.repeat(64) } })], 3000);
  const refused = wrong.replies[0] as { error?: { data?: { code?: string } } };
  assert.equal(refused.error?.data?.code, 'unauthorized');
  assert.equal(wrong.closedByDaemon, true);

  const right = await lspExchange(
    [
      lspFrame({ jsonrpc: '2.0', id: 1, method: 'client/hello', params: { client: { kind: 'editor' }, token: h.token } }),
      lspFrame({ jsonrpc: '2.0', id: 2, method: 'daemon/status', params: {} }),
    ],
    1000,
  );
  const status = right.replies.find((r) => (r as { id?: number }).id === 2) as { result?: { pid?: number } } | undefined;
  assert.equal(status?.result?.pid, process.pid);
});
