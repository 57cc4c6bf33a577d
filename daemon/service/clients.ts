// The attached clients (LSP connections) and the notifications the daemon pushes to them.
import type { ClientContext } from '../protocol/routing';

export interface ClientSession {
  id: string;
  client: ClientContext;
  notify(method: string, params: unknown): void;
}

export class ClientHub {
  private readonly sessions = new Map<string, ClientSession>();
  private readonly listeners: (() => void)[] = [];

  /** Adds a session; the returned function removes it. */
  add(session: ClientSession): () => void {
    this.sessions.set(session.id, session);
    this.changed();
    return () => {
      if (this.sessions.delete(session.id)) {
        this.changed();
      }
    };
  }

  count(): number {
    return this.sessions.size;
  }

  list(): ClientSession[] {
    return [...this.sessions.values()];
  }

  broadcast(method: string, params: unknown): void {
    for (const s of this.sessions.values()) {
      try {
        s.notify(method, params);
      } catch {
        // A connection that is going away must not stop the others from hearing.
      }
    }
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private changed(): void {
    for (const l of this.listeners) {
      l();
    }
  }
}
