// The LSP channel's listener: a Unix socket (or Windows named pipe) in the home folder, created 0600.
//
// The JSON-RPC runtime (vscode-languageserver's reader, writer and connection, and lsp.ts) is
// required when the first editor connects: a daemon serving only scripts over HTTP never loads
// it (about 5 MB resident idle; the bundle keeps the library in dist/vendor/, see esbuild.mjs).
import { lstatSync, unlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { Message, MessageWriter } from 'vscode-languageserver/node';
import type { LspDeps } from './lsp';

export interface LspSocketServer {
  path: string;
  close(): Promise<void>;
}

/** Owner read/write only (0600); at least as strict as 0077. */
const SOCKET_UMASK = 0o177;

/**
 * On close, how long a connection may take to hand its queued replies to the socket, and then how
 * long the client may take to close its side after end(), before the socket is destroyed. Bounded
 * so a stuck client cannot hold the daemon's exit.
 */
export const CLOSE_FLUSH_MS = 1000;

/** Resolves after `ms`, or earlier when `p` settles; never rejects. */
async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => undefined), new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/**
 * A socket writer that knows when every reply it was given has reached the socket. The library's
 * writer queues each write behind a setImmediate, so a reply can still be on its way when the
 * server closes: `daemon/shutdown` answers, then asks the process owner to stop on the next tick.
 */
function trackedWriter(writer: MessageWriter): { writer: MessageWriter; flushed(): Promise<void> } {
  const pending = new Set<Promise<void>>();
  return {
    writer: {
      onError: writer.onError,
      onClose: writer.onClose,
      end: () => writer.end(),
      dispose: () => writer.dispose(),
      write: (m: Message) => {
        const p = writer.write(m);
        const settled = p.then(
          () => undefined,
          () => undefined,
        );
        pending.add(settled);
        void settled.then(() => pending.delete(settled));
        return p;
      },
    },
    flushed: async () => {
      while (pending.size > 0) {
        await Promise.all(pending);
      }
    },
  };
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
  /** Open connections, each closed by flushing its queued replies first (see close below). */
  const connections = new Set<{ closeFlushed(): Promise<void> }>();
  const server: Server = createServer((socket) => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { SocketMessageReader, SocketMessageWriter } = require('vscode-languageserver/node') as typeof import('vscode-languageserver/node');
    const { serveLsp } = require('./lsp') as typeof import('./lsp');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const reader = new SocketMessageReader(socket);
    // The reader's partial-message timer re-arms every 10 s for ever once a client leaves half a
    // message behind, and dispose() does not stop it; we never listen for partial messages.
    reader.partialMessageTimeout = 0;
    const replies = trackedWriter(new SocketMessageWriter(socket));
    const session = serveLsp(reader, replies.writer, deps);
    const connection = {
      closeFlushed: async (): Promise<void> => {
        await within(replies.flushed(), CLOSE_FLUSH_MS);
        session.close();
        if (!socket.destroyed) {
          const gone = new Promise<void>((r) => socket.once('close', () => r()));
          // end() sends what is queued, then FIN; a client that does not close its side in time is
          // cut off.
          socket.end();
          await within(gone, CLOSE_FLUSH_MS);
        }
        socket.destroy();
      },
    };
    connections.add(connection);
    const drop = (): void => {
      connections.delete(connection);
      session.close();
    };
    socket.on('close', drop);
    socket.on('error', drop);
    void session.closed.then(() => {
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
      // Not destroy() straight away: a reply still queued (the `daemon/shutdown` answer) would be
      // dropped and the client would see a hang-up instead. Bounded by 2 × CLOSE_FLUSH_MS.
      await Promise.all([...connections].map((c) => c.closeFlushed()));
      await done;
    },
  };
}
