// Every recorded request's full routing decision (the candidates with their estimates, the rule or
// policy that decided, the reason), stored in `request_decisions` inside the ledger row's
// transaction, so `request/decision` answers for any recorded request, after restarts too. The
// detail stays beside its row while the row is hot and moves with it into its cold segment record
// (ledger/archive.ts), where `request/decision` with the row's ts finds it.
//
// Size is bounded: candidates are stored as tuples with rounded figures, at most MAX_CANDIDATES of
// them (the chosen model and its fallbacks always, then the best-scored, then excluded ones), the
// reason only when it differs from the ledger row's, defaults left out and long texts cut; that
// JSON (about 1.1 kB) is deflated with a preset dictionary of the shape's keys and the catalog's
// names (about 0.3 kB), so the detail costs about what the ledger row itself does in the store, and
// lives exactly as long as the row stays hot.
import { constants as zlibConstants, createDeflateRaw, deflateRawSync, inflateRawSync } from 'node:zlib';
import type { CandidateEstimate, RoutingDecision, TaskType, Tradeoff } from '../protocol/routing';
import type { EffortLevel } from '../protocol/chat';
import type { LedgerRow } from '../protocol/ledger';
import type { ReadTx, Store, WriteTx } from '../store/database';
import type { TurnHooks } from './hooks';

export const MAX_CANDIDATES = 10;
const MAX_TEXT = 300;
const MAX_REASON = 1000;
/** Prune stale rows every this many records (one indexed range delete). */
const PRUNE_EVERY = 500;

/** What is stored: a versioned, compact form of a RoutingDecision. */
interface StoredDecision {
  v: 1;
  m: string;
  p: string;
  f: string[];
  /** Absent when it is the ledger row's reason (it usually is). */
  r?: string;
  st: string;
  po: string;
  ru: string | null;
  t: Tradeoff;
  k: TaskType;
  c: number;
  it: number;
  ot: number;
  e: number | null;
  b: string | null;
  sv: number | null;
  /** Candidates: [model, provider, quality, costUsd, latencyMs, score, excluded, effort, thinkingTokens]. */
  ca: [string, string, number, number | null, number, number, string | null, EffortLevel | null, number | null][];
  /** Candidates left out to keep the row small. */
  om: number;
  x?: { id: string; arm: string } | null;
  es?: { enabled: boolean; to: string | null };
  ef?: EffortLevel | null;
  w?: number;
  su?: string;
  d?: number;
  cv?: RoutingDecision['conversation'];
}

const cut = (s: string, n = MAX_TEXT): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
/**
 * Four significant digits: enough for a person comparing estimates, a third of the characters.
 * Arithmetic rather than Number(v.toPrecision(4)), which cost about half of encodeDecision (about
 * 60 calls a decision): an integer divided or multiplied by an exact power of ten is the double
 * nearest the decimal, the same number toPrecision's text parses to (a tie may round the other way).
 */
function round(v: number): number {
  if (!Number.isFinite(v) || v === 0) {
    return v;
  }
  const a = Math.abs(v);
  if (a < 1e-15 || a >= 1e18) {
    return Number(v.toPrecision(4));
  }
  let e = Math.floor(Math.log10(a));
  // log10 can land one off next to a power of ten.
  if (POW10[Math.abs(e)] !== undefined && (e >= 0 ? a < (POW10[e] as number) : a * (POW10[-e] as number) < 1)) {
    e -= 1;
  }
  const k = 3 - e;
  if (k >= 0) {
    const p = POW10[k] as number;
    let n = Math.round(a * p);
    if (n >= 10_000) {
      return Number(v.toPrecision(4));
    }
    n = Math.sign(v) * n;
    return n / p;
  }
  const p = POW10[-k] as number;
  const n = Math.round(a / p);
  return n >= 10_000 ? Number(v.toPrecision(4)) : Math.sign(v) * n * p;
}
const roundOrNull = (v: number | null): number | null => (v === null ? null : round(v));

