// Small pieces of node:http plumbing the endpoints share: bounded body reading, JSON replies.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RouterError } from '../protocol/errors';

export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * The whole body as text. Events rather than `for await`: the async iterator costs a promise and
 * an iterator object per chunk, on every request.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(new RouterError('payloadTooLarge', `request body of ${declared} bytes is over the ${limit}-byte limit`, { limit }));
  }
  return new Promise((resolve, reject) => {
    let first: Buffer | null = null;
    let more: Buffer[] | null = null;
    let size = 0;
    const onData = (b: Buffer): void => {
      size += b.length;
      if (size > limit) {
        finish();
        req.pause();
        reject(new RouterError('payloadTooLarge', `request body is over the ${limit}-byte limit`, { limit }));
        return;
      }
      if (first === null) {
        first = b;
      } else {
        (more ??= [first]).push(b);
      }
    };
    const onEnd = (): void => {
      finish();
      resolve(more !== null ? Buffer.concat(more).toString('utf8') : first !== null ? first.toString('utf8') : '');
    };
    const onError = (e: Error): void => {
      finish();
      reject(e);
    };
    const onClose = (): void => {
      // Closed before its end: the client went away mid-body.
      finish();
      reject(new RouterError('cancelled', 'the client closed the connection before the request body ended'));
    };
    const finish = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
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

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  const text = JSON.stringify(body);
  if (res.headersSent) {
    res.end();
    return;
  }
  // A flat [name, value, …] list: no merged header object per answer; the extra headers come last
  // (none of them repeats one of these three).
  const head = ['content-type', JSON_CONTENT_TYPE, 'content-length', String(Buffer.byteLength(text)), 'cache-control', 'no-store'];
  if (headers !== undefined) {
    for (const name in headers) {
      head.push(name, headers[name] as string);
    }
  }
  res.writeHead(status, head);
  res.end(text);
}

/**
 * For a streamed answer: returns `flush`, to call after writing an event. Node corks the socket at
 * a response's write and uncorks it on the next tick, and the next tick comes only after every
 * queued promise continuation has run — for a stream's first chunk that was the rest of the
 * request (the ledger's write), about half a millisecond before the client saw a byte. `flush`
 * uncorks in a microtask instead: right after the code writing the upstream chunk's events, once
 * per chunk rather than once per event. The first call uncorks at once: the head and the first
 * event leave before the rest of that upstream chunk's events are parsed and written (a provider
 * that sends the whole answer in one read, as the simulator does, held the first token back for
 * all of them).
 */
export function streamFlusher(res: ServerResponse): () => void {
  let pending = false;
  let first = true;
  const uncork = (): void => {
    pending = false;
    const socket = res.socket;
    if (socket !== null && socket.writableCorked > 0) {
      socket.uncork();
    }
  };
  return () => {
    if (first) {
      first = false;
      uncork();
      return;
    }
    if (!pending) {
      pending = true;
      queueMicrotask(uncork);
    }
  };
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
