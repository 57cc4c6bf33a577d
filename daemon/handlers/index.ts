// The full handler table, one area per file. Add an area: one import and one spread below.
import type { DaemonDeps } from '../service/deps';
import { chatHandlers } from './chat';
import { daemonHandlers } from './daemon';
import { keysHandlers } from './keys';
import { modelsHandlers } from './models';
import { routeHandlers } from './route';
import { routingHandlers } from './routing';
import { budgetHandlers } from './budget';
import { reportHandlers } from './report';
import { spendHandlers } from './spend';
import { experimentHandlers } from './experiments';
import { feedbackHandlers } from './feedback';
import { providersHandlers } from './providers';
import { editorHandlers } from './editor';
import { teamHandlers } from './team';
import { learningHandlers } from './learning';
import { conversationHandlers } from './conversations';
import type { Handlers } from './types';

export type { CallContext, Handler, Handlers } from './types';

export function createHandlers(deps: DaemonDeps): Handlers {
  return {
    ...daemonHandlers(deps),
    ...chatHandlers(deps),
    ...routeHandlers(deps),
    ...routingHandlers(deps),
    ...modelsHandlers(deps),
    ...spendHandlers(deps),
    ...keysHandlers(deps),
    ...budgetHandlers(deps),
    ...reportHandlers(deps),
    ...experimentHandlers(deps),
    ...feedbackHandlers(deps),
    ...providersHandlers(deps),
    ...editorHandlers(deps),
    ...teamHandlers(deps),
    ...learningHandlers(deps),
    ...conversationHandlers(deps),
  };
}
