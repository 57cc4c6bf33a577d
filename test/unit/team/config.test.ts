// The team section of config.json and what the connection makes of its URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../../../daemon/config/config';
import { describeTarget, describeTeamError, teamPassword, withPassword } from '../../../daemon/team/connection';

test('a team section gets its defaults; none means team mode off and /metrics behind the token', () => {
  assert.equal(parseConfig({}).team, undefined);
  assert.deepEqual(parseConfig({}).metrics, { requireToken: true });
  const t = parseConfig({ team: { url: 'postgres://u@db.example:6432/team', teamId: 'acme', memberId: 'alice' } }).team;
  assert.deepEqual(t, {
    url: 'postgres://u@db.example:6432/team',
    teamId: 'acme',
    memberId: 'alice',
    offline: 'refuse',
    lease: { maxSliceUsd: 1, shareOfRemaining: 0.1, ttlMs: 120_000 },
    syncIntervalMs: 2000,
    connectTimeoutMs: 5000,
  });
});

test('the team section refuses a password in the URL, other schemes and unknown fields, naming the field', () => {
  assert.throws(() => parseConfig({ team: { url: 'postgres://u:pw@h/db', teamId: 'a', memberId: 'b' } }), /team\.url: team\.url must be a valid URL without a password: store the password in the keychain/);
  assert.throws(() => parseConfig({ team: { url: 'mysql://u@h/db', teamId: 'a', memberId: 'b' } }), /team\.url: team\.url must start with postgres:\/\//);
  assert.throws(() => parseConfig({ team: { url: 'postgres://u@h/db', teamId: 'a', memberId: 'b', password: 'x' } }), /team: Unrecognized key/);
  assert.throws(() => parseConfig({ team: { url: 'postgres://u@h/db', teamId: 'a b', memberId: 'b' } }), /team\.teamId: ids are letters/);
  assert.throws(() => parseConfig({ team: { url: 'postgres://u@h/db', teamId: 'a', memberId: 'b', lease: { shareOfRemaining: 0 } } }), /team\.lease\.shareOfRemaining/);
});

test('TLS is on where the URL asks for it; the display never holds a password', () => {
  assert.deepEqual(describeTarget('postgres://u@h:6432/db'), { display: 'u@h:6432/db', tls: false });
  assert.equal(describeTarget('postgres://u@h/db?sslmode=require').tls, true);
  assert.equal(describeTarget('postgres://u@h/db?sslmode=verify-full').tls, true);
  assert.equal(describeTarget('postgres://u@h/db?sslmode=disable').tls, false);
  assert.equal(describeTarget('postgres://u@h/db').display, 'u@h:5432/db');
  const url = withPassword('postgres://u@h:5432/db?sslmode=require', 'p@ss/word');
  assert.equal(new URL(url).password, encodeURIComponent('p@ss/word'));
  assert.equal(new URL(url).searchParams.get('sslmode'), 'require');
  assert.equal(withPassword('postgres://u@h/db', null), 'postgres://u@h/db');
});

test('the password comes from PGPASSWORD first, then the keychain; a failing keychain means none', async () => {
  assert.equal(await teamPassword({ env: { PGPASSWORD: 'env' }, keychain: async () => 'kc' }), 'env');
  assert.equal(await teamPassword({ env: {}, keychain: async () => 'kc' }), 'kc');
  assert.equal(await teamPassword({ env: { PGPASSWORD: '' }, keychain: async () => { throw new Error('no bus'); } }), null);
});

test('database errors read as what to do', () => {
  const t = describeTarget('postgres://u@h:5432/db');
  assert.match(describeTeamError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), t), /refused the connection \(is PostgreSQL running/);
  assert.match(describeTeamError(Object.assign(new Error('x'), { code: '28P01' }), t), /rejected the password: set PGPASSWORD or store it in the keychain \(keys\/set, provider "team-postgres"\)/);
  assert.match(describeTeamError(Object.assign(new Error('x'), { code: '3D000' }), t), /does not exist/);
  assert.match(describeTeamError(new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string'), t), /wants a password and none is set/);
});

test("the README's team example is a valid config once PORT is the cluster's port", () => {
  const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Team mode'));
  const block = /```json\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, 'a json block under ## Team mode');
  const config = parseConfig(JSON.parse(block.replace('PORT', '5432')), 'README team example');
  assert.equal(config.team?.memberId, 'alice');
});
