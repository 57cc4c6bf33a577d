// Looking a request up in the cold ledger (daemon/ledger/archive.ts) by id or by ts: one month of
// 60,000 rows (60 frames), side by side in one run, interleaved rounds:
//   scan     the month's frames read forward from its first one up to the row (before framesFrom)
//   search   ColdLedger.findById / find: a binary search over the month's frames, then forward
// Also the cases the search cannot shorten: an id no row has (read to the newest cold row), and
// an id made after every cold row (reads nothing). Median CPU ms per lookup (process.cpuUsage).
// Run with `npm run bench cold-lookup`.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../daemon/store/database';
import { ColdLedger, readColdState } from '../daemon/ledger/archive';
import { insertRequest } from '../daemon/ledger/requests';
import { newRequestId } from '../daemon/pipeline/turn';
import type { LedgerRow } from '../daemon/protocol/ledger';
import type { SegmentState } from '../daemon/store/coldSegments';

const ROWS = 60_000;
const ROUNDS = 5;
const START = Date.parse('2026-01-01T00:00:00Z');
const STEP = (31 * 86_400_000) / ROWS;

function cpuMs(f: () => unknown): number {
  const t = process.cpuUsage();
  f();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1000;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const store = await Store.open({ dir: null });
  const dir = mkdtempSync(join(tmpdir(), 'bench-cold-lookup-'));
  try {
    const ids: string[] = [];
    await store.withWrite((tx) => {
      for (let i = 0; i < ROWS; i++) {
        const ts = Math.floor(START + i * STEP);
        const id = newRequestId(ts);
        ids.push(id);
        const row: LedgerRow = {
          id, ts, clientKind: 'script', clientName: null, workspace: '/w', endpoint: 'chat.completions', requestedModel: 'auto', model: 'gpt-4.1-mini',
          provider: 'openai', policy: null, strategy: 'learned', taskType: 'chat', reason: 'routed by the learned strategy for chat', stream: false,
          tokensIn: 500, tokensOut: 200, tokensCached: 0, tokensReasoning: 0, estimatedCostUsd: 0.001, costUsd: 0.001, costState: 'known', latencyMs: 900,
          ttftMs: 300, status: 'ok', errorCode: null, fallbacks: [], experimentId: null, arm: null,
        };
        insertRequest(tx, row, [{ n: 1, ts, model: row.model, provider: row.provider, status: 'ok', errorCode: null, latencyMs: 900 }]);
      }
    });
    const cold = ColdLedger.open(store, ColdLedger.dirIn(dir));
    const moved = await cold.moveOlderThan(START + 40 * 86_400_000);
    const state = store.read(readColdState);
    const month = '2026-01';
    const segment = state.segments.get(month) as SegmentState;
    const scan = (id: string): unknown => {
      for (const frame of cold.segments.frames(month, segment, 'forward')) {
        for (const rec of frame as { r: { id: string } }[]) {
          if (rec.r.id === id) {
            return rec;
          }
        }
      }
      return null;
    };
    const at = (i: number): { id: string; ts: number } => ({ id: ids[i] as string, ts: Math.floor(START + i * STEP) });
    const cases: [string, () => unknown][] = [];
    for (const [name, i] of [['first row', 0], ['mid-month row', ROWS / 2], ['last row', ROWS - 1]] as const) {
      const r = at(i);
      cases.push([`${name}: scan`, () => scan(r.id)]);
      cases.push([`${name}: findById`, () => store.read((tx) => cold.findById(tx, r.id))]);
      cases.push([`${name}: find(ts)`, () => store.read((tx) => cold.find(tx, r.id, r.ts))]);
    }
    cases.push(['no such row, id from the month start: findById', () => store.read((tx) => cold.findById(tx, newRequestId(START)))]);
    cases.push(['id newer than every cold row: findById', () => store.read((tx) => cold.findById(tx, newRequestId(START + 41 * 86_400_000)))]);
    const times = new Map<string, number[]>(cases.map(([n]) => [n, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, f] of cases) {
        times.get(name)?.push(cpuMs(f));
      }
    }
    console.log(`cold lookups: ${moved} rows in ${segment.bytes} bytes, ${Math.ceil(segment.records / 1000)} frames; ${ROUNDS} rounds; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    for (const [name, xs] of times) {
      console.log(`  ${name.padEnd(48)} ${median(xs).toFixed(1).padStart(7)} ms CPU (median)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
