import { RouterError } from '../protocol/errors';
import { notifications, type ChatDeltaNotification } from '../protocol/methods';
import type { DaemonDeps } from '../service/deps';
import { mergeContext, toChatRequest } from './request';
import type { Handlers } from './types';

export function chatHandlers(deps: DaemonDeps): Pick<Handlers, 'chat/complete'> {
  return {
    'chat/complete': async (params, ctx) => {
      const { streamId, requestId } = params;
      if (requestId !== undefined && deps.store.read((tx) => tx.get('SELECT 1 AS x FROM requests WHERE id = ?', [requestId])) !== undefined) {
        throw new RouterError('conflict', `request ${requestId} was already sent: get a new plan from route/estimate`, { requestId });
      }
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
      return { requestId: out.requestId, text: out.result.text, finishReason: out.result.finishReason, usage: out.result.usage, routing: out.routing };
    },
  };
}
