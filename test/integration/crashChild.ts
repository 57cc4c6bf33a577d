// What the crash harnesses (crash.test.ts, coldCrash.test.ts) share: a child program bundled once
// beside sql.js's wasm, run until a kill trigger fires and then SIGKILLed, collecting the writes it
// acknowledged (`ack <id>` lines on stdout) before it died.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

export interface KillTrigger {
  /** SIGKILL this long after the child acknowledged this many writes. */
  afterAcks?: { acks: number; jitterMs: number };
  /** SIGKILL this long after start, whatever was acknowledged. */
  afterMs?: number;
}

export interface KilledRun {
  acked: string[];
  /** Which trigger fired, for the failure message. */
  killedAt: string;
  stderr: string;
}

export class CrashChild {
  private readonly running = new Set<ChildProcess>();

  private constructor(
    readonly work: string,
    private readonly js: string,
  ) {}

  /** Bundles `entry` (a .ts beside the test) into a temp folder with the wasm it needs. */
  static async build(entry: string, prefix: string): Promise<CrashChild> {
    const work = mkdtempSync(join(tmpdir(), prefix));
    const js = join(work, 'child.js');
    await esbuild.build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: js, logLevel: 'warning' });
    copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), join(work, 'sql-wasm.wasm'));
    return new CrashChild(work, js);
  }

  /** Runs the child with `args` until a trigger fires (or a 15 s guard), then SIGKILLs it. */
  run(args: readonly string[], trigger: KillTrigger): Promise<KilledRun> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [this.js, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      this.running.add(child);
      const acked: string[] = [];
      let pending = '';
      let stderr = '';
      let killedAt = '';
      const kill = (why: string): void => {
        if (killedAt === '' && child.pid !== undefined) {
          killedAt = `${why} after ${acked.length} acks`;
          child.kill('SIGKILL');
        }
      };
      const guard = setTimeout(() => kill('guard timeout'), 15_000);
      if (trigger.afterMs !== undefined) {
        const ms = trigger.afterMs;
        setTimeout(() => kill(`${ms} ms`), ms);
      }
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          if (line.startsWith('ack ')) {
            acked.push(line.slice(4));
          }
        }
        const t = trigger.afterAcks;
        if (t !== undefined && acked.length >= t.acks) {
          setTimeout(() => kill(`${t.acks} acks + ${t.jitterMs} ms`), t.jitterMs);
        }
      });
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (c: string) => (stderr += c));
      child.on('exit', (code, signal) => {
        clearTimeout(guard);
        this.running.delete(child);
        if (signal !== 'SIGKILL') {
          reject(new Error(`child exited by itself (code ${code}): ${stderr}`));
          return;
        }
        resolve({ acked, killedAt, stderr });
      });
    });
  }

  /** Kills what still runs (a failed test) and removes the temp folder. */
  dispose(): void {
    for (const c of this.running) {
      if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) {
        process.kill(c.pid, 'SIGKILL');
      }
    }
    rmSync(this.work, { recursive: true, force: true });
  }
}
