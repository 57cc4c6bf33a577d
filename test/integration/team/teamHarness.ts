// Team-mode tests against a real PostgreSQL: the cluster `scripts/team-postgres.sh start` made
// (it sets LLM_ROUTER_TEST_PG_URL and LLM_ROUTER_TEST_PG_PASSWORD; .ci/run does this). Each test
// file gets its own database in that cluster, and each daemon its own home and process.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request, Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { withPassword } from '../../../daemon/team/connection';
import { DIST_DAEMON, childEnv, ensureBundle, killPids } from '../lifecycle/helpers';

export interface TestPg {
  url: string;
  password: string;
  /** The cluster's folder (for stopping it), when the script made it. */
  dir: string | null;
}

export function testPg(): TestPg | null {
  const url = process.env.LLM_ROUTER_TEST_PG_URL;
  const password = process.env.LLM_ROUTER_TEST_PG_PASSWORD ?? process.env.PGPASSWORD;
  if (!url || !password) {
    return null;
  }
  return { url, password, dir: process.env.LLM_ROUTER_TEST_PG_DIR ?? null };
}

export const SKIP_NO_PG =
  'no PostgreSQL for the team tests: run `eval "$(scripts/team-postgres.sh start)"` first (it sets LLM_ROUTER_TEST_PG_URL); .ci/run does';

function withDb(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/** A fresh database in the test cluster; `drop()` removes it. */
export async function freshDatabase(pg: TestPg): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `llmr_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: withPassword(pg.url, pg.password) });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: withDb(pg.url, name),
    async drop() {
      const c = new Client({ connectionString: withPassword(pg.url, pg.password) });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A direct client on a test database (to look at what the daemons wrote). */
export async function sql<T extends Record<string, unknown>>(url: string, password: string, text: string, params: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: withPassword(url, password) });
  await c.connect();
  try {
    return (await c.query<T>(text, params)).rows;
  } finally {
    await c.end();
  }
}

export interface TeamDaemon {
  home: string;
  child: ChildProcess;
  port: number;
  token: string;
  agent: Agent;
  exited: Promise<void>;
}

export interface TeamSetup {
  url: string;
  teamId?: string;
  memberId: string;
  offline?: 'refuse' | 'localBudgets';
  lease?: { maxSliceUsd?: number; shareOfRemaining?: number; ttlMs?: number };
  syncIntervalMs?: number;
}

/** Every daemon a test file started, stopped by pid after it. */
export const startedPids = new Set<number>();
const homes = new Set<string>();

export function newHome(): string {
  const h = mkdtempSync(join(tmpdir(), 'lr-team-'));
  homes.add(h);
  return h;
}

export async function cleanupDaemons(): Promise<void> {
  await killPids(startedPids);
  for (const h of homes) {
    rmSync(h, { recursive: true, force: true });
  }
}

export function writeTeamConfig(home: string, setup: TeamSetup, extra: Record<string, unknown> = {}): void {
  const team = {
    url: setup.url,
    teamId: setup.teamId ?? 'acme',
    memberId: setup.memberId,
    offline: setup.offline ?? 'refuse',
    lease: { maxSliceUsd: 0.01, shareOfRemaining: 0.2, ttlMs: 60_000, ...(setup.lease ?? {}) },
    syncIntervalMs: setup.syncIntervalMs ?? 200,
    connectTimeoutMs: 2000,
  };
  writeFileSync(join(home, 'config.json'), JSON.stringify({ team, ...extra }, null, 2));
}

/** Starts dist/daemon.js in simulate mode on `home` with the team password in its environment. */
export function startTeamDaemon(home: string, password: string | null): Promise<TeamDaemon> {
  ensureBundle();
  return new Promise((resolve, reject) => {
    const env = childEnv(home, password === null ? {} : { PGPASSWORD: password });
    if (password === null) {
      delete env.PGPASSWORD;
    }
    const child = spawn(process.execPath, [DIST_DAEMON, '--simulate', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid !== undefined) {
      startedPids.add(child.pid);
    }
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    let out = '';
    let err = '';
    const guard = setTimeout(() => reject(new Error(`daemon not ready in 30 s: ${out} ${err}`)), 30_000);
    child.stderr?.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.stdout?.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) {
          continue;
        }
        try {
          const ready = JSON.parse(line) as { event?: string; port?: number; token?: string };
          if (ready.event === 'ready' && typeof ready.port === 'number' && typeof ready.token === 'string') {
            clearTimeout(guard);
            resolve({ home, child, port: ready.port, token: ready.token, agent: new Agent({ keepAlive: true, maxSockets: 16 }), exited });
            return;
          }
        } catch {
          // A partial line; more is coming.
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(guard);
      reject(new Error(`daemon exited before ready (code ${code}): ${err}`));
    });
  });
}

export interface ChatAnswer {
  status: number;
  /** The ledger id, when the daemon sent one. */
  id: string | null;
  /** 200 and, for a stream, the closing [DONE]. */
  complete: boolean;
  body: string;
}

export function chat(d: TeamDaemon, stream: boolean, text = 'write a haiku about shared budgets'): Promise<ChatAnswer> {
  // auto:cost: the cheapest adequate model, so the tests' budgets buy dozens of calls whatever auto prefers.
  const body = JSON.stringify({ model: 'auto:cost', stream, max_tokens: 200, messages: [{ role: 'user', content: text }] });
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: d.port,
        path: '/v1/chat/completions',
        method: 'POST',
        agent: d.agent,
        headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/json' },
      },
      (res) => {
        const id = res.headers['x-llm-router-request-id'];
        let text2 = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text2 += c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          resolve({ status, id: typeof id === 'string' ? id : null, complete: status === 200 && (!stream || text2.includes('data: [DONE]')), body: text2 });
        });
        res.on('error', () => resolve({ status: 0, id: null, complete: false, body: '' }));
      },
    );
    req.on('error', () => resolve({ status: 0, id: null, complete: false, body: '' }));
    req.end(body);
  });
}

export async function rpc<T>(d: TeamDaemon, method: string, params: unknown): Promise<{ result?: T; error?: { message: string; data?: { code: string } } }> {
  const res = await fetch(`http://127.0.0.1:${d.port}/rpc`, {
    method: 'POST',
    headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return (await res.json()) as { result?: T; error?: { message: string; data?: { code: string } } };
}

export async function rpcOk<T>(d: TeamDaemon, method: string, params: unknown): Promise<T> {
  const r = await rpc<T>(d, method, params);
  if (r.error) {
    throw new Error(`${method}: ${JSON.stringify(r.error)}`);
  }
  return r.result as T;
}

export async function until(cond: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function stopDaemon(d: TeamDaemon): Promise<void> {
  d.agent.destroy();
  d.child.kill('SIGTERM');
  await d.exited;
  if (d.child.pid !== undefined) {
    startedPids.delete(d.child.pid);
  }
}
