import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArm, parseScope } from '../../../daemon/cli/commands/experiment';
import { parseRating } from '../../../daemon/cli/commands/feedback';
import { UsageError } from '../../../daemon/cli/usage';

test('arm specs: NAME=KIND:VALUE[,KIND:VALUE]@WEIGHT', () => {
  assert.deepEqual(parseArm('cheap=strategy:cost-aggressive@0.5'), { name: 'cheap', weight: 0.5, strategy: 'cost-aggressive' });
  assert.deepEqual(parseArm('ops=policy:ops,strategy:learned@0.25'), { name: 'ops', weight: 0.25, policy: 'ops', strategy: 'learned' });
  assert.deepEqual(parseArm('m=model:gpt-4.1-mini@1'), { name: 'm', weight: 1, model: 'gpt-4.1-mini' });
  assert.throws(() => parseArm('cheap=strategy:learned'), UsageError);
  assert.throws(() => parseArm('cheap=flavour:x@0.5'), UsageError);
});

test('scopes and ratings', () => {
  assert.deepEqual(parseScope(undefined), { kind: 'all' });
  assert.deepEqual(parseScope('workspace=/home/me/proj'), { kind: 'workspace', workspace: '/home/me/proj' });
  assert.deepEqual(parseScope('client=editor'), { kind: 'client', clientKind: 'editor' });
  assert.throws(() => parseScope('client=robot'), UsageError);
  assert.throws(() => parseScope('team=x'), UsageError);
  assert.deepEqual(parseRating('up'), { thumbs: 'up' });
  assert.deepEqual(parseRating('4'), { score: 4 });
  assert.throws(() => parseRating('6'), UsageError);
  assert.throws(() => parseRating('meh'), UsageError);
});
