import { test } from 'node:test';
import assert from 'node:assert/strict';
import { daemonSocketPath } from '../../../daemon/lifecycle/socketPath';

test('a unix socket in the home folder, a hashed named pipe on Windows', () => {
  assert.equal(daemonSocketPath('/home/u/.config/llm-router', 'linux', 1000), '/home/u/.config/llm-router/daemon.sock');
  const pipe = daemonSocketPath('C:\\Users\\u\\AppData\\Roaming\\llm-router', 'win32', 0);
  assert.match(pipe, /^\\\\\.\\pipe\\llm-router-[0-9a-f]{16}$/);
});

test('a home too deep for sun_path gets a per-user socket in the temp folder', () => {
  const deep = `/home/u/${'x'.repeat(120)}`;
  const p = daemonSocketPath(deep, 'linux', 1000);
  assert.ok(Buffer.byteLength(p) <= 100);
  assert.match(p, /llm-router-1000-[0-9a-f]{16}\.sock$/);
  assert.notEqual(daemonSocketPath(`${deep}y`, 'linux', 1000), p);
});
