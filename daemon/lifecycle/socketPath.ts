// Where the LSP channel listens: a unix socket in the home folder, or a named pipe on Windows.
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SOCKET_FILE = 'daemon.sock';
// sockaddr_un.sun_path is 104 bytes on macOS, 108 on Linux, including the terminator.
const MAX_UNIX_SOCKET_PATH = 100;

export function daemonSocketPath(home: string, platform: NodeJS.Platform = process.platform, uid: number = process.getuid?.() ?? 0): string {
  const tag = createHash('sha256').update(home).digest('hex').slice(0, 16);
  if (platform === 'win32') {
    return `\\\\.\\pipe\\llm-router-${tag}`;
  }
  const inHome = join(home, SOCKET_FILE);
  if (Buffer.byteLength(inHome) <= MAX_UNIX_SOCKET_PATH) {
    return inHome;
  }
  // A deep home folder would overflow sun_path; the token still guards the connection.
  return join(tmpdir(), `llm-router-${uid}-${tag}.sock`);
}
