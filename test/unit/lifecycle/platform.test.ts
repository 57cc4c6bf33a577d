// Each operating system's folder, channel and file-mode rules (platform.ts), checked on any host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { platformLayout } from '../../../daemon/lifecycle/platform';

test('Windows: %APPDATA%\\llm-router (or the profile\'s AppData\\Roaming), a named pipe per home, no chmod', () => {
  const w = platformLayout('win32');
  assert.equal(w.defaultHome({ APPDATA: 'C:\\Users\\ana\\AppData\\Roaming' }, 'C:\\Users\\ana'), 'C:\\Users\\ana\\AppData\\Roaming\\llm-router');
  assert.equal(w.defaultHome({}, 'C:\\Users\\ana'), 'C:\\Users\\ana\\AppData\\Roaming\\llm-router');
  assert.equal(w.defaultHome({ APPDATA: '  ' }, 'D:\\u'), 'D:\\u\\AppData\\Roaming\\llm-router');
  const pipe = w.socketPath('C:\\Users\\ana\\AppData\\Roaming\\llm-router', 0, 'C:\\Temp');
  assert.match(pipe, /^\\\\\.\\pipe\\llm-router-[0-9a-f]{16}$/);
  assert.notEqual(w.socketPath('C:\\other', 0, 'C:\\Temp'), pipe, 'one pipe per home');
  assert.equal(w.socketIsPipe, true);
  assert.equal(w.usesFileModes, false);
});

test('macOS: ~/Library/Application Support/llm-router, a 0600 unix socket there unless too deep for sun_path', () => {
  const m = platformLayout('darwin');
  assert.equal(m.defaultHome({ XDG_CONFIG_HOME: '/ignored' }, '/Users/ana'), '/Users/ana/Library/Application Support/llm-router');
  assert.equal(m.socketPath('/Users/ana/Library/Application Support/llm-router', 501, '/var/folders/x/T'), '/Users/ana/Library/Application Support/llm-router/daemon.sock');
  const deep = `/Users/ana/${'d'.repeat(100)}`;
  const moved = m.socketPath(deep, 501, '/var/folders/x/T');
  assert.match(moved, /^\/var\/folders\/x\/T\/llm-router-501-[0-9a-f]{16}\.sock$/);
  assert.ok(Buffer.byteLength(moved) < 104, 'fits macOS sun_path');
  assert.equal(m.socketIsPipe, false);
  assert.equal(m.usesFileModes, true);
});

test('Linux and other POSIX: $XDG_CONFIG_HOME/llm-router or ~/.config/llm-router, unix socket, file modes', () => {
  for (const platform of ['linux', 'freebsd'] as const) {
    const l = platformLayout(platform);
    assert.equal(l.defaultHome({}, '/home/ana'), '/home/ana/.config/llm-router');
    assert.equal(l.defaultHome({ XDG_CONFIG_HOME: '/cfg' }, '/home/ana'), '/cfg/llm-router');
    assert.equal(l.defaultHome({ XDG_CONFIG_HOME: '' }, '/home/ana'), '/home/ana/.config/llm-router');
    assert.equal(l.socketPath('/home/ana/.config/llm-router', 1000, '/tmp'), '/home/ana/.config/llm-router/daemon.sock');
    assert.match(l.socketPath(`/home/ana/${'x'.repeat(120)}`, 1000, '/tmp'), /^\/tmp\/llm-router-1000-[0-9a-f]{16}\.sock$/);
    assert.equal(l.usesFileModes, true);
  }
});
