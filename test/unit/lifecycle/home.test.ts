import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { resolveRouterHome, routerHome } from '../../../daemon/lifecycle/home';

test('LLM_ROUTER_HOME wins over the OS folder', () => {
  assert.equal(resolveRouterHome({ LLM_ROUTER_HOME: '/x/y', XDG_CONFIG_HOME: '/c' }, 'linux', '/home/u'), '/x/y');
});

test('per-OS defaults', () => {
  assert.equal(resolveRouterHome({}, 'linux', '/home/u'), '/home/u/.config/llm-router');
  assert.equal(resolveRouterHome({ XDG_CONFIG_HOME: '/cfg' }, 'linux', '/home/u'), '/cfg/llm-router');
  assert.equal(resolveRouterHome({}, 'darwin', '/Users/u'), '/Users/u/Library/Application Support/llm-router');
  assert.equal(resolveRouterHome({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', 'C:\\Users\\u'), 'C:\\Users\\u\\AppData\\Roaming\\llm-router');
});

test('routerHome creates the folder private', { skip: process.platform === 'win32' }, () => {
  const base = mkdtempSync(join(tmpdir(), 'lr-home-'));
  try {
    const dir = routerHome({ LLM_ROUTER_HOME: join(base, 'a', 'home') });
    assert.equal(statSync(dir).mode & 0o777, 0o700);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
