import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileLogger, maskSecrets, LOG_FILE } from '../../../daemon/lifecycle/log';

const home = mkdtempSync(join(tmpdir(), 'lr-log-'));
after(() => rmSync(home, { recursive: true, force: true }));

test('known key shapes and the given secrets are masked', () => {
  const token = 'f'.repeat(64);
  const text = `auth Bearer abcdefgh12345678 key sk-proj-ABCDEFGH12345678 token ${token} custom my-secret-value-1`;
  const masked = maskSecrets(text, ['my-secret-value-1']);
  for (const s of ['abcdefgh12345678', 'sk-proj-ABCDEFGH12345678', token, 'my-secret-value-1']) {
    assert.ok(!masked.includes(s), s);
  }
});

test('the log file is private, one line per event, secrets masked', { skip: process.platform === 'win32' }, () => {
  const logger = fileLogger(home, () => ['tok-1234567890']);
  logger.log('info', 'started with tok-1234567890\nsecond line');
  const text = readFileSync(join(home, LOG_FILE), 'utf8');
  assert.equal(text.split('\n').filter(Boolean).length, 1);
  assert.ok(!text.includes('tok-1234567890'));
  assert.equal(statSync(join(home, LOG_FILE)).mode & 0o777, 0o600);
});
