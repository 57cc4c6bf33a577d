// A client of the daemon's own channel (JSON-RPC with LSP framing over the local socket, as the
// extension and `daemon/client/lspClient.ts` use it) that only listens: the workbench suite counts
// what the daemon broadcast (e.g. `budget/alert`) to compare it with what the window showed.
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { createMessageConnection, SocketMessageReader, SocketMessageWriter } = require('vscode-languageserver/node');

/**
 * Attaches to the daemon named by `<home>/daemon.json` as a script client and records every
 * notification named in `methods`. Returns `{ received, close }`; `received` is a list of
 * `{ method, params }` in arrival order.
 */
export async function listenToDaemon(home, methods) {
  const { socketPath, token } = JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8'));
  const socket = await new Promise((resolve, reject) => {
    const s = connect(socketPath);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
  const connection = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
  const received = [];
  for (const method of methods) {
    connection.onNotification(method, (params) => received.push({ method, params }));
  }
  connection.listen();
  await connection.sendRequest('client/hello', { client: { kind: 'script', name: 'workbench-listener' }, token });
  return {
    received,
    close: () => {
      connection.dispose();
      socket.destroy();
    },
  };
}
