// Dispatches argv to a command and turns failures into one clear line on stderr and an exit code.
import type { CliCommand, CliIo } from './command';
import { UsageError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './usage';
import { RouterError } from '../protocol/errors';

export function helpText(commands: readonly CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'llm-router — routes LLM requests to the right model and keeps spend in budget',
    '',
    'Usage: llm-router <command> [options]   (every command takes --json and --help)',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

export async function runCli(argv: string[], io: CliIo, commands: readonly CliCommand[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(`${helpText(commands)}\n`);
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined) {
    io.stderr.write(`llm-router: unknown command "${name}"\n\n${helpText(commands)}\n`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.usage}\n`);
    return EXIT_OK;
  }
  const json = rest.includes('--json');
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`llm-router ${command.name}: ${e.message}\n\n${command.usage}\n`);
      return EXIT_USAGE;
    }
    const code = e instanceof RouterError ? e.code : 'internal';
    const message = e instanceof Error ? e.message : String(e);
    if (json) {
      io.stderr.write(`${JSON.stringify({ error: { code, message } })}\n`);
    } else {
      io.stderr.write(`llm-router ${command.name}: ${message}${code !== 'internal' ? ` [${code}]` : ''}\n`);
    }
    return EXIT_FAILURE;
  }
}
