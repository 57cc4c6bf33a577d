// The provider simulator: a local HTTP server that speaks providers' real wire formats, so tests
// and the offline demo (`llm-router daemon --simulate`) exercise the same code paths as a real
// provider. Each provider is served under its own path prefix: `<url>/<provider>/v1/...`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultScript, faultFromPrompt, parseFaultRules, type FaultHook } from './faults';
import { openAiFormat } from './formats/openai';
import { anthropicFormat } from './formats/anthropic';
import { googleFormat } from './formats/google';
import { readBody, sendJson, type Pacing, type SimFormat } from './wire';
import { PromptCache } from './answer';

export interface SimulatorOptions {
  port?: number;
  /** Time to first token, ms (default 0). */
  ttftMs?: number;
  /** Output speed (default 0 = as fast as possible). */
  tokensPerSecond?: number;
  /** Scripted faults; prompt directives (`[sim-fault:…]`) apply when this returns null or is absent. */
  fault?: FaultHook;
  /** Extra wire formats, tried before the built-in OpenAI one. */
  formats?: SimFormat[];
}

export interface RunningSimulator {
  /** `http://127.0.0.1:<port>`; a provider's base URL is `<url>/<provider>/v1`. */
  url: string;
  baseUrlFor(provider: string): string;
  /** Calls served so far (for tests that check a call did or did not reach a provider). */
  calls(): number;
  /** Calls whose client hung up before the answer was complete (tests of cancellation). */
  abortedCalls(): number;
  /** Faults scripted at run time; also settable over HTTP with POST /_sim/faults. */
  faults: FaultScript;
  close(): Promise<void>;
}

const BODY_LIMIT = 8 * 1024 * 1024;

export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const pacing: Pacing = { ttftMs: options.ttftMs ?? 0, tokensPerSecond: options.tokensPerSecond ?? 0 };
  const formats = [...(options.formats ?? []), anthropicFormat, googleFormat, openAiFormat];
  let seq = 0;
  let aborted = 0;
  const promptCache = new PromptCache();
  // Scripted faults set at run time (POST /_sim/faults, or `faults` in-process).
  const script = new FaultScript();
  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) {
        sendJson(res, 500, { error: { message: `simulator failure: ${(e as Error).message}`, type: 'server_error', param: null, code: null } });
      } else {
        res.destroy();
      }
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const segments = url.pathname.split('/').filter(Boolean);
    // `/v1/...` without a provider prefix is served as OpenAI.
    const provider = segments[0] && segments[0] !== 'v1' ? segments[0] : 'openai';
    const path = segments[0] === provider ? `/${segments.slice(1).join('/')}` : url.pathname;
    if (req.method === 'GET' && path === '/health') {
      sendJson(res, 200, { ok: true });
      return;
    }
    if ((url.pathname === '/_sim/faults' || path === '/_sim/faults') && (req.method === 'POST' || req.method === 'DELETE')) {
      const rules = req.method === 'DELETE' ? [] : parseFaultRules((await readBody(req, BODY_LIMIT)) ?? '');
      if (typeof rules === 'string') {
        sendJson(res, 400, { error: { message: rules } });
        return;
      }
      script.set(rules);
      sendJson(res, 200, { rules: rules.length });
      return;
    }
    const format = formats.find((f) => f.matches(req.method ?? 'GET', path));
    if (!format) {
      sendJson(res, 404, { error: { message: `Unknown request URL: ${req.method ?? ''} ${url.pathname}`, type: 'invalid_request_error', param: null, code: 'unknown_url' } });
      return;
    }
    const body = await readBody(req, BODY_LIMIT);
    if (body === null) {
      sendJson(res, 413, { error: { message: 'Request body too large.', type: 'invalid_request_error', param: null, code: null } });
      return;
    }
    seq++;
    res.on('close', () => {
      if (!res.writableFinished) {
        aborted++;
      }
    });
    await format.handle({
      req,
      res,
      body,
      path,
      provider,
      pacing,
      seq,
      promptCache,
      faultFor: (ctx) => options.fault?.(ctx) ?? script.hook(ctx) ?? faultFromPrompt(ctx),
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseUrlFor: (provider) => `${url}/${provider}/v1`,
    calls: () => seq,
    abortedCalls: () => aborted,
    faults: script,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
