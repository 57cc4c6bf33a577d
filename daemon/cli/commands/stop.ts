import type { CliCommand } from '../command';
import { writeJson } from '../command';
import { parseFlags, EXIT_OK, EXIT_FAILURE } from '../usage';
import { cliHome, recordedDaemon } from '../connect';
import { createHttpRpcClient } from '../../client/httpClient';
import { isPidAlive } from '../../lifecycle/discovery';

const STOP_WAIT_MS = 35_000;

export const stopCommand: CliCommand = {
  name: 'stop',
  summary: 'stop the daemon gracefully (in-flight requests finish)',
  usage: 'llm-router stop [--home DIR] [--json]',
  async run(args, io) {
    const { values } = parseFlags(args, { home: { type: 'string' }, json: { type: 'boolean' } });
    const home = cliHome(values.home, io.env);
    const recorded = await recordedDaemon(home);
    const info = recorded?.info ?? null;
    if (info === null) {
      if (values.json === true) {
        writeJson(io, { stopped: false, running: false });
      } else {
        io.stdout.write('not running\n');
      }
      return EXIT_OK;
    }
    const client = createHttpRpcClient({ port: info.port, token: info.token, timeoutMs: 10_000 });
    try {
      if (recorded?.state !== 'live') {
        throw new Error('not answering: signal instead');
      }
      await client.call('daemon/shutdown', { reason: 'llm-router stop' });
    } catch {
      // A daemon that cannot take the request still stops gracefully on SIGTERM.
      try {
        process.kill(info.pid, 'SIGTERM');
      } catch {
        // Already gone: the wait below confirms.
      }
    } finally {
      client.close();
    }
    const until = Date.now() + STOP_WAIT_MS;
    while (isPidAlive(info.pid) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const stopped = !isPidAlive(info.pid);
    if (values.json === true) {
      writeJson(io, { stopped, pid: info.pid });
    } else {
      io.stdout.write(stopped ? `stopped (pid ${info.pid})\n` : `the daemon (pid ${info.pid}) is still stopping after ${STOP_WAIT_MS / 1000} s\n`);
    }
    return stopped ? EXIT_OK : EXIT_FAILURE;
  },
};
