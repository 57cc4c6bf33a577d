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
  // A slow simulated provider: 5 tokens a second, so its answer would run for many seconds more
  // after we leave; only a cancelled upstream call ends before that.
  writeFileSync(join(home, 'config.json'), JSON.stringify({ simulator: { ttftMs: 0, tokensPerSecond: 5 } }));
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
    // The provider saw its request cut off: the daemon aborted the upstream call rather than
    // letting it stream on (and spend) for nobody.
    const simulator = h.daemon.simulator;
    assert.ok(simulator !== null);
    assert.equal(simulator.calls(), 1);
    for (let i = 0; i < 60 && simulator.abortedCalls() === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(simulator.abortedCalls(), 1, 'the upstream call was not cancelled within 3 s of the hang-up (the answer runs for many seconds more)');
    // The daemon still serves.
    const ok = await fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'still there?' }] }) });
    assert.equal(ok.status, 200);
    assert.deepEqual([simulator.calls(), simulator.abortedCalls()], [2, 1], 'a finished answer is not counted as aborted');
  } finally {
    await h.close();
    rmSync(home, { recursive: true, force: true });
  }
});
