// Claude Code and Codex CLI, installed from the npm registry as dev dependencies, as real clients of
// the daemon (simulate mode): each runs headless and completes a turn that uses a tool (the
// simulator's `[sim-tool:NAME {args}]` directive asks for the call; the agent runs the tool and
// sends its result; the simulator then answers "the tool said …"). Everything they write goes to a
// temp HOME; telemetry, update checks and other non-essential traffic are off, and the only
// address they are given is the daemon's on 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startTestDaemon, rpcOk, type Harness } from './daemonHarness';
import type { ConversationSummary, SpendConversationsResult } from '../../daemon/protocol/conversations';

const require = createRequire(__filename);

let h: Harness;
let home: string;
before(async () => {
  h = await startTestDaemon();
  home = mkdtempSync(join(tmpdir(), 'llm-router-agents-'));
});
after(async () => {
  await h.close();
  rmSync(home, { recursive: true, force: true });
});

/** A fresh HOME with the XDG folders inside it, and nothing of the person's environment but PATH. */
function agentEnv(name: string, extra: Record<string, string>): { env: NodeJS.ProcessEnv; dir: string; work: string } {
  const dir = join(home, name);
  const work = join(dir, 'work');
  mkdirSync(work, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, '.config'),
    XDG_CACHE_HOME: join(dir, '.cache'),
    XDG_DATA_HOME: join(dir, '.local/share'),
    XDG_STATE_HOME: join(dir, '.local/state'),
    TMPDIR: tmpdir(),
    LANG: 'C.UTF-8',
    ...extra,
  };
  return { env, dir, work };
}

