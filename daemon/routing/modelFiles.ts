// The learned model's data files (model/*.json, about 3.4 MB) are read from disk on first use
// instead of being bundled as JavaScript: bundled, they were parsed and held at every start-up
// even by a daemon that never routes. Under tests (tsx) they sit in daemon/routing/model/; the
// build copies them to dist/model/, beside the bundles: the same path relative to this code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function readModelJson(name: 'router-model.json' | 'word-vectors.json'): unknown {
  return JSON.parse(readFileSync(join(__dirname, 'model', name), 'utf8'));
}
