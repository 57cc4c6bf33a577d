import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isOlderVersion } from '../../../daemon/lifecycle/attach';

test('only an older daemon version counts as older', () => {
  assert.equal(isOlderVersion('0.0.1-old', '0.1.0'), true);
  assert.equal(isOlderVersion('0.1.0', '0.1.0'), false);
  assert.equal(isOlderVersion('0.2.0', '0.1.9'), false);
  assert.equal(isOlderVersion('0.1.9', '0.1.10'), true);
  assert.equal(isOlderVersion('1.0.0-rc.1', '1.0.0'), true);
  assert.equal(isOlderVersion('1.0.0', '1.0.0-rc.1'), false);
  assert.equal(isOlderVersion('1.0', '1.0.0'), false);
});