function run(cmd: string, args: string[], opts: { env: NodeJS.ProcessEnv; cwd: string }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Bounded: an agent that hangs fails the test instead of the suite.
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

interface Row {
  id: string;
  endpoint: string;
  model: string;
  provider: string;
  status: string;
  costState: string;
}

async function rowsSince(before: Set<string>): Promise<Row[]> {
  const page = await rpcOk<{ rows: Row[] }>(h, 'spend/requests', { limit: 50 });
  return page.rows.filter((r) => !before.has(r.id));
}

async function rowIds(): Promise<Set<string>> {
  const page = await rpcOk<{ rows: Row[] }>(h, 'spend/requests', { limit: 50 });
  return new Set(page.rows.map((r) => r.id));
}

function claudeBinary(): string {
  // The npm package's own `bin` is a placeholder its postinstall replaces; the native binary ships
  // in the platform's optional dependency.
  return join(dirname(require.resolve(`@anthropic-ai/claude-code-${process.platform}-${process.arch}/package.json`)), 'claude');
}

for (const model of ['claude-opus-5-5', 'auto']) {
  test(`claude -p completes a turn with a tool call through /v1/messages (model ${model})`, async () => {
    const { env, work } = agentEnv(`claude-${model}`, {
      ANTHROPIC_BASE_URL: h.url,
      ANTHROPIC_API_KEY: h.token,
      DISABLE_TELEMETRY: '1',
      DISABLE_ERROR_REPORTING: '1',
      DISABLE_AUTOUPDATER: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    });
    const note = join(work, 'note.txt');
    writeFileSync(note, 'the secret word is pelican\n');
    const before = await rowIds();
    const args = ['-p', `Read the note [sim-tool:Read ${JSON.stringify({ file_path: note })}]`, '--output-format', 'json', '--max-turns', '4', '--allowedTools', 'Read'];
    if (model === 'auto') {
      args.push('--model', 'auto');
    }
    const out = await run(claudeBinary(), args, { env, cwd: work });
    assert.equal(out.code, 0, `${out.stdout}\n${out.stderr}`);
    const result = JSON.parse(out.stdout) as { is_error: boolean; num_turns: number; result: string };
    assert.equal(result.is_error, false, out.stdout);
    assert.ok(result.num_turns >= 2, out.stdout);
    assert.match(result.result, /the tool said .*the secret word is pelican/s);
    const rows = (await rowsSince(before)).filter((r) => r.endpoint === 'messages');
    assert.ok(rows.length >= 2, JSON.stringify(rows));
    assert.ok(rows.every((r) => r.status === 'ok'), JSON.stringify(rows));
    if (model === 'claude-opus-5-5') {
      // Claude Code's default model is not in the catalog: called on Anthropic by name, priced by genai-prices.
      assert.ok(rows.every((r) => r.model === 'claude-opus-5-5' && r.provider === 'anthropic' && r.costState === 'known'), JSON.stringify(rows));
    }
    // Its session (metadata.user_id) makes the call and the answer one conversation.
    const conv = await conversationOf(rows);
    assert.equal(conv?.keySource, 'metadata.user_id');
    assert.ok((conv?.turns ?? 0) >= 2, JSON.stringify(conv));
  });
}

async function conversationOf(rows: Row[]): Promise<ConversationSummary | undefined> {
  const { conversations } = await rpcOk<SpendConversationsResult>(h, 'spend/conversations', { limit: 50 });
  return conversations.find((c) => rows.some((r) => r.id === c.lastRequestId));
}

for (const model of ['gpt-5.5-codex', 'auto']) {
  test(`codex exec completes a turn with a tool call through /v1/responses (model ${model})`, async () => {
    const { env, dir, work } = agentEnv(`codex-${model}`, { LLM_ROUTER_TOKEN: h.token, CODEX_HOME: join(home, `codex-${model}`, '.codex') });
    mkdirSync(join(dir, '.codex'), { recursive: true });
    // Codex's defaults, as a user leaves them: its sub-agent tools (a namespace), its client-run
    // tool_search and web_search are all offered; the daemon translates the first two and leaves
    // web_search out (it runs on OpenAI's servers), so the first request works unchanged.
    writeFileSync(
      join(dir, '.codex', 'config.toml'),
      [
        `model = "${model}"`,
        'model_provider = "llm-router"',
        'check_for_update_on_startup = false',
        '[analytics]',
        'enabled = false',
        '[feedback]',
        'enabled = false',
        '[model_providers.llm-router]',
        'name = "LLM Router"',
        `base_url = "${h.url}/v1"`,
        'env_key = "LLM_ROUTER_TOKEN"',
        'wire_api = "responses"',
        'request_max_retries = 0',
        'stream_max_retries = 0',
        '',
      ].join('\n'),
    );
    writeFileSync(join(work, 'note.txt'), 'the secret word is pelican\n');
    const before = await rowIds();
    const codex = join(dirname(require.resolve('@openai/codex/package.json')), 'bin', 'codex.js');
    const out = await run(process.execPath, [codex, 'exec', '--skip-git-repo-check', '--dangerously-bypass-approvals-and-sandbox', '--json', 'Show the note [sim-tool:exec_command {"cmd":"cat note.txt"}]'], { env, cwd: work });
    assert.equal(out.code, 0, `${out.stdout}\n${out.stderr}`);
    const events = out.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { type: string; item?: { type: string; exit_code?: number; aggregated_output?: string; text?: string } });
    const command = events.find((e) => e.type === 'item.completed' && e.item?.type === 'command_execution')?.item;
    assert.ok(command, out.stdout);
    assert.equal(command.exit_code, 0);
    assert.match(command.aggregated_output ?? '', /pelican/);
    const answer = events.find((e) => e.type === 'item.completed' && e.item?.type === 'agent_message')?.item;
    assert.match(answer?.text ?? '', /Simulated answer from [a-z0-9.-]+: the tool said .*pelican/s);
    assert.ok(events.some((e) => e.type === 'turn.completed'), out.stdout);
    const rows = (await rowsSince(before)).filter((r) => r.endpoint === 'responses');
    assert.equal(rows.length, 2, JSON.stringify(rows));
    assert.ok(rows.every((r) => r.status === 'ok'), JSON.stringify(rows));
    if (model === 'gpt-5.5-codex') {
      assert.match(answer?.text ?? '', /^Simulated answer from gpt-5\.5-codex/);
      assert.ok(rows.every((r) => r.model === 'gpt-5.5-codex' && r.provider === 'openai' && r.costState === 'known'), JSON.stringify(rows));
    }
    // Its prompt_cache_key (the thread) makes the call and the answer one conversation, on one model.
    const conv = await conversationOf(rows);
    assert.equal(conv?.keySource, 'prompt_cache_key');
    assert.equal(conv?.turns, 2);
    assert.equal(new Set(rows.map((r) => r.model)).size, 1);
  });
}
