// Where the LSP channel listens: a unix socket in the home folder, or a named pipe on Windows
// (the per-OS rules are in platform.ts).
import { tmpdir } from 'node:os';
import { platformLayout } from './platform';

export { SOCKET_FILE } from './platform';

export function daemonSocketPath(home: string, platform: NodeJS.Platform = process.platform, uid: number = process.getuid?.() ?? 0): string {
  return platformLayout(platform).socketPath(home, uid, tmpdir());
}