/** The candidates worth keeping, in the router's order: chosen and fallbacks, then by score, then excluded. */
export function keptCandidates(d: RoutingDecision, max = MAX_CANDIDATES): { kept: CandidateEstimate[]; omitted: number } {
  if (d.candidates.length <= max) {
    return { kept: d.candidates, omitted: 0 };
  }
  const must = new Set([d.model, ...d.fallbacks]);
  const rank = (c: CandidateEstimate): number => (must.has(c.model) ? 0 : c.excluded === undefined ? 1 : 2);
  const picked = new Set(
    d.candidates
      .map((c, i) => ({ c, i }))
      .sort((a, b) => rank(a.c) - rank(b.c) || (rank(a.c) === 1 ? b.c.score - a.c.score : 0) || a.i - b.i)
      .slice(0, max)
      .map((x) => x.c),
  );
  // Keep the router's own order among the kept ones.
  const kept = d.candidates.filter((c) => picked.has(c));
  return { kept, omitted: d.candidates.length - kept.length };
}

/** `rowReason`: the ledger row's reason; the decision's is stored only when it differs. */
export function encodeDecision(d: RoutingDecision, rowReason: string | null = null): string {
  const { kept, omitted } = keptCandidates(d);
  const s: StoredDecision = {
    v: 1,
    m: d.model,
    p: d.provider,
    f: d.fallbacks.slice(0, MAX_CANDIDATES),
    st: d.strategy,
    po: d.policy,
    ru: d.rule,
    t: d.tradeoff,
    k: d.taskType,
    c: round(d.confidence),
    it: d.inputTokens,
    ot: d.estimatedOutputTokens,
    e: roundOrNull(d.estimatedCostUsd),
    b: d.baselineModel,
    sv: roundOrNull(d.estimatedSavingsUsd),
    ca: kept.map((c) => [c.model, c.provider, round(c.quality), roundOrNull(c.costUsd), Math.round(c.latencyMs), round(c.score), c.excluded === undefined ? null : cut(c.excluded), c.effort ?? null, c.thinkingTokens ?? null]),
    om: omitted,
  };
  if (d.reason !== rowReason) {
    s.r = cut(d.reason, MAX_REASON);
  }
  if (d.experiment) {
    s.x = d.experiment;
  }
  if (d.escalation?.enabled) {
    s.es = d.escalation;
  }
  if (d.effort !== undefined && d.effort !== null) {
    s.ef = d.effort;
  }
  if (d.expectedWallMs !== undefined) {
    s.w = Math.round(d.expectedWallMs);
  }
  if (d.substitutedFor !== undefined) {
    s.su = d.substitutedFor;
  }
  if (d.difficulty !== undefined) {
    s.d = round(d.difficulty);
  }
  if (d.conversation !== undefined) {
    s.cv = { ...d.conversation, why: cut(d.conversation.why) };
  }
  return JSON.stringify(s);
}

export interface DecodedDecision {
  decision: RoutingDecision;
  candidatesOmitted: number;
}

/**
 * null for a row this version cannot read (a newer daemon wrote it, or it is damaged). `rowReason`
 * fills the reason when only the ledger row holds it.
 */
