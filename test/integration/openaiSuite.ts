// One daemon and one official openai client per test file, for the suites that drive the daemon
// through the SDK (chat completions, responses, affinity).
import { after, before } from 'node:test';
import OpenAI from 'openai';
import { startTestDaemon, type Harness } from './daemonHarness';

export interface OpenAiSuite {
  h: Harness;
  client: OpenAI;
}

/** Registers before/after hooks; the fields are set once `before` has run. */
export function openAiSuite(): OpenAiSuite {
  const suite = {} as OpenAiSuite;
  before(async () => {
    suite.h = await startTestDaemon();
    suite.client = new OpenAI({ baseURL: `${suite.h.url}/v1`, apiKey: suite.h.token, maxRetries: 0, timeout: 20_000 });
  });
  after(async () => {
    await suite.h.close();
  });
  return suite;
}
