// The `daemon` command's flags, shared by dist/daemon.js and `llm-router daemon`.
import { intFlag, parseFlags } from './usage';

export interface DaemonFlags {
  home: string | undefined;
  port: number;
  simulate: boolean;
  simulateIfNoKeys: boolean;
  /** 0 disables. */
  idleTimeoutMs: number;
  json: boolean;
}

export const DAEMON_USAGE = `llm-router daemon [--home DIR] [--port N] [--simulate | --simulate-if-no-keys] [--idle-timeout MS] [--json]

  Runs the routing daemon in the foreground (Ctrl-C stops it gracefully).
  --home DIR            data folder (default $LLM_ROUTER_HOME, else the per-user config folder)
  --port N              HTTP port on 127.0.0.1 (default 0: any free port)
  --simulate            answer every request from the built-in provider simulator
  --simulate-if-no-keys simulate only when no provider API key is in the keychain or environment
  --idle-timeout MS     exit after MS milliseconds with no clients and no traffic (default 0: never)
  --json                print the ready line as one JSON object`;

export function parseDaemonFlags(args: string[]): DaemonFlags {
  const { values } = parseFlags(args, {
    home: { type: 'string' },
    port: { type: 'string' },
    simulate: { type: 'boolean' },
    'simulate-if-no-keys': { type: 'boolean' },
    'idle-timeout': { type: 'string' },
    json: { type: 'boolean' },
  });
  return {
    home: values.home,
    port: intFlag('port', values.port, 0, 65_535),
    simulate: values.simulate === true,
    simulateIfNoKeys: values['simulate-if-no-keys'] === true,
    idleTimeoutMs: intFlag('idle-timeout', values['idle-timeout'], 0),
    json: values.json === true,
  };
}