export function decodeDecision(text: string, rowReason: string | null = null): DecodedDecision | null {
  let s: StoredDecision;
  try {
    s = JSON.parse(text) as StoredDecision;
  } catch {
    return null;
  }
  if (typeof s !== 'object' || s === null || s.v !== 1 || !Array.isArray(s.ca)) {
    return null;
  }
  const decision: RoutingDecision = {
    model: s.m,
    provider: s.p,
    fallbacks: s.f,
    reason: s.r ?? rowReason ?? '',
    strategy: s.st,
    policy: s.po,
    rule: s.ru,
    tradeoff: s.t,
    taskType: s.k,
    confidence: s.c,
    inputTokens: s.it,
    estimatedOutputTokens: s.ot,
    estimatedCostUsd: s.e,
    baselineModel: s.b,
    estimatedSavingsUsd: s.sv,
    candidates: s.ca.map(([model, provider, quality, costUsd, latencyMs, score, excluded, effort, thinkingTokens]) => {
      const c: CandidateEstimate = { model, provider, quality, costUsd, latencyMs, score };
      if (excluded !== null) {
        c.excluded = excluded;
      }
      if (effort !== null) {
        c.effort = effort;
      }
      if (thinkingTokens !== null) {
        c.thinkingTokens = thinkingTokens;
      }
      return c;
    }),
  };
  if (s.x !== undefined) {
    decision.experiment = s.x;
  }
  if (s.es !== undefined) {
    decision.escalation = s.es;
  }
  if (s.ef !== undefined) {
    decision.effort = s.ef;
  }
  if (s.w !== undefined) {
    decision.expectedWallMs = s.w;
  }
  if (s.su !== undefined) {
    decision.substitutedFor = s.su;
  }
  if (s.d !== undefined) {
    decision.difficulty = s.d;
  }
  if (s.cv !== undefined) {
    decision.conversation = s.cv;
  }
  return { decision, candidatesOmitted: s.om };
}

/**
 * The preset dictionary of packed format 1. Never edit it: stored rows are inflated with exactly
 * these bytes (a new dictionary needs a new format byte). Deflate matches best near its end, so the
 * most common strings come last. Names missing here (new models) still compress, a little less.
 */
const DICTIONARY_1 = Buffer.from(
  [
    'claude-opus-4-5 claude-sonnet-4-5 claude-opus-4-1 claude-opus-4 claude-sonnet-4 claude-3-5-haiku o3 o4-mini gpt-4.1 gpt-5.2 gpt-5 grok-4 grok-3 gemini-3-pro gemini-2.5-pro',
    'deepseek-reasoner kimi-k2-thinking mistral-large mistral-medium quality-first cost-aggressive task-type weighted fixed quality cost latency code math analysis creative extraction simple',
    '"keySource":"header","x":{"id":"exp_","arm":"","es":{"enabled":true,"to":"","su":"","r":"',
    '"cv":{"key":"conv_","keySource":"prefix","turn":1,"outcome":"new","previousModel":null,"why":"first turn seen"}',
    '"ef":"minimal","w":,"d":0.',
    '["kimi-k2","moonshot",0.7,0.000,2000,0.2,null,null,0],["deepseek-chat","deepseek",0.7,0.000,2000,0.2,null,null,0],["mistral-small","mistral",0.7,0.000,2000,0.2,null,null,0]',
    '["claude-haiku-4-5","anthropic",0.7,0.00,2000,0.2,null,"none",0],["gemini-3-flash","google",0.8,0.00,2000,0.2,null,"minimal",25],["gemini-2.5-flash","google",0.7,0.000,2000,0.2,null,"none",0]',
    '["gemini-2.5-flash-lite","google",0.7,0.0001,2000,0.2,null,null,0],["gemini-2.0-flash","google",0.7,0.0001,2000,0.2,null,null,0],["grok-4-1-fast-reasoning","xai",0.8,0.0005,9000,0.1,null,"high",750]',
    '["grok-4-1-fast-non-reasoning","xai",0.7,0.0001,2000,0.2,null,null,0],["grok-3-mini","xai",0.7,0.0002,3000,0.1,null,"low",200],["llama-3.1-8b-instant","groq",0.5,0.0000,600,0.2,null,null,0]',
    '["llama-3.3-70b-versatile","groq",0.6,0.0002,1300,0.2,null,null,0],["gpt-oss-120b","groq",0.7,0.0002,1300,0.2,null,"low",100]]',
    '{"v":1,"m":"gpt-4o-mini","p":"openai","f":["gpt-4.1-nano","gpt-5-nano"],"st":"learned","po":"normal","ru":null,"t":"balanced","k":"chat","c":0.2,"it":10,"ot":300,"e":0.000,"b":"gpt-4o","sv":0.00,',
    '"ca":[["gpt-5.1","openai",0.8,0.003,3300,0.1,null,"none",0],["gpt-5-mini","openai",0.7,0.0007,3000,0.1,null,"minimal",30],["gpt-5-nano","openai",0.6,0.0001,2700,0.1,null,"minimal",30]',
    ',["gpt-4.1-mini","openai",0.7,0.0005,2900,0.1,null,null,0],["gpt-4.1-nano","openai",0.6,0.0001,2500,0.1,null,null,0],["gpt-4o-mini","openai",0.6,0.0001,2500,0.1,null,null,0]],"om":30',
  ].join(''),
);
/** Format byte of a packed detail: 1 = deflate-raw with DICTIONARY_1. */
const PACKED_1 = 1;

