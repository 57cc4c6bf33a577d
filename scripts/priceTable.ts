// Writes the compact price table for the built-in catalog's models (daemon/ledger/priceTable.ts)
// from the installed @pydantic/genai-prices. Run by esbuild.mjs: `tsx scripts/priceTable.ts <file>`.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildPriceTable } from '../daemon/ledger/priceTableBuild';
import { Catalog } from '../daemon/routing/catalog';

const out = process.argv[2];
if (out === undefined) {
  console.error('usage: tsx scripts/priceTable.ts <output.json>');
  process.exit(2);
}
const pkg = JSON.parse(readFileSync(join(dirname(require.resolve('@pydantic/genai-prices')), '..', 'package.json'), 'utf8')) as { version: string };
const table = buildPriceTable(Catalog.builtIn().list(), `@pydantic/genai-prices ${pkg.version}`);
writeFileSync(out, `${JSON.stringify(table)}\n`);
