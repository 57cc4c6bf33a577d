// Streams a routed answer from the daemon's OpenAI-compatible endpoint (SSE), for the CLI and
// scripts: text deltas as they arrive, then the routing decision and usage the daemon reports.
import { request } from 'node:http';
import { z } from 'zod';
import { RoutingHeaders } from '../protocol/discovery';
import { RouterError, isErrorCode } from '../protocol/errors';
import type { RoutingInfo } from '../protocol/routing';
import type { ChatMessage } from '../protocol/chat';

export interface ChatStreamRequest {
  model: string;
  messages: ChatMessage[];
  max_tokens?: number;
  routing?: Record<string, unknown>;
  context?: Record<string, unknown>;
}

export interface ChatStreamOutcome {
  requestId: string | null;
  model: string | null;
  provider: string | null;
  reason: string | null;
  /** From the final `routing` object when the daemon sends one, else the header's estimate. */
  costUsd: number | null;
  routing: RoutingInfo | null;
  usage: { prompt_tokens?: number; completion_tokens?: number } | null;
  finishReason: string | null;
}

const Chunk = z
  .object({
    choices: z.array(z.object({ delta: z.object({ content: z.string().nullish() }).loose().optional(), finish_reason: z.string().nullish() }).loose()).optional(),
    usage: z.object({ prompt_tokens: z.number().optional(), completion_tokens: z.number().optional() }).loose().nullish(),
    routing: z.object({ requestId: z.string(), model: z.string(), reason: z.string() }).loose().optional(),
  })
  .loose();

const ErrorBody = z.object({ error: z.object({ message: z.string(), code: z.unknown().optional(), type: z.unknown().optional() }).loose() }).loose();

function header(headers: Record<string, string | string[] | undefined>, name: string): string | null {
  const v = headers[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? (v[0] ?? null) : null;
}

export function streamChat(target: { port: number; token: string }, body: ChatStreamRequest, onText: (text: string) => void, signal?: AbortSignal): Promise<ChatStreamOutcome> {
  return new Promise<ChatStreamOutcome>((resolve, reject) => {
    const payload = Buffer.from(JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }), 'utf8');
    const req = request(
      {
        host: '127.0.0.1',
        port: target.port,
        path: '/v1/chat/completions',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': payload.length, authorization: `Bearer ${target.token}`, accept: 'text/event-stream' },
        signal,
      },
      (res) => {
        res.setEncoding('utf8');
        const cost = header(res.headers, RoutingHeaders.cost);
        const outcome: ChatStreamOutcome = {
          requestId: header(res.headers, RoutingHeaders.requestId),
          model: header(res.headers, RoutingHeaders.model),
          provider: header(res.headers, RoutingHeaders.provider),
          reason: header(res.headers, RoutingHeaders.reason),
          costUsd: cost !== null && cost !== '' && Number.isFinite(Number(cost)) ? Number(cost) : null,
          routing: null,
          usage: null,
          finishReason: null,
        };
        if ((res.statusCode ?? 500) >= 400) {
          let text = '';
          res.on('data', (c: string) => {
            text += c;
          });
          res.on('end', () => {
            let parsed: z.infer<typeof ErrorBody> | null;
            try {
              const r = ErrorBody.safeParse(JSON.parse(text));
              parsed = r.success ? r.data : null;
            } catch {
              parsed = null;
            }
            const code = parsed?.error.code;
            reject(new RouterError(isErrorCode(code) ? code : 'internal', parsed?.error.message ?? `The daemon answered HTTP ${res.statusCode ?? '?'}.`));
          });
          return;
        }
        let buffer = '';
        const handleEvent = (data: string): void => {
          if (data === '[DONE]') {
            return;
          }
          let json: unknown;
          try {
            json = JSON.parse(data);
          } catch {
            return;
          }
          const chunk = Chunk.safeParse(json);
          if (!chunk.success) {
            return;
          }
          for (const choice of chunk.data.choices ?? []) {
            const t = choice.delta?.content;
            if (typeof t === 'string' && t !== '') {
              onText(t);
            }
            if (typeof choice.finish_reason === 'string') {
              outcome.finishReason = choice.finish_reason;
            }
          }
          if (chunk.data.usage) {
            outcome.usage = chunk.data.usage;
          }
          if (chunk.data.routing) {
            const r = chunk.data.routing as unknown as RoutingInfo;
            outcome.routing = r;
            outcome.requestId = r.requestId;
            outcome.model = r.model;
            outcome.reason = r.reason;
            if (typeof r.actualCostUsd === 'number') {
              outcome.costUsd = r.actualCostUsd;
            }
          }
        };
        res.on('data', (c: string) => {
          buffer += c;
          let idx: number;
          while ((idx = buffer.search(/\r?\n\r?\n/)) >= 0) {
            const event = buffer.slice(0, idx);
            buffer = buffer.slice(idx).replace(/^\r?\n\r?\n/, '');
            const data = event
              .split(/\r?\n/)
              .filter((l) => l.startsWith('data:'))
              .map((l) => l.slice(5).trimStart())
              .join('\n');
            if (data !== '') {
              handleEvent(data);
            }
          }
        });
        res.on('end', () => resolve(outcome));
        res.on('error', reject);
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => {
      reject(e.code === 'ECONNREFUSED' ? new RouterError('providerUnavailable', 'The LLM Router daemon is not reachable; is it running?', { daemonUnreachable: true }) : e);
    });
    req.end(payload);
  });
}
