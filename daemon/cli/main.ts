// The `llm-router` program (dist/cli.js).
import { commands } from './commands';
import { runCli } from './run';

void runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env }, commands).then((code) => {
  // Exit naturally so piped output drains; a handle left open (stdin, a socket) must not keep us alive.
  process.exitCode = code;
  setTimeout(() => process.exit(code), 200).unref();
});