// Per call, zlib's set-up (about 7 us here) and the dictionary (about 4 us) cost as much as the
// compression itself, and the sync API cannot reuse a context. A 4 kB window still holds the whole
// dictionary and any detail (about 1 kB); a smaller hash, a 1 kB output chunk instead of 16 kB and
// level 1 cut a call by about a third (18.6 -> 12.6 us) for about 20 more bytes (221 -> 240 B on a
// 14-candidate decision). Inflate reads it with its default window: rows packed before read the same.
const DEFLATE_OPTIONS = { dictionary: DICTIONARY_1, windowBits: 12, memLevel: 4, chunkSize: 1024, level: 1 };

/** What packDecision uses of a zlib stream's native handle (Node's own, undocumented). */
interface DeflateHandle {
  reset(): void;
  writeSync(flush: number, input: Uint8Array, inOffset: number, inLength: number, output: Uint8Array, outOffset: number, outLength: number): void;
}

/** Larger than any detail's deflated form (about 1 kB of JSON at most deflates below it). */
const PACK_BUFFER = Buffer.allocUnsafe(16 * 1024);

/**
 * One deflate context for every packDecision, reset (which re-applies the dictionary) before each
 * detail, instead of deflateRawSync's new stream object and zlib context per call: about half the
 * cost of a pack. It goes through the stream's native handle, which Node does not document, so it
 * is used only when it is there and compresses a sample exactly as deflateRawSync does; otherwise
 * (another runtime) every pack takes the documented path. Both produce the same bytes.
 */
let reused: { handle: DeflateHandle; state: Uint32Array } | null | undefined;

function reusedDeflate(): { handle: DeflateHandle; state: Uint32Array } | null {
  if (reused !== undefined) {
    return reused;
  }
  reused = null;
  try {
    const stream = createDeflateRaw(DEFLATE_OPTIONS) as unknown as { _handle?: Partial<DeflateHandle>; _writeState?: unknown; on(event: 'error', f: () => void): void };
    // A failure is reported to the stream as an 'error' event; with a listener it cannot throw out of a pack.
    stream.on('error', () => {
      reused = null;
    });
    const handle = stream._handle;
    const state = stream._writeState;
    if (handle && typeof handle.reset === 'function' && typeof handle.writeSync === 'function' && state instanceof Uint32Array) {
      const candidate = { handle: handle as DeflateHandle, state };
      const sample = '{"v":1,"m":"gpt-4o-mini","p":"openai","f":[],"st":"fixed","ca":[["gpt-4o-mini","openai",0.6,0.0001,2500,0.1,null,null,0]],"om":0}';
      const mine = deflateWith(candidate, sample);
      if (mine !== null && Buffer.compare(mine, deflateRawSync(sample, DEFLATE_OPTIONS)) === 0) {
        reused = candidate;
      }
    }
  } catch {
    reused = null;
  }
  return reused;
}

