// The daemon's log: home/daemon.log, one line per event, private (0600). Messages are written by
// our code only, never raw request bodies, headers or keys; tokens and key-like strings are
// masked again here as a last line of defence.
import { appendFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const LOG_FILE = 'daemon.log';
const MAX_LOG_BYTES = 5 * 1024 * 1024;

export type LogLevel = 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, message: string): void;
}

const SECRET_PATTERNS: RegExp[] = [
  /\b(sk|pk|rk)-[A-Za-z0-9_-]{8,}/g,
  /\bBearer\s+[A-Za-z0-9._~+/-]{8,}=*/gi,
  /\b[a-f0-9]{64}\b/gi,
  /\bAIza[0-9A-Za-z_-]{20,}/g,
  /\bgsk_[A-Za-z0-9]{16,}/g,
  /\bxai-[A-Za-z0-9]{16,}/g,
];

export function maskSecrets(text: string, extra: readonly string[] = []): string {
  let out = text;
  for (const s of extra) {
    if (s.length >= 8) {
      out = out.split(s).join('[redacted]');
    }
  }
  for (const re of SECRET_PATTERNS) {
    out = out.replace(re, '[redacted]');
  }
  return out;
}

export function fileLogger(home: string, secrets: () => readonly string[] = () => []): Logger {
  const path = join(home, LOG_FILE);
  return {
    log(level, message) {
      const line = `${new Date().toISOString()} ${level} pid=${process.pid} ${maskSecrets(message, secrets()).replace(/\r?\n/g, ' ')}\n`;
      try {
        if ((statSync(path, { throwIfNoEntry: false })?.size ?? 0) > MAX_LOG_BYTES) {
          renameSync(path, `${path}.1`);
        }
        appendFileSync(path, line, { mode: 0o600 });
      } catch {
        // Logging must never take the daemon down (disk full, folder removed).
      }
    },
  };
}
