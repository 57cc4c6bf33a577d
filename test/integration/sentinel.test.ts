// The sentinel check (scripts/sentinel-check.mjs, which CI wraps around `npm test`) must be able
// to fail: a command that writes the person's keychain entry and sends a request to the person's
// own daemon (found at the default home, as a careless test would) is caught; a harmless one passes.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { privateKeyringUnavailable } from '../privateKeyring';
import { DIST_CLI, ensureBundle } from './lifecycle/helpers';

const why = privateKeyringUnavailable();
before(() => ensureBundle());

function sentinel(...command: string[]): { status: number | null; out: string } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  const r = spawnSync(process.execPath, ['scripts/sentinel-check.mjs', '--', ...command], { env, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

test('the sentinel check passes a command that leaves the person alone and fails one that does not', { skip: why ?? false, timeout: 240_000 }, () => {
  const harmless = sentinel(process.execPath, '-e', 'process.exit(0)');
  assert.equal(harmless.status, 0, harmless.out);
  assert.match(harmless.out, /untouched after the command: 10 keychain entries/);

  const overwrite = "const {AsyncEntry}=require('@napi-rs/keyring');new AsyncEntry('llm-router','anthropic',{linux:{store:'secret-service'}}).setPassword('sk-ant-overwritten')";
  const careless = sentinel('sh', '-c', `"$0" -e "${overwrite}" && "$0" ${JSON.stringify(DIST_CLI)} ask 'What is 2+2?'`, process.execPath);
  assert.equal(careless.status, 1, careless.out);
  assert.match(careless.out, /keychain llm-router\/anthropic was changed/);
  assert.match(careless.out, /the person's ledger gained 1\+ request/);
});
