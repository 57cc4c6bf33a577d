// Command-line parsing shared by the CLI commands and the daemon entry. A usage mistake is its own
// error type so every command reports it the same way (stderr, exit code 2).
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

type Options = NonNullable<ParseArgsConfig['options']>;

/** util.parseArgs with its errors turned into UsageError. */
export function parseFlags<O extends Options>(args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.replace(/^TypeError \[[A-Z_]+\]: /, '') : String(e));
  }
}

/** A non-negative integer flag value, or a UsageError naming the flag. */
export function intFlag(name: string, value: string | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) {
    return fallback;
  }
  if (!/^\d+$/.test(value) || Number(value) > max) {
    throw new UsageError(`--${name} expects a whole number from 0 to ${max}, got "${value}"`);
  }
  return Number(value);
}
