import type { CliCommand } from '../command';
import { DAEMON_USAGE } from '../daemonFlags';
import { daemonMain } from '../../main';

export const daemonCommand: CliCommand = {
  name: 'daemon',
  summary: 'run the routing daemon in the foreground',
  usage: DAEMON_USAGE,
  run: (args) => daemonMain(args),
};
