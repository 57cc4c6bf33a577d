// Batch dry run: JSONL requests in, JSONL decisions out, same order, nothing called. A bad line
// becomes an error line for that id (or line number) and the batch goes on.
import { z } from 'zod';
import { ChatMessage, EffortLevel } from '../protocol/chat';
import { RouterError } from '../protocol/errors';
import { ClientContext, RoutingOptions } from '../protocol/routing';
import type { RoutingDecision } from '../protocol/routing';
import type { RouteInput, Router } from './router';

export const DryRunRequest = z
  .object({
    id: z.union([z.string().max(500), z.number()]),
    prompt: z.string().optional(),
    messages: z.array(ChatMessage).min(1).optional(),
    candidates: z.array(z.string().min(1)).min(1).optional(),
    model: z.string().min(1).max(200).optional(),
    max_tokens: z.number().int().positive().optional(),
    reasoning_effort: EffortLevel.optional(),
    routing: RoutingOptions.optional(),
    context: ClientContext.optional(),
  })
  .refine((r) => (r.prompt === undefined) !== (r.messages === undefined), { message: 'give exactly one of "prompt" or "messages"' });
export type DryRunRequest = z.infer<typeof DryRunRequest>;

type DryRunEstimate = { quality: number; costUsd: number | null; latencyMs: number; effort: EffortLevel | null; thinkingTokens: number; excluded?: string };

export interface DryRunDecision {
  id: string | number;
  model: string;
  /** The reasoning effort chosen with the model (null: it does not reason). */
  effort: EffortLevel | null;
  /** First token + thinking + answer, expected (ms). */
  expectedWallMs: number | null;
  costUsd: number | null;
  estimates: Record<string, DryRunEstimate>;
  reason: string;
}

export interface DryRunError {
  id: string | number | null;
  line: number;
  error: { code: string; message: string };
}

/** Decides one dry-run request: the local router, or the live daemon's `route/decide`. */
export type DryRunDecider = (input: RouteInput) => RoutingDecision | Promise<RoutingDecision>;

type Parsed = { kind: 'skip' } | { kind: 'error'; out: string } | { kind: 'input'; id: string | number; input: RouteInput };

function parseLine(line: string, lineNumber: number): Parsed {
  if (line.trim() === '') {
    return { kind: 'skip' };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (e) {
    return { kind: 'error', out: JSON.stringify(errorLine(null, lineNumber, 'parseError', `line ${lineNumber} is not JSON: ${(e as Error).message}`)) };
  }
  const idOf = (v: unknown): string | number | null => {
    if (typeof v === 'object' && v !== null && 'id' in v) {
      const id = (v as { id: unknown }).id;
      return typeof id === 'string' || typeof id === 'number' ? id : null;
    }
    return null;
  };
  const parsed = DryRunRequest.safeParse(raw);
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => `${i.path.join('.') || 'line'}: ${i.message}`).join('; ');
    return { kind: 'error', out: JSON.stringify(errorLine(idOf(raw), lineNumber, 'invalidParams', msg)) };
  }
  const r = parsed.data;
  return {
    kind: 'input',
    id: r.id,
    input: {
      request: {
        messages: r.messages ?? [{ role: 'user', content: r.prompt ?? '' }],
        ...(r.max_tokens !== undefined ? { max_tokens: r.max_tokens } : {}),
        ...(r.reasoning_effort !== undefined ? { reasoning_effort: r.reasoning_effort } : {}),
      },
      requestedModel: r.model ?? 'auto',
      routing: r.routing,
      context: r.context,
      candidates: r.candidates,
      dryRun: true,
    },
  };
}

function decisionLine(id: string | number, decision: RoutingDecision): string {
  const out: DryRunDecision = {
    id,
    model: decision.model,
    effort: decision.effort ?? null,
    expectedWallMs: decision.expectedWallMs ?? null,
    costUsd: decision.estimatedCostUsd,
    estimates: {},
    reason: decision.reason,
  };
  for (const c of decision.candidates) {
    const e: DryRunEstimate = { quality: c.quality, costUsd: c.costUsd, latencyMs: c.latencyMs, effort: c.effort ?? null, thinkingTokens: c.thinkingTokens ?? 0 };
    out.estimates[c.model] = c.excluded === undefined ? e : { ...e, excluded: c.excluded };
  }
  return JSON.stringify(out);
}

function failureLine(id: string | number, lineNumber: number, e: unknown): string {
  if (e instanceof RouterError) {
    return JSON.stringify(errorLine(id, lineNumber, e.code, e.message));
  }
  // An error from the daemon's route/decide carries its stable code in `data.code`.
  const code = typeof e === 'object' && e !== null && 'data' in e && typeof (e as { data?: { code?: unknown } }).data?.code === 'string' ? String((e as { data: { code: string } }).data.code) : 'internal';
  return JSON.stringify(errorLine(id, lineNumber, code, e instanceof Error ? e.message : String(e)));
}

/** One input line → one output line (JSON), or null for a blank line (skipped, as JSONL allows). */
export function dryRunLine(router: Router, line: string, lineNumber: number): string | null {
  const p = parseLine(line, lineNumber);
  if (p.kind === 'skip') {
    return null;
  }
  if (p.kind === 'error') {
    return p.out;
  }
  try {
    return decisionLine(p.id, router.decide(p.input));
  } catch (e) {
    return failureLine(p.id, lineNumber, e);
  }
}

/** Streams decisions for a stream of lines, in order; the caller owns reading and writing. */
export async function* dryRun(router: Router | DryRunDecider, lines: AsyncIterable<string> | Iterable<string>): AsyncGenerator<string> {
  const decide: DryRunDecider = typeof router === 'function' ? router : (input) => router.decide(input);
  let n = 0;
  for await (const line of lines) {
    n++;
    const p = parseLine(line, n);
    if (p.kind === 'skip') {
      continue;
    }
    if (p.kind === 'error') {
      yield p.out;
      continue;
    }
    try {
      yield decisionLine(p.id, await decide(p.input));
    } catch (e) {
      yield failureLine(p.id, n, e);
    }
  }
}

function errorLine(id: string | number | null, line: number, code: string, message: string): DryRunError {
  return { id, line, error: { code, message } };
}
