// llm-router feedback ID up|down|1..5 [--comment TEXT]
import type { CliCommand } from '../command';
import { writeJson } from '../command';
import { EXIT_OK, UsageError, parseFlags } from '../usage';
import { withDaemon } from './ledgerClient';

const USAGE = `llm-router feedback REQUEST_ID up|down|1..5 [--comment TEXT] [--home DIR] [--json]

  REQUEST_ID is the x-llm-router-request-id header of an answer (also routing.requestId).
  up/down or a score from 1 (bad) to 5 (excellent). Feedback is kept, counts in the metrics of the
  experiment that served the request, and teaches the learned router.`;

export function parseRating(value: string): { thumbs: 'up' | 'down' } | { score: number } {
  if (value === 'up' || value === 'down') {
    return { thumbs: value };
  }
  if (/^[1-5]$/.test(value)) {
    return { score: Number(value) };
  }
  throw new UsageError(`the rating is up, down or a whole number from 1 to 5, got "${value}"`);
}

export const feedbackCommand: CliCommand = {
  name: 'feedback',
  summary: 'rate an answer (up, down or 1-5) by its request id',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseFlags(args, { comment: { type: 'string' }, home: { type: 'string' }, json: { type: 'boolean' } }, true);
    const [requestId, rating, ...extra] = positionals;
    if (requestId === undefined || rating === undefined || extra.length > 0) {
      throw new UsageError(`feedback needs a request id and a rating\n\n${USAGE}`);
    }
    const params = { requestId, ...parseRating(rating), ...(values.comment !== undefined ? { comment: values.comment } : {}) };
    return withDaemon(values.home, io, async (client) => {
      const r = await client.call('feedback/submit', params);
      if (values.json === true) {
        writeJson(io, r);
      } else {
        const where = r.experimentId ? ` (experiment ${r.experimentId}, arm ${r.arm})` : '';
        io.stdout.write(`recorded ${r.feedbackId} for ${r.requestId}: ${r.value.toFixed(2)} on a 0-1 scale${where}\n`);
      }
      return EXIT_OK;
    });
  },
};
