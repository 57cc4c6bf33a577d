import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { runCli } from '../../../daemon/cli/run';
import type { CliCommand, CliIo } from '../../../daemon/cli/command';
import { UsageError, parseFlags } from '../../../daemon/cli/usage';
import { parseDaemonFlags } from '../../../daemon/cli/daemonFlags';
import { RouterError } from '../../../daemon/protocol/errors';

function io(): CliIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (d: Buffer) => (o += d.toString()));
  stderr.on('data', (d: Buffer) => (e += d.toString()));
  return { stdout, stderr, stdin: new PassThrough(), env: {}, out: () => o, err: () => e };
}

const echo: CliCommand = {
  name: 'echo',
  summary: 'echo its flags',
  usage: 'llm-router echo [--json] [--n N]',
  async run(args, io) {
    const { values } = parseFlags(args, { json: { type: 'boolean' }, n: { type: 'string' } });
    if (values.n === 'boom') {
      throw new RouterError('noApiKey', 'No API key for openai: set one with …');
    }
    io.stdout.write(`n=${values.n ?? ''}\n`);
    return 0;
  },
};

test('dispatches to the named command', async () => {
  const x = io();
  assert.equal(await runCli(['echo', '--n', '3'], x, [echo]), 0);
  assert.equal(x.out(), 'n=3\n');
});

test('usage errors exit 2 with the command usage on stderr', async () => {
  const x = io();
  assert.equal(await runCli(['echo', '--bogus'], x, [echo]), 2);
  assert.match(x.err(), /bogus/);
  assert.match(x.err(), /llm-router echo \[--json\]/);
  const y = io();
  assert.equal(await runCli(['nope'], y, [echo]), 2);
  assert.match(y.err(), /unknown command "nope"/);
  const z = io();
  assert.equal(await runCli([], z, [echo]), 2);
});

test('failures: one line with the code; with --json, a JSON object', async () => {
  const x = io();
  assert.equal(await runCli(['echo', '--n', 'boom'], x, [echo]), 1);
  assert.equal(x.err(), 'llm-router echo: No API key for openai: set one with … [noApiKey]\n');
  const y = io();
  assert.equal(await runCli(['echo', '--n', 'boom', '--json'], y, [echo]), 1);
  assert.deepEqual(JSON.parse(y.err()), { error: { code: 'noApiKey', message: 'No API key for openai: set one with …' } });
});

test('--help prints the usage and exits 0', async () => {
  const x = io();
  assert.equal(await runCli(['echo', '--help'], x, [echo]), 0);
  assert.match(x.out(), /llm-router echo/);
});

test('daemon flags', () => {
  assert.deepEqual(parseDaemonFlags(['--port', '8080', '--simulate-if-no-keys', '--idle-timeout', '5000', '--home', '/h']), {
    home: '/h',
    port: 8080,
    simulate: false,
    simulateIfNoKeys: true,
    idleTimeoutMs: 5000,
    json: false,
  });
  assert.throws(() => parseDaemonFlags(['--port', '70000']), UsageError);
  assert.throws(() => parseDaemonFlags(['--idle-timeout', '-1']), UsageError);
  assert.throws(() => parseDaemonFlags(['--what']), UsageError);
});
