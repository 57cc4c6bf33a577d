// Everything that differs per operating system, in one place: where the per-user folder is
// (%APPDATA% on Windows, ~/Library/Application Support on macOS, $XDG_CONFIG_HOME or ~/.config
// elsewhere), what the editor's channel listens on (a named pipe on Windows, a unix socket
// elsewhere, moved to the temp folder when the home is too deep for sun_path), and whether file
// modes protect the token (POSIX: 0700 folder, 0600 files and socket; Windows: the per-user
// profile's ACLs do, chmod does nothing useful there). Pure: unit-tested for every platform.
import { createHash } from 'node:crypto';
import { posix, win32 } from 'node:path';

export const APP_DIR = 'llm-router';
export const SOCKET_FILE = 'daemon.sock';
/** sockaddr_un.sun_path is 104 bytes on macOS and 108 on Linux, including the terminator. */
const MAX_UNIX_SOCKET_PATH = 100;

export interface PlatformLayout {
  platform: NodeJS.Platform;
  /** The per-user folder for the router when $LLM_ROUTER_HOME is not set. */
  defaultHome(env: NodeJS.ProcessEnv, userHome: string): string;
  /** Where the LSP channel listens for this home. */
  socketPath(home: string, uid: number, tmp: string): string;
  /** A named pipe has no file to chmod or unlink. */
  socketIsPipe: boolean;
  /** Whether chmod 0700/0600 is how the folder, files and socket are kept private. */
  usesFileModes: boolean;
}

const homeTag = (home: string): string => createHash('sha256').update(home).digest('hex').slice(0, 16);

const nonEmpty = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';

function unixSocket(home: string, uid: number, tmp: string): string {
  const inHome = posix.join(home, SOCKET_FILE);
  if (Buffer.byteLength(inHome) <= MAX_UNIX_SOCKET_PATH) {
    return inHome;
  }
  // A deep home folder would overflow sun_path; the token still guards the connection.
  return posix.join(tmp, `llm-router-${uid}-${homeTag(home)}.sock`);
}

const WINDOWS: Omit<PlatformLayout, 'platform'> = {
  defaultHome: (env, userHome) => win32.join(nonEmpty(env.APPDATA) ? env.APPDATA : win32.join(userHome, 'AppData', 'Roaming'), APP_DIR),
  socketPath: (home) => `\\\\.\\pipe\\llm-router-${homeTag(home)}`,
  socketIsPipe: true,
  usesFileModes: false,
};

const MACOS: Omit<PlatformLayout, 'platform'> = {
  defaultHome: (_env, userHome) => posix.join(userHome, 'Library', 'Application Support', APP_DIR),
  socketPath: unixSocket,
  socketIsPipe: false,
  usesFileModes: true,
};

const XDG: Omit<PlatformLayout, 'platform'> = {
  defaultHome: (env, userHome) => posix.join(nonEmpty(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : posix.join(userHome, '.config'), APP_DIR),
  socketPath: unixSocket,
  socketIsPipe: false,
  usesFileModes: true,
};

export function platformLayout(platform: NodeJS.Platform = process.platform): PlatformLayout {
  const layout = platform === 'win32' ? WINDOWS : platform === 'darwin' ? MACOS : XDG;
  return { platform, ...layout };
}
