// The kill switch ("Pause all spending"): while paused, every chat request from every client (the
// editor, scripts on /v1/*, the CLI) is refused with `spendingPaused` before routing, so nothing is
// reserved, called or billed. The state survives a daemon restart (a file in the home folder): a
// user who pulled the switch must not find it silently released by an idle exit.
import { existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { RouterError } from '../protocol/errors';
import type { SpendingState } from '../protocol/editor';

export const PAUSE_FILE = 'spending-paused.json';

const PauseFile = z.object({ since: z.number(), reason: z.string().max(200).nullable() });

export class SpendingPause {
  private state: SpendingState;
  private readonly file: string;

  constructor(
    home: string,
    private readonly now: () => number,
    private readonly onChange: (state: SpendingState) => void = () => undefined,
  ) {
    this.file = join(home, PAUSE_FILE);
    this.state = readState(this.file);
  }

  get current(): SpendingState {
    return { ...this.state };
  }

  pause(reason: string | undefined): SpendingState {
    if (!this.state.paused) {
      this.state = { paused: true, since: this.now(), reason: reason ?? null };
      const temp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(temp, JSON.stringify({ since: this.state.since, reason: this.state.reason }) + '\n', { mode: 0o600 });
      renameSync(temp, this.file);
      this.onChange(this.current);
    }
    return this.current;
  }

  resume(): SpendingState {
    if (this.state.paused) {
      this.state = { paused: false, since: null, reason: null };
      if (existsSync(this.file)) {
        unlinkSync(this.file);
      }
      this.onChange(this.current);
    }
    return this.current;
  }

  /** Throws `spendingPaused` while the switch is on. */
  check(): void {
    if (this.state.paused) {
      const since = this.state.since === null ? '' : ` since ${new Date(this.state.since).toISOString()}`;
      const why = this.state.reason ? ` (${this.state.reason})` : '';
      throw new RouterError('spendingPaused', `All spending is paused${since}${why}: no request is sent to any provider. Resume with "LLM Router: Resume Spending" in the editor, or the spending/resume RPC.`, {
        since: this.state.since,
      });
    }
  }
}

function readState(file: string): SpendingState {
  if (!existsSync(file)) {
    return { paused: false, since: null, reason: null };
  }
  // A file we cannot read still means the user paused: stay paused rather than spend.
  try {
    const parsed = PauseFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (parsed.success) {
      return { paused: true, since: parsed.data.since, reason: parsed.data.reason };
    }
  } catch {
    // fall through
  }
  return { paused: true, since: null, reason: `${PAUSE_FILE} is unreadable; resume to clear it` };
}
