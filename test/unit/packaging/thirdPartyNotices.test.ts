// The bundles drop licence comments (legalComments: 'none'), so THIRD-PARTY-NOTICES.txt must name
// every bundled package with its licence text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
// @ts-expect-error -- a plain .mjs build script without type declarations
import { noticesFor, packageDirOf } from '../../../scripts/thirdPartyNotices.mjs';

test('package folders are read from esbuild input paths, scoped names kept, our own code left out', () => {
  assert.equal(packageDirOf('node_modules/zod/v4/core/schemas.js'), 'node_modules/zod');
  assert.equal(packageDirOf('node_modules/@vscode-elements/elements/dist/vscode-button/index.js'), 'node_modules/@vscode-elements/elements');
  assert.equal(packageDirOf('node_modules/pg/node_modules/pg-types/index.js'), 'node_modules/pg/node_modules/pg-types');
  assert.equal(packageDirOf('daemon/main.ts'), null);
});

test('the notices name each bundled package once, with its licence text', () => {
  const meta = { inputs: { 'node_modules/zod/index.js': {}, 'node_modules/zod/v4/index.js': {}, 'node_modules/json-rpc-2.0/dist/index.js': {}, 'daemon/main.ts': {} } };
  const text: string = noticesFor([meta]);
  assert.equal(text.match(/^zod \S+ — MIT$/gm)?.length, 1);
  assert.match(text, /^json-rpc-2\.0 \S+ — MIT$/m);
  assert.match(text, /Permission is hereby granted/);
  // Shipped beside the bundles, so always named.
  assert.match(text, /^sql\.js \S+ — MIT$/m);
  assert.match(text, /^@napi-rs\/keyring \S+ — MIT$/m);
});
