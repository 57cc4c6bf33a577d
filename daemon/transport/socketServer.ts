// The LSP channel's listener: a Unix socket (or Windows named pipe) in the home folder, created 0600.
import { lstatSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { SocketMessageReader, SocketMessageWriter } from 'vscode-languageserver/node';
import { serveLsp, type LspDeps, type LspSession } from './lsp';

export interface LspSocketServer {
  path: string;
  close(): Promise<void>;
}

/** Owner read/write only (0600); at least as strict as 0077. */
const SOCKET_UMASK = 0o177;

function isPipe(path: string): boolean {
  return path.startsWith('\\\\.\\pipe\\') || path.startsWith('//./pipe/');
}

/** A socket file left by a daemon that died; the start lock guarantees no live daemon owns it. */
function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) {
      unlinkSync(path);
    }
  } catch {
    // Nothing there.
  }
}

export async function startLspSocketServer(path: string, deps: LspDeps): Promise<LspSocketServer> {
  const sessions = new Set<LspSession>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const reader = new SocketMessageReader(socket);
    // The reader's partial-message timer re-arms every 10 s for ever once a client leaves half a
    // message behind, and dispose() does not stop it; we never listen for partial messages.
    reader.partialMessageTimeout = 0;
    const session = serveLsp(reader, new SocketMessageWriter(socket), deps);
    sessions.add(session);
    const drop = (): void => {
      sockets.delete(socket);
      session.close();
    };
    socket.on('close', drop);
    socket.on('error', drop);
    void session.closed.then(() => {
      sessions.delete(session);
      // end() flushes what is still queued (a refusal's reason) before closing; destroy() would
      // drop it. A peer that never closes its side is cut off shortly after.
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    });
  });
  if (!isPipe(path)) {
    removeStaleSocket(path);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // The socket file is created by bind() inside listen(), synchronously: under this umask it is
    // 0600 from its first instant (a chmod after listen would leave a window in which another
    // user could connect).
    const previous = isPipe(path) ? null : process.umask(SOCKET_UMASK);
    try {
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    } finally {
      if (previous !== null) {
        process.umask(previous);
      }
    }
  });
  return {
    path,
    close: async () => {
      const done = new Promise<void>((r) => server.close(() => r()));
      for (const s of sessions) {
        s.close();
      }
      for (const s of sockets) {
        s.destroy();
      }
      await done;
    },
  };
}
