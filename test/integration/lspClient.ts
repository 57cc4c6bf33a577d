// A test client for the daemon's LSP channel over its real socket (what the extension does).
import { connect } from 'node:net';
import { createMessageConnection, SocketMessageReader, SocketMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { ClientHelloResult } from '../../daemon/protocol/methods';

export interface TestLspClient {
  connection: MessageConnection;
  hello: ClientHelloResult;
  notifications: { method: string; params: unknown }[];
  close(): Promise<void>;
}

export async function attachLsp(socketPath: string, token: string, name: string): Promise<TestLspClient> {
  const socket = connect(socketPath);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const connection = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
  const notifications: { method: string; params: unknown }[] = [];
  connection.onNotification((method: string, params: unknown) => {
    notifications.push({ method, params });
  });
  connection.listen();
  const hello = (await connection.sendRequest('client/hello', { client: { kind: 'editor', name, workspace: `/ws/${name}` }, token })) as ClientHelloResult;
  return {
    connection,
    hello,
    notifications,
    close: async () => {
      connection.dispose();
      if (socket.closed) {
        return;
      }
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.end();
      });
    },
  };
}