/** The deflated bytes (a view of PACK_BUFFER, from offset 1), or null when they did not fit. */
function deflateWith(d: { handle: DeflateHandle; state: Uint32Array }, json: string): Buffer | null {
  const input = Buffer.from(json, 'utf8');
  d.handle.reset();
  d.handle.writeSync(zlibConstants.Z_FINISH, input, 0, input.length, PACK_BUFFER, 1, PACK_BUFFER.length - 1);
  const availOut = d.state[0] ?? 0;
  const availIn = d.state[1] ?? 1;
  // Z_FINISH with output space left over means the stream ended inside the buffer.
  return availOut > 0 && availIn === 0 ? PACK_BUFFER.subarray(1, PACK_BUFFER.length - availOut) : null;
}

/** The stored form: a format byte, then the deflated JSON of `encodeDecision`. */
export function packDecision(json: string): Uint8Array {
  const d = reusedDeflate();
  const body = d === null ? null : deflateWith(d, json);
  if (body !== null) {
    const out = new Uint8Array(body.length + 1);
    out[0] = PACKED_1;
    out.set(body, 1);
    return out;
  }
  const slow = deflateRawSync(json, DEFLATE_OPTIONS);
  const out = new Uint8Array(slow.length + 1);
  out[0] = PACKED_1;
  out.set(slow, 1);
  return out;
}

/** packDecision the documented way, one zlib stream per call (tests compare the two). */
export function packDecisionSlow(json: string): Uint8Array {
  const body = deflateRawSync(json, DEFLATE_OPTIONS);
  const out = new Uint8Array(body.length + 1);
  out[0] = PACKED_1;
  out.set(body, 1);
  return out;
}

/** The JSON back from a packed detail (or a detail stored as text); null when it cannot be read. */
export function unpackDecision(stored: unknown): string | null {
  if (typeof stored === 'string') {
    return stored;
  }
  if (!(stored instanceof Uint8Array) || stored[0] !== PACKED_1) {
    return null;
  }
  try {
    return inflateRawSync(stored.subarray(1), { dictionary: DICTIONARY_1 }).toString('utf8');
  } catch {
    return null;
  }
}

export interface RequestDecisionsOptions {
  store: Store;
  /** Rows before this time have left the hot store (ledger/archive.ts's hotCutoff). */
  hotCutoff: () => number;
}

export class RequestDecisions {
  private records = 0;

  constructor(private readonly options: RequestDecisionsOptions) {}

  /** `rowReason`: the ledger row's reason, which the stored detail leaves out when they are the same. */
  get(tx: ReadTx, requestId: string, rowReason: string | null): DecodedDecision | null {
    const r = tx.get('SELECT detail FROM request_decisions WHERE request_id = ?', [requestId]);
    const json = r ? unpackDecision(r.detail) : null;
    return json === null ? null : decodeDecision(json, rowReason);
  }

  /** Inside the ledger row's transaction: the row and its decision are durable together. */
  private onRecord(tx: WriteTx, row: LedgerRow, decision: RoutingDecision): void {
    tx.run('INSERT OR REPLACE INTO request_decisions (request_id, ts, detail) VALUES (?, ?, ?)', [row.id, row.ts, packDecision(encodeDecision(decision, row.reason))]);
    if (++this.records % PRUNE_EVERY === 0) {
      this.prune(tx);
    }
  }

  /**
   * Drops details whose ledger row left the hot store without them (moved before details moved
   * with their rows); rows kept hot keep theirs.
   */
  prune(tx: WriteTx): number {
    return tx.run('DELETE FROM request_decisions WHERE ts < ? AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.id = request_decisions.request_id)', [this.options.hotCutoff()]).changes;
  }

  /** After planning, each recorded turn (answered, failed or cancelled) stores its plan's decision. */
  get hooks(): TurnHooks {
    return { onRecord: (tx, row, _attempts, turn) => (turn.isPlanned ? this.onRecord(tx, row, turn.plan.decision) : undefined) };
  }
}
