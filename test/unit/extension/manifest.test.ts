// package.json's contributions and constants.ts must name the same ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { Commands, CONFIG_SECTION, EXTENSION_ID, Settings } from '../../../extension/constants';

const Manifest = z.object({
  name: z.string(),
  publisher: z.string(),
  main: z.string(),
  contributes: z.object({
    commands: z.array(z.object({ command: z.string(), title: z.string(), category: z.string() })),
    configuration: z.object({ properties: z.record(z.string(), z.object({ type: z.string() }).loose()) }),
  }),
});
const manifest = Manifest.parse(JSON.parse(readFileSync('package.json', 'utf8')));

test('every command in constants.ts is contributed, and nothing else', () => {
  const contributed = manifest.contributes.commands.map((c) => c.command).sort();
  assert.deepEqual(contributed, Object.values(Commands).sort());
  for (const c of manifest.contributes.commands) {
    assert.equal(c.category, 'LLM Router');
  }
  assert.ok(manifest.contributes.commands.some((c) => c.command === Commands.ask && c.title === 'Ask (auto-routed)'));
});

test('every setting in constants.ts is contributed under llmRouter.*', () => {
  const contributed = Object.keys(manifest.contributes.configuration.properties).sort();
  assert.deepEqual(contributed, Object.values(Settings).map((s) => `${CONFIG_SECTION}.${s}`).sort());
});

test('the extension id and entry point match the bundle', () => {
  assert.equal(`${manifest.publisher}.${manifest.name}`, EXTENSION_ID);
  assert.equal(manifest.main, './dist/extension.js');
});
