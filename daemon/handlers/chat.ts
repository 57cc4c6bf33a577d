import { notifications, type ChatDeltaNotification } from '../protocol/methods';
import type { DaemonDeps } from '../service/deps';
import { mergeContext, toChatRequest } from './request';
import type { Handlers } from './types';

export function chatHandlers(deps: DaemonDeps): Pick<Handlers, 'chat/complete'> {
  return {
    'chat/complete': async (params, ctx) => {
      const { streamId, requestId } = params;
      // A requestId already sent (or in flight) is refused by ChatService.complete before any call.
      const out = await deps.chat.complete({
        endpoint: 'rpc',
        requestedModel: params.model,
        request: toChatRequest(params),
        routing: params.routing,
        context: mergeContext(ctx.client, params.context),
        stream: streamId !== undefined,
        signal: ctx.signal,
        requestId,
        onEvent:
          streamId === undefined
            ? undefined
            : (ev) => {
                if (ev.type === 'text') {
                  const note: ChatDeltaNotification = { streamId, text: ev.text };
                  ctx.notify(notifications.chatDelta, note);
                }
              },
      });
      return { requestId: out.requestId, text: out.result.text, toolCalls: out.result.toolCalls, finishReason: out.result.finishReason, usage: out.result.usage, routing: out.routing };
    },
  };
}
