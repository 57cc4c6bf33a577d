// Google's Gemini wire format, served for real: `x-goog-api-key` auth, generateContent and
// streamGenerateContent?alt=sse (CRLF-separated records, no terminator, usageMetadata on the last
// record), functionCall parts, and Google's error bodies (`{"error":{code,message,status}}`).
import { z } from 'zod';
import type { ChatMessage, ToolDefinition } from '../../protocol/chat';
import { answerFor, messageText, streamPieces, type SimulatedAnswer } from '../answer';
import { applyTransportFault, cutConnection, cutJson, pieceDelay, type Fault } from '../faults';
import { sendJson, sleep, type SimCall, type SimFormat } from '../wire';

const Part = z.looseObject({
  text: z.string().optional(),
  inlineData: z.looseObject({ mimeType: z.string(), data: z.string() }).optional(),
  functionCall: z.looseObject({ name: z.string(), args: z.record(z.string(), z.unknown()).optional() }).optional(),
  functionResponse: z.looseObject({ name: z.string(), response: z.record(z.string(), z.unknown()) }).optional(),
});
const Request = z.looseObject({
  contents: z.array(z.looseObject({ role: z.string().optional(), parts: z.array(Part) })).min(1),
  systemInstruction: z.looseObject({ parts: z.array(Part) }).optional(),
  tools: z.array(z.looseObject({ functionDeclarations: z.array(z.looseObject({ name: z.string(), description: z.string().optional(), parameters: z.record(z.string(), z.unknown()).optional() })).optional() })).optional(),
  toolConfig: z.looseObject({ functionCallingConfig: z.looseObject({ mode: z.string().optional(), allowedFunctionNames: z.array(z.string()).optional() }).optional() }).optional(),
  generationConfig: z.looseObject({ maxOutputTokens: z.number().int().positive().optional() }).optional(),
});
type Request = z.infer<typeof Request>;

const STATUS: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED' };

function sendError(call: SimCall, code: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(call.res, code, { error: { code, message, status: STATUS[code] ?? 'UNKNOWN' } }, headers);
}

function errorMessage(fault: Extract<Fault, { kind: 'error' }>): string {
  if (fault.code === 'context_length_exceeded') {
    return `The input token count exceeds the maximum number of tokens allowed (simulated).`;
  }
  if (fault.code === 'content_filter') {
    return 'The request was blocked by the safety filters (simulated).';
  }
  return fault.message;
}

/** The conversation as the shared answer generator sees it. */
function messagesOf(req: Request): Pick<ChatMessage, 'role' | 'content'>[] {
  const out: Pick<ChatMessage, 'role' | 'content'>[] = [];
  if (req.systemInstruction) {
    out.push({ role: 'system', content: req.systemInstruction.parts.map((p) => p.text ?? '').join('\n') });
  }
  for (const c of req.contents) {
    const response = c.parts.find((p) => p.functionResponse);
    if (response?.functionResponse) {
      out.push({ role: 'tool', content: JSON.stringify(response.functionResponse.response) });
      continue;
    }
    const text = c.parts.map((p) => (p.text !== undefined ? p.text : p.inlineData ? '[image]' : '')).join('');
    out.push({ role: c.role === 'model' ? 'assistant' : 'user', content: text });
  }
  return out;
}

function toolsOf(req: Request): ToolDefinition[] {
  const decls = (req.tools ?? []).flatMap((t) => t.functionDeclarations ?? []);
  return decls.map((d) => ({ type: 'function', function: { name: d.name, ...(d.description !== undefined ? { description: d.description } : {}), ...(d.parameters !== undefined ? { parameters: d.parameters } : {}) } }));
}

function toolChoiceOf(req: Request): string | undefined {
  const cfg = req.toolConfig?.functionCallingConfig;
  if (!cfg?.mode) {
    return undefined;
  }
  if (cfg.mode === 'NONE') {
    return 'none';
  }
  if (cfg.mode === 'ANY') {
    return cfg.allowedFunctionNames?.[0] ?? 'required';
  }
  return 'auto';
}

function usage(a: SimulatedAnswer, final: boolean): Record<string, unknown> {
  return final
    ? {
        promptTokenCount: a.promptTokens,
        candidatesTokenCount: a.completionTokens,
        totalTokenCount: a.promptTokens + a.completionTokens,
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: a.promptTokens }],
        // Gemini's implicit caching reports the cached part of the prompt.
        ...(a.cachedTokens ? { cachedContentTokenCount: a.cachedTokens } : {}),
      }
    : { promptTokenCount: a.promptTokens, totalTokenCount: a.promptTokens };
}

function finishReason(a: SimulatedAnswer): string {
  return a.finishReason === 'length' ? 'MAX_TOKENS' : 'STOP';
}

