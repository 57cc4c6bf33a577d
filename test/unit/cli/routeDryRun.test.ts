// `route --dry-run` decides as the user's own daemon would: the home folder's config.json (rules,
// user models, value of time) or --config FILE, and the catalog data file saved there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { CliIo } from '../../../daemon/cli/command';
import { routeCommand } from '../../../daemon/cli/commands/route';
import { saveCatalogFile } from '../../../daemon/routing/catalogData';
import shipped from '../../../daemon/routing/data/models.json';

async function dryRun(args: string[], lines: unknown[], env: NodeJS.ProcessEnv): Promise<Record<string, unknown>[]> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  const io: CliIo = { stdin, stdout, stderr: new PassThrough(), env };
  stdin.end(lines.map((l) => JSON.stringify(l)).join('\n'));
  assert.equal(await routeCommand.run(['--dry-run', ...args], io), 0);
  return out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

const config = {
  routing: {
    models: [{ id: 'office-llm', provider: 'ollama', contextWindow: 32_000, like: 'gpt-4.1-mini', price: { inputPerMTok: 0, outputPerMTok: 0 } }],
    rules: [{ id: 'python-local', when: { language: 'python' }, targets: [{ model: 'office-llm' }] }],
  },
};
const python = { id: 'py', prompt: '```python\nprint(1)\n```\nWhat does this print?' };

test('the dry run reads the home folder\'s config and catalog, or --config FILE', async () => {
  const home = mkdtempSync(join(tmpdir(), 'route-dry-'));
  try {
    writeFileSync(join(home, 'config.json'), JSON.stringify(config));
    const [d] = await dryRun(['--home', home], [python], {});
    assert.equal(d?.model, 'office-llm');
    assert.match(String(d?.reason), /rule "python-local"/);
    assert.ok('effort' in (d ?? {}) && typeof d?.expectedWallMs === 'number');
    // The same home through the environment, and another config given as a file.
    assert.equal((await dryRun([], [python], { LLM_ROUTER_HOME: home }))[0]?.model, 'office-llm');
    const other = join(home, 'other.json');
    writeFileSync(other, JSON.stringify({ routing: { rules: [] } }));
    assert.notEqual((await dryRun(['--home', home, '--config', other], [python], {}))[0]?.model, 'office-llm');
    // A catalog data file saved by `catalog update` is what the dry run knows.
    const f = JSON.parse(JSON.stringify(shipped)) as typeof shipped;
    f.updated = '2099-01-01';
    f.models = f.models.filter((m) => m.id !== 'grok-3');
    saveCatalogFile(home, f);
    const [e] = await dryRun(['--home', home], [{ id: 'x', prompt: 'hi', candidates: ['grok-3'] }], {});
    assert.equal((e?.error as { code?: string } | undefined)?.code, 'unknownModel');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('--tradeoff is the request\'s own choice: it outranks a policy\'s tradeoff, as when the daemon decides', async () => {
  const home = mkdtempSync(join(tmpdir(), 'route-dry-'));
  try {
    // A code prompt: the built-in code policy's own tradeoff is balanced.
    const code = { id: 'c', prompt: 'Refactor this function to remove the global state and add unit tests:\n```ts\nlet n = 0;\nexport function next() { return ++n; }\n```' };
    const [q] = await dryRun(['--home', home, '--local', '--tradeoff', 'quality'], [code], {});
    assert.match(String(q?.reason), /, quality: /);
    const [plain] = await dryRun(['--home', home, '--local'], [code], {});
    assert.doesNotMatch(String(plain?.reason), /, quality: /, 'without the flag the policy decides');
    // A line's own routing.tradeoff still wins over the flag.
    const [own] = await dryRun(['--home', home, '--local', '--tradeoff', 'quality'], [{ ...code, routing: { tradeoff: 'cost' } }], {});
    assert.match(String(own?.reason), /, cost: /);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
