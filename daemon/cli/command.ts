// One CLI command: a name, a one-line summary, its usage text and a run function. Commands live
// one per file under commands/ and are listed once in commands/index.ts.

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  /** Resolves with the exit code. Throw UsageError for bad arguments (exit 2), RouterError for the rest. */
  run(args: string[], io: CliIo): Promise<number>;
}

/** `--json` output: exactly one JSON object per line. */
export function writeJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value)}\n`);
}

/** A command's answer: the value as one JSON line with `--json`, the readable text otherwise. */
export function writeResult(io: CliIo, json: boolean, value: unknown, text: string): void {
  if (json) {
    writeJson(io, value);
  } else {
    io.stdout.write(`${text}\n`);
  }
}
