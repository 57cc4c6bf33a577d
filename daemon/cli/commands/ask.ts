import type { CliCommand, CliIo } from '../command';
import { writeJson } from '../command';
import { parseFlags, intFlag, UsageError, EXIT_OK } from '../usage';
import { cliHome, ensureDaemon } from '../connect';
import { streamChat } from '../../client/chatStream';
import { Tradeoff } from '../../protocol/routing';
import { RouterError } from '../../protocol/errors';

const USAGE = `llm-router ask [--model auto] [--tradeoff balanced|quality|cost|latency] [--max-tokens N] [--simulate] [--home DIR] [--json] "question…"

  Asks a routed question (starting the daemon if none is running) and streams the answer,
  then one line: model · reason · cost. With no question, reads it from standard input.
  --simulate  a daemon started by this command answers from the built-in simulator
  --json      one JSON object per line: {"type":"text","text":…} … then {"type":"done",…}`;

async function readStdin(io: CliIo): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of io.stdin) {
    chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function formatCost(costUsd: number | null): string {
  if (costUsd === null) {
    return 'cost unknown';
  }
  return costUsd < 0.01 ? `$${costUsd.toFixed(6)}` : `$${costUsd.toFixed(4)}`;
}

export const askCommand: CliCommand = {
  name: 'ask',
  summary: 'ask a routed question and stream the answer',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseFlags(
      args,
      {
        model: { type: 'string' },
        tradeoff: { type: 'string' },
        'max-tokens': { type: 'string' },
        simulate: { type: 'boolean' },
        home: { type: 'string' },
        json: { type: 'boolean' },
      },
      true,
    );
    let tradeoff: Tradeoff | undefined;
    if (values.tradeoff !== undefined) {
      const t = Tradeoff.safeParse(values.tradeoff);
      if (!t.success) {
        throw new UsageError(`--tradeoff must be one of ${Tradeoff.options.join(', ')}`);
      }
      tradeoff = t.data;
    }
    const maxTokens = values['max-tokens'] !== undefined ? intFlag('max-tokens', values['max-tokens'], 0, 1_000_000) : undefined;
    let question = positionals.join(' ').trim();
    if (question === '' && io.stdin.isTTY !== true) {
      question = (await readStdin(io)).trim();
    }
    if (question === '') {
      throw new UsageError('ask needs a question: llm-router ask "…"');
    }
    const json = values.json === true;
    const home = cliHome(values.home, io.env);
    let endedWithNewline = true;
    let answered = false;
    const ask = async () =>
      streamChat(
      await ensureDaemon(home, { simulate: values.simulate === true, env: io.env }),
      {
        model: values.model ?? 'auto',
        messages: [{ role: 'user', content: question }],
        ...(maxTokens !== undefined ? { max_tokens: maxTokens } : {}),
        ...(tradeoff !== undefined ? { routing: { tradeoff } } : {}),
        context: { kind: 'cli', name: 'llm-router ask' },
      },
      (text) => {
        answered = true;
        if (json) {
          writeJson(io, { type: 'text', text });
        } else {
          io.stdout.write(text);
          endedWithNewline = text.endsWith('\n');
        }
      },
    );
    let outcome: Awaited<ReturnType<typeof ask>>;
    try {
      outcome = await ask();
    } catch (e) {
      // The daemon we attached to may have hit its idle timeout just before our request: start
      // or find the next one, once, as long as nothing was printed yet.
      if (answered || !(e instanceof RouterError) || e.details?.daemonUnreachable !== true) {
        throw e;
      }
      outcome = await ask();
    }
    if (json) {
      writeJson(io, {
        type: 'done',
        requestId: outcome.requestId,
        model: outcome.model,
        provider: outcome.provider,
        reason: outcome.reason,
        costUsd: outcome.costUsd,
        finishReason: outcome.finishReason,
        usage: outcome.usage,
      });
    } else {
      io.stdout.write(`${endedWithNewline ? '' : '\n'}\n— ${outcome.model ?? 'unknown model'} · ${outcome.reason ?? 'no reason given'} · ${formatCost(outcome.costUsd)}\n`);
    }
    return EXIT_OK;
  },
};
