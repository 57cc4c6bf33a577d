// A client that goes away mid-stream cancels the provider call; the ledger records it as
// cancelled and the daemon carries on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestDaemon } from './daemonHarness';

test('disconnecting mid-stream cancels the call and records it as cancelled', async () => {
  const home = mkdtempSync(join(tmpdir(), 'llm-router-disconnect-'));
  // A slow simulated provider: 20 tokens a second, so the stream is still running when we leave.
  writeFileSync(join(home, 'config.json'), JSON.stringify({ simulator: { ttftMs: 0, tokensPerSecond: 20 } }));
  const h = await startTestDaemon({ home });
  try {
    const requestId = await new Promise<string>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: h.daemon.port, method: 'POST', path: '/v1/chat/completions', headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' } },
        (res) => {
          const id = String(res.headers['x-llm-router-request-id']);
          res.once('data', () => {
            // The first token arrived: hang up.
            req.destroy();
            resolve(id);
          });
        },
      );
      req.on('error', (e) => (e.message.includes('socket hang up') || (e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
      req.end(JSON.stringify({ model: 'auto', stream: true, messages: [{ role: 'user', content: 'tell me a long story about routers and their many adventures' }] }));
    });
    const store = h.daemon.deps.store;
    let status: string | undefined;
    for (let i = 0; i < 200 && status === undefined; i++) {
      status = store.read((tx) => tx.get<{ status: string }>('SELECT status FROM requests WHERE id = ?', [requestId]))?.status;
      if (status === undefined) {
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    assert.equal(status, 'cancelled');
    const row = store.read((tx) => tx.get<{ error_code: string; tokens_out: number }>('SELECT error_code, tokens_out FROM requests WHERE id = ?', [requestId]));
    assert.equal(row?.error_code, 'cancelled');
    // The daemon still serves.
    const ok = await fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'still there?' }] }) });
    assert.equal(ok.status, 200);
  } finally {
    await h.close();
    rmSync(home, { recursive: true, force: true });
  }
});
