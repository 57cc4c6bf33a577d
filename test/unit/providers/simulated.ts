// Calls a simulated provider through the real HTTP module and an adapter, as the executor does.
import type { ChatRequest, ChatResult, StreamEvent } from '../../../daemon/protocol/chat';
import { ProviderError, type ProviderAdapter } from '../../../daemon/providers/adapter';
import type { ProviderHttp } from '../../../daemon/providers/http';
import { fold } from './fixtures';

export async function callSimulated(http: ProviderHttp, adapter: ProviderAdapter, baseUrl: string, apiModel: string, request: ChatRequest, stream: boolean): Promise<ChatResult & { events: StreamEvent[] }> {
  const spec = adapter.buildRequest(request, { apiModel, stream, apiKey: 'sk-simulated', baseUrl });
  const res = await http.send(spec);
  if (res.status >= 400) {
    const body = await res.text();
    throw new ProviderError(adapter.classifyError(res.status, res.headers, body));
  }
  if (!stream) {
    return { ...adapter.parseResponse(await res.text()), events: [] };
  }
  const parser = adapter.createStreamParser();
  const events: StreamEvent[] = [];
  for await (const chunk of res.chunks()) {
    events.push(...parser.push(chunk));
  }
  events.push(...parser.end());
  const f = fold(events);
  const usage = f.usage?.type === 'usage' ? f.usage.usage : { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
  return { text: f.text, toolCalls: f.toolCalls, finishReason: (f.finish ?? 'error') as ChatResult['finishReason'], usage, providerModel: apiModel, events };
}
