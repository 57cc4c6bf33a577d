// Runs inside code-server's extension host (extensionTestsPath): mocha over the bundled suites,
// results written as JSON for the harness (the workbench only reports mocha's exit code).
import { writeFileSync } from 'node:fs';
import Mocha from 'mocha';
import { registerExtensionSuite } from './extension.e2e';

interface TestOutcome {
  title: string;
  state: 'passed' | 'failed';
  durationMs: number;
  error?: string;
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  mocha.suite.emit('pre-require', globalThis, 'extension.e2e', mocha);
  registerExtensionSuite();
  const outcomes: TestOutcome[] = [];
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const file = process.env.LLM_ROUTER_E2E_RESULTS;
      if (file) {
        writeFileSync(file, JSON.stringify({ failures, outcomes }, null, 2));
      }
      if (failures > 0) {
        reject(new Error(`${failures} workbench test(s) failed`));
      } else {
        resolve();
      }
    });
    runner.on('pass', (t) => outcomes.push({ title: t.fullTitle(), state: 'passed', durationMs: t.duration ?? 0 }));
    runner.on('fail', (t, err: unknown) =>
      outcomes.push({ title: t.fullTitle(), state: 'failed', durationMs: t.duration ?? 0, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
    );
  });
}
