// Small pieces of node:http plumbing the endpoints share: bounded body reading, JSON replies.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RouterError } from '../protocol/errors';

export const MAX_BODY_BYTES = 4 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    throw new RouterError('payloadTooLarge', `request body of ${declared} bytes is over the ${limit}-byte limit`, { limit });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    const b = c as Buffer;
    size += b.length;
    if (size > limit) {
      throw new RouterError('payloadTooLarge', `request body is over the ${limit}-byte limit`, { limit });
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function parseJsonBody(text: string): unknown {
  if (text.trim().length === 0) {
    throw new RouterError('parseError', 'the request body is empty: send a JSON object');
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RouterError('parseError', `the request body is not valid JSON: ${(e as Error).message}`);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

/** Header values must be printable ASCII; reasons may contain anything. */
export function headerSafe(value: string, max = 300): string {
  return value.replace(/[^\x20-\x7e]/g, '?').slice(0, max);
}

/** An AbortSignal that fires when the client goes away before the response is finished. */
export function disconnectSignal(req: IncomingMessage, res: ServerResponse): AbortSignal {
  const ctl = new AbortController();
  const onClose = (): void => {
    if (!res.writableFinished) {
      ctl.abort();
    }
  };
  res.on('close', onClose);
  req.on('aborted', () => ctl.abort());
  return ctl.signal;
}
