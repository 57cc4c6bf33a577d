// Batch dry run: JSONL requests in, JSONL decisions out, same order, nothing called. A bad line
// becomes an error line for that id (or line number) and the batch goes on.
import { z } from 'zod';
import { ChatMessage, EffortLevel } from '../protocol/chat';
import { RouterError } from '../protocol/errors';
import { ClientContext, RoutingOptions } from '../protocol/routing';
import type { Router } from './router';

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

/** One input line → one output line (JSON), or null for a blank line (skipped, as JSONL allows). */
export function dryRunLine(router: Router, line: string, lineNumber: number): string | null {
  if (line.trim() === '') {
    return null;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (e) {
    return JSON.stringify(errorLine(null, lineNumber, 'parseError', `line ${lineNumber} is not JSON: ${(e as Error).message}`));
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
    return JSON.stringify(errorLine(idOf(raw), lineNumber, 'invalidParams', msg));
  }
  const r = parsed.data;
  try {
    const decision = router.decide({
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
    });
    const out: DryRunDecision = {
      id: r.id,
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
  } catch (e) {
    if (e instanceof RouterError) {
      return JSON.stringify(errorLine(r.id, lineNumber, e.code, e.message));
    }
    return JSON.stringify(errorLine(r.id, lineNumber, 'internal', e instanceof Error ? e.message : String(e)));
  }
}

function errorLine(id: string | number | null, line: number, code: string, message: string): DryRunError {
  return { id, line, error: { code, message } };
}

/** Streams decisions for a stream of lines, in order; the caller owns reading and writing. */
export async function* dryRun(router: Router, lines: AsyncIterable<string> | Iterable<string>): AsyncGenerator<string> {
  let n = 0;
  for await (const line of lines) {
    n++;
    const out = dryRunLine(router, line, n);
    if (out !== null) {
      yield out;
    }
  }
}