/**
 * Gemini 3's rule a translating gateway can break, refused as Google does: in the current turn
 * (the model turns after the last user text), the first functionCall part of each model turn must
 * carry a thoughtSignature.
 */
function missingSignature(model: string, req: Request): string | null {
  if (!model.startsWith('gemini-3')) {
    return null;
  }
  let start = 0;
  req.contents.forEach((c, i) => {
    if (c.role !== 'model' && c.parts.some((p) => p.text !== undefined)) {
      start = i + 1;
    }
  });
  for (const c of req.contents.slice(start)) {
    const first = c.role === 'model' ? c.parts.findIndex((p) => p.functionCall !== undefined) : -1;
    const part = first >= 0 ? c.parts[first] : undefined;
    if (part !== undefined && typeof part.thoughtSignature !== 'string') {
      return `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${part.functionCall?.name ?? ''}\`, position ${first + 1}. (simulated)`;
    }
  }
  return null;
}

export const googleFormat: SimFormat = {
  name: 'google',
  matches: (method, path) => method === 'POST' && /\/models\/[^/]+:(generateContent|streamGenerateContent)$/.test(path),
  async handle(call) {
    if (typeof call.req.headers['x-goog-api-key'] !== 'string' || call.req.headers['x-goog-api-key'] === '') {
      sendError(call, 403, 'Method doesn\'t allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.');
      return;
    }
    const m = /\/models\/([^/]+):(generateContent|streamGenerateContent)$/.exec(call.path);
    const model = decodeURIComponent(m?.[1] ?? '');
    const stream = m?.[2] === 'streamGenerateContent';
    const url = new URL(call.req.url ?? '/', 'http://simulator');
    if (stream && url.searchParams.get('alt') !== 'sse') {
      sendError(call, 400, 'This simulator serves streamGenerateContent only with alt=sse.');
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(call.body);
    } catch {
      sendError(call, 400, 'Invalid JSON payload received.');
      return;
    }
    const parsed = Request.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      sendError(call, 400, `Invalid JSON payload received. ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`);
      return;
    }
    const req = parsed.data;
    const unsigned = missingSignature(model, req);
    if (unsigned !== null) {
      sendError(call, 400, unsigned);
      return;
    }
    const messages = messagesOf(req);
    const fault = call.faultFor({ provider: call.provider, model, stream, promptText: messages.map((x) => messageText(x)).join('\n') });
    if (fault?.kind === 'delay') {
      await sleep(fault.ms);
    }
    if (fault?.kind === 'error') {
      sendError(call, fault.status, errorMessage(fault), fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {});
      return;
    }
    if (await applyTransportFault(call, fault, stream)) {
      return;
    }
    const answer = answerFor({ model, messages, tools: toolsOf(req), toolChoice: toolChoiceOf(req), maxTokens: req.generationConfig?.maxOutputTokens });
    answer.cachedTokens = call.promptCache?.take(model, messages) ?? 0;
    const responseId = `sim${call.seq}`;
    const parts = answer.toolCalls.length > 0
      ? answer.toolCalls.map((t) => ({ functionCall: { name: t.name, args: JSON.parse(t.arguments) as unknown } }))
      : [{ text: answer.text }];
    await sleep(call.pacing.ttftMs);
    const delay = pieceDelay(call.pacing, fault);
    if (!stream) {
      await sleep(delay * answer.completionTokens);
      if (fault?.kind === 'cut') {
        cutJson(call.res);
        return;
      }
      sendJson(call.res, 200, {
        candidates: [{ content: { parts, role: 'model' }, finishReason: finishReason(answer), index: 0 }],
        usageMetadata: usage(answer, true),
        modelVersion: model,
        responseId,
      });
      return;
    }
    const res = call.res;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const record = (p: unknown[], final: boolean): string =>
      `data: ${JSON.stringify({ candidates: [{ content: { parts: p, role: 'model' }, ...(final ? { finishReason: finishReason(answer) } : {}), index: 0 }], usageMetadata: usage(answer, final), modelVersion: model, responseId })}\r\n\r\n`;
    // Gemini sends function calls whole; text arrives in pieces.
    const pieces: unknown[][] = answer.toolCalls.length > 0 ? [parts] : streamPieces(answer.text).map((t) => [{ text: t }]);
    let sent = 0;
    for (const p of pieces) {
      if (res.destroyed) {
        return;
      }
      if (fault?.kind === 'cut' && sent >= fault.afterPieces) {
        cutConnection(res);
        return;
      }
      res.write(record(p, false));
      sent++;
      await sleep(delay);
    }
    if (fault?.kind === 'cut') {
      cutConnection(res);
      return;
    }
    res.end(record([{ text: '' }], true));
  },
};
