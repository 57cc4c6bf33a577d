// The LSP channel's listener: a Unix socket (or Windows named pipe) in the home folder, mode 0600.
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { SocketMessageReader, SocketMessageWriter } from 'vscode-languageserver/node';
import { serveLsp, type LspDeps, type LspSession } from './lsp';

export interface LspSocketServer {
  path: string;
  close(): Promise<void>;
}

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
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  if (!isPipe(path)) {
    chmodSync(path, 0o600);
  }
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
