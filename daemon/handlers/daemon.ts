import { RouterError } from '../protocol/errors';
import { requestShutdown } from '../lifecycle/shutdownRequests';
import { randomUUID } from 'node:crypto';
import type { DaemonDeps } from '../service/deps';
import type { Handlers } from './types';

export function daemonHandlers(deps: DaemonDeps): Pick<Handlers, 'daemon/status' | 'daemon/shutdown' | 'client/hello'> {
  return {
    'daemon/status': async () => ({
      version: deps.options.version,
      pid: process.pid,
      uptimeMs: deps.now() - deps.startedAt,
      clients: deps.clients.count(),
      simulate: deps.options.simulate,
      home: deps.options.home,
      port: deps.endpoints.port,
      socketPath: deps.endpoints.socketPath,
    }),
    'daemon/shutdown': async (params) => {
      if (!requestShutdown(params.reason ?? 'asked by a client')) {
        throw new RouterError('unsupportedFeature', 'this daemon runs inside another program (no process owner to stop it): close it from there');
      }
      return { pid: process.pid, shuttingDown: true };
    },
    // The LSP transport checks the token before this runs; over HTTP the bearer header did.
    'client/hello': async (_params, ctx) => ({ daemonVersion: deps.options.version, sessionId: ctx.sessionId ?? randomUUID() }),
  };
}
