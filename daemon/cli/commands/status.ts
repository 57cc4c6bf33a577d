import type { CliCommand } from '../command';
import { writeJson } from '../command';
import { parseFlags, EXIT_OK, EXIT_FAILURE } from '../usage';
import { cliHome, recordedDaemon } from '../connect';
import { createHttpRpcClient } from '../../client/httpClient';

/** Exit code when no daemon is running (as LSB init scripts report "not running"). */
export const EXIT_NOT_RUNNING = 3;

export const statusCommand: CliCommand = {
  name: 'status',
  summary: "show the daemon's status, or that it is not running",
  usage: 'llm-router status [--home DIR] [--json]\n\n  Exit code 0 when a daemon is running, 3 when none is, 1 when it runs but does not answer.',
  async run(args, io) {
    const { values } = parseFlags(args, { home: { type: 'string' }, json: { type: 'boolean' } });
    const home = cliHome(values.home, io.env);
    const recorded = await recordedDaemon(home);
    if (recorded !== null && recorded.state !== 'live') {
      const what = recorded.state === 'closing' ? 'stopping' : 'not answering';
      if (values.json === true) {
        writeJson(io, { running: true, state: recorded.state, pid: recorded.info.pid, port: recorded.info.port, home });
      } else {
        io.stdout.write(`running but ${what}: pid ${recorded.info.pid}, port ${recorded.info.port} (home ${home})\n`);
      }
      return EXIT_FAILURE;
    }
    const info = recorded?.info ?? null;
    if (info === null) {
      if (values.json === true) {
        writeJson(io, { running: false, home });
      } else {
        io.stdout.write(`not running (home ${home})\n`);
      }
      return EXIT_NOT_RUNNING;
    }
    const client = createHttpRpcClient({ port: info.port, token: info.token, timeoutMs: 10_000 });
    try {
      const s = await client.call('daemon/status', {});
      const keys = await client.call('keys/list', {});
      const withKey = keys.providers.filter((p) => p.source !== 'none').map((p) => `${p.provider} (${p.source})`);
      if (values.json === true) {
        writeJson(io, { running: true, ...s, keychain: keys.keychain, keys: keys.providers });
      } else {
        io.stdout.write(
          [
            `running: pid ${s.pid}, version ${s.version}${s.simulate ? ', SIMULATED providers' : ''}`,
            `  uptime:  ${Math.round(s.uptimeMs / 1000)} s`,
            `  clients: ${s.clients}`,
            `  HTTP:    http://127.0.0.1:${s.port}/v1`,
            `  socket:  ${s.socketPath}`,
            `  home:    ${s.home}`,
            `  keys:    ${withKey.length > 0 ? withKey.join(', ') : 'none'}`,
            `  keychain: ${keys.keychain.available ? 'available' : `unavailable — ${keys.keychain.problem ?? 'unknown reason'}`}`,
          ].join('\n') + '\n',
        );
      }
    } finally {
      client.close();
    }
    return EXIT_OK;
  },
};
