// `llm-router budget|spend|export` as a real program (dist/cli.js) against the daemon it starts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliHarness } from './lifecycle/helpers';

const { home, cli } = cliHarness('lr-budget-cli-');


test('budget set, list, spend and export through the CLI; bad input exits with a clear message', () => {
  const ask = cli('ask', '--simulate', 'What is 2 + 2?');
  assert.equal(ask.status, 0, ask.stderr);

  const set = cli('budget', 'set', '--scope', 'global', '--period', 'day', '--limit', '5', '--json');
  assert.equal(set.status, 0, set.stderr);
  const created = JSON.parse(set.stdout) as { budget: { id: string; limitUsd: number }; requests: number };
  assert.equal(created.budget.limitUsd, 5);
  assert.equal(created.requests, 1, 'the new budget starts from what was already spent today');

  const list = cli('budget', 'list');
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, new RegExp(`${created.budget.id}.*limit \\$5\\.00.*resets`));

  // Several windows on one scope, listed under it from the shortest, each with what is used and left.
  const hourly = cli('budget', 'set', '--scope', 'global', '--period', 'hour', '--limit', '1', '--hard-stop', '--json');
  assert.equal(hourly.status, 0, hourly.stderr);
  const h = JSON.parse(hourly.stdout) as { budget: { id: string; hardStop: boolean }; leftUsd: number };
  assert.equal(h.budget.hardStop, true);
  assert.ok(h.leftUsd > 0 && h.leftUsd <= 1);
  const windows = cli('budget', 'status');
  assert.equal(windows.status, 0, windows.stderr);
  assert.match(windows.stdout, /^global\n {2}.*\[global, hour\].* left .*\n {2}.*\[global, day\].* left /m);
  assert.equal(cli('budget', 'delete', '--id', h.budget.id).status, 0);

  const notNumber = cli('budget', 'set', '--scope', 'global', '--period', 'day', '--limit', 'ten');
  assert.equal(notNumber.status, 2);
  assert.match(notNumber.stderr, /--limit expects a number/);
  const negative = cli('budget', 'set', '--scope', 'global', '--period', 'week', '--limit=-3');
  assert.notEqual(negative.status, 0);
  assert.match(negative.stderr, /greater than 0/);
  const overlap = cli('budget', 'set', '--scope', 'global', '--period', 'day', '--limit', '7');
  assert.notEqual(overlap.status, 0);
  assert.match(overlap.stderr, /already covers/);
  const scope = cli('budget', 'set', '--scope', 'galaxy', '--period', 'day', '--limit', '7');
  assert.equal(scope.status, 2);

  const spend = cli('spend', '--json', '--by', 'model', '--requests', '5');
  assert.equal(spend.status, 0, spend.stderr);
  const s = JSON.parse(spend.stdout) as { summary: { requests: number; groups: unknown[] }; requests: unknown[] };
  assert.equal(s.summary.requests, 1);
  assert.equal(s.summary.groups.length, 1);
  assert.equal(s.requests.length, 1);
  assert.match(cli('spend').stdout, /spent \$\d/);

  const out = join(home, 'ledger.csv');
  const exp = cli('export', '--format', 'csv', '--out', out);
  assert.equal(exp.status, 0, exp.stderr);
  assert.match(exp.stdout, /wrote 1 rows/);
  assert.equal(readFileSync(out, 'utf8').trim().split('\n').length, 2);
  const bad = cli('export', '--out', join(home, 'no', 'such', 'dir', 'x.csv'));
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /does not exist/);
  assert.equal(existsSync(join(home, 'no')), false);
  const badDate = cli('export', '--from', 'last tuesday');
  assert.equal(badDate.status, 2);

  const del = cli('budget', 'delete', '--id', created.budget.id);
  assert.equal(del.status, 0, del.stderr);
  assert.match(cli('budget', 'list').stdout, /no budgets/);
});
