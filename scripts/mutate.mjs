// A small mutation pass: does each budget, ledger, durability and security test fail when the code
// it guards is broken? Every mutant below is one hand-written change to the product (a check
// dropped, a bound loosened, a mode widened). Each is applied to a temporary copy of the repository
// (the working tree is never modified), the tests that guard that code run against it, and the
// mutant is "killed" when they fail and "survived" when they still pass.
//
//   npm run test:mutate                 all mutants (several minutes; not part of npm test)
//   npm run test:mutate -- --only B1,S4 some of them
//   npm run test:mutate -- --list       what they are
//   npm run test:mutate -- --check      whether each still applies to the code
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const BUDGETS = ['test/unit/ledger/reservations.test.ts', 'test/integration/budget.test.ts'];
const LEDGER = ['test/unit/ledger/pricing.test.ts', 'test/unit/ledger/rollups.test.ts', 'test/unit/ledger/requests.test.ts', 'test/unit/ledger/reports.test.ts'];
const DURABILITY = ['test/unit/store/durability.test.ts', 'test/unit/store/storeFiles.test.ts', 'test/unit/store/database.test.ts', 'test/unit/store/journalRecord.test.ts', 'test/unit/store/deferredWrite.test.ts', 'test/integration/crash.test.ts'];
const TOKENIZER = ['test/unit/routing/bpe.test.ts', 'test/unit/routing/tokenizer.test.ts'];
const SECURITY = [
  'test/unit/transport/security.test.ts',
  'test/integration/security.test.ts',
  'test/integration/fileModes.test.ts',
  'test/integration/discoveryChallenge.test.ts',
  'test/unit/lifecycle/discovery.test.ts',
  'test/unit/extension/publicApi.test.ts',
  'test/unit/extension/webviewBridge.test.ts',
  'test/unit/transport/lsp.test.ts',
  'test/unit/keys/keychain.test.ts',
];

/** id, what it breaks, the file, the exact text replaced (must occur once), its replacement, the tests that guard it. */
const MUTANTS = [
  // Budgets
  ['B1', 'admission ignores the holds of calls in flight', 'daemon/ledger/reservations.ts', 'usage.spent_usd + usage.reserved_usd + amount > b.limitUsd + 1e-12', 'usage.spent_usd + amount > b.limitUsd + 1e-12', BUDGETS],
  ['B2', 'admission allows 10% over the limit', 'daemon/ledger/reservations.ts', 'usage.spent_usd + usage.reserved_usd + amount > b.limitUsd + 1e-12', 'usage.spent_usd + usage.reserved_usd + amount > b.limitUsd * 1.1', BUDGETS],
  ['B3', 'admission refuses at exactly the limit (> becomes >=)', 'daemon/ledger/reservations.ts', 'usage.spent_usd + usage.reserved_usd + amount > b.limitUsd + 1e-12', 'usage.spent_usd + usage.reserved_usd + amount >= b.limitUsd', BUDGETS],
  ['B4', 'an unknown price passes a dollar budget', 'daemon/ledger/reservations.ts', 'if (input.estimateUsd === null && !(b.confirmOverBudget', 'if (false && input.estimateUsd === null && !(b.confirmOverBudget', BUDGETS],
  ['B5', 'a per-request budget is not checked', 'daemon/ledger/reservations.ts', 'if (amount > b.limitUsd && !(b.confirmOverBudget', 'if (false && amount > b.limitUsd && !(b.confirmOverBudget', BUDGETS],
  ['B6', 'settling does not release the hold', 'daemon/ledger/reservations.ts', `    if (reservation) {
      this.releaseInTx(tx, reservation);
    }`, '', BUDGETS],
  ['B7', 'settling charges nothing', 'daemon/ledger/reservations.ts', '[b.id, start, known ? (done.costUsd as number) : 0, done.requests ?? 1, known ? 0 : 1]', '[b.id, start, 0, done.requests ?? 1, known ? 0 : 1]', BUDGETS],
  ['B8', 'a double release subtracts twice', 'daemon/ledger/reservations.ts', "if (tx.run('DELETE FROM reservations WHERE id = ?', [reservation.id]).changes === 0) {", "if (tx.run('DELETE FROM reservations WHERE id = ?', [reservation.id]).changes < 0) {", BUDGETS],
  ['B9', 'start-up reconciliation releases a recorded request\'s hold without charging it', 'daemon/ledger/reservations.ts', `          charged += 1;
          this.settleInTx(tx, reservation, {`, `          charged += 1;
          this.releaseInTx(tx, reservation);
          void ({`, BUDGETS],
  // Ledger
  ['L1', 'output tokens priced at the input price', 'daemon/ledger/pricing.ts', 'usage.cacheWriteTokens * p.cacheWritePerMTok + usage.outputTokens * p.outputPerMTok) / 1e6', 'usage.cacheWriteTokens * p.cacheWritePerMTok + usage.outputTokens * p.inputPerMTok) / 1e6', LEDGER],
  ['L2', 'cached input tokens are also charged as uncached', 'daemon/ledger/pricing.ts', 'const uncached = Math.max(0, usage.inputTokens - usage.cachedInputTokens - usage.cacheWriteTokens);\n    return (', 'const uncached = Math.max(0, usage.inputTokens - usage.cacheWriteTokens);\n    return (', LEDGER],
  ['L3', 'rollups count unknown-price requests as $0 known spend', 'daemon/ledger/rollups.ts', "const known = row.costState === 'known' && row.costUsd !== null;", 'const known = true;', LEDGER],
  ['L4', 'rollups put every request in the hour before', 'daemon/ledger/rollups.ts', '    Math.floor(row.ts / HOUR),', '    Math.floor(row.ts / HOUR) - 1,', LEDGER],
  // Durability
  ['D1', 'a write is acknowledged before its journal record is on disk', 'daemon/store/database.ts', '    return durable.then(() => value);', '    durable.catch(() => undefined);\n    return Promise.resolve(value);', DURABILITY],
  ['D2', 'a record failing its checksum is replayed', 'daemon/store/journalRecord.ts', 'if (crc32(payload) !== checksum) {', 'if (false && crc32(payload) !== checksum) {', DURABILITY],
  ['D3', 'a torn tail is not cut', 'daemon/store/recovery.ts', '      files.truncate(path, decoded.validLength);', '', DURABILITY],
  ['D4', 'no fdatasync after an append', 'daemon/store/storeFiles.ts', `          offset += bytesWritten;
        }
        await handle.datasync();`, `          offset += bytesWritten;
        }`, DURABILITY],
  ['D5', 'a snapshot is written in place instead of temp file + rename', 'daemon/store/journal.ts', `      await this.files.writeDurably(tmp, image);
      this.files.rename(tmp, this.layout.snapshotPath(gen));`, '      await this.files.writeDurably(this.layout.snapshotPath(gen), image);', DURABILITY],
  ['D6', 'a failed append is not undone', 'daemon/store/journal.ts', '          await this.undoPartialWrite(file);\n', '', DURABILITY],
  // Security
  ['S1', 'any token of the right length is accepted', 'daemon/transport/security.ts', 'return timingSafeEqual(a, b) && given.length === expected.length;', 'return (timingSafeEqual(a, b) || a.length === b.length) && given.length === expected.length;', SECURITY],
  ['S2', 'requests with an Origin (web pages) are served', 'daemon/transport/security.ts', 'if (headers.origin !== undefined) {', 'if (false) {', SECURITY],
  ['S3', 'a non-loopback Host (DNS rebinding) is served', 'daemon/transport/security.ts', 'if (!isLoopbackHost(headers.host)) {', 'if (false) {', SECURITY],
  ['S4', 'a health answer without a valid proof is trusted', 'daemon/lifecycle/discovery.ts', '&& verifyTokenProof(info.token, challenge, info.port, p.health.proof)', '', SECURITY],
  ['S5', 'the socket is created without the private umask', 'daemon/transport/socketServer.ts', 'const previous = isPipe(path) ? null : process.umask(SOCKET_UMASK);', 'const previous = null as number | null;', SECURITY],
  ['S6', 'journal and snapshot files get the default mode', 'daemon/store/storeFiles.ts', 'const FILE_MODE = 0o600;', 'const FILE_MODE = 0o644;', SECURITY],
  ['S7', "an existing home folder is chmod'ed", 'daemon/server.ts', '  if (created !== undefined) {\n    // mkdir', '  if (true) {\n    // mkdir', SECURITY],
  ['S8', 'the extension API forwards every method', 'extension/publicApi.ts', "if (typeof method !== 'string' || !isBridgedMethod(method)) {", "if (typeof method !== 'string') {", SECURITY],
  ['S9', 'the webview bridge takes prototype names for methods', 'extension/webviewBridge.ts', '!Object.hasOwn(this.deps.local, method)', '!(method in this.deps.local)', SECURITY],
  ['S10', 'an LSP hello with a wrong token is accepted', 'daemon/transport/lsp.ts', 'if (token === undefined || !tokenMatches(token, deps.token)) {', 'if (token === undefined) {', SECURITY],
  ['S11', 'LLM_ROUTER_KEYCHAIN_SERVICE is ignored', 'daemon/keys/keychain.ts', 'return override !== undefined && override !== \'\' ? override : KEYCHAIN_SERVICE;', 'return KEYCHAIN_SERVICE;', SECURITY],
  ['S12', 'the body limit is not enforced while reading', 'daemon/transport/httpIo.ts', '    if (size > limit) {', '    if (false) {', SECURITY],
  ['S13', 'LSP requests before client/hello are served', 'daemon/transport/lsp.ts', `      if (session === null) {
        throw new RouterError('unauthorized', \`"\${method}" before client/hello`, `      if (false) {
        throw new RouterError('unauthorized', \`"\${method}" before client/hello`, SECURITY],
  ['S14', 'the discovery file (with the token) is created 0644', 'daemon/lifecycle/discovery.ts', 'const fd = openSync(temp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);', 'const fd = openSync(temp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o644);', SECURITY],
  ['S15', 'the log no longer masks secrets', 'daemon/lifecycle/log.ts', '${maskSecrets(message, secrets()).replace(', '${message.replace(', [...SECURITY, 'test/unit/lifecycle/log.test.ts']],
  // Tokenizer: counts equal gpt-tokenizer's
  ['T1', "gpt-tokenizer's byte-order-mark lookup is not followed", 'daemon/routing/bpe.ts', 'if (bomAt(buf, start, end) && validUtf8(buf, start, end)) {', 'if (false && bomAt(buf, start, end)) {', TOKENIZER],
  ['T2', 'the merge takes the rightmost of equal ranks', 'daemon/routing/bpe.ts', '        if (r < best) {', '        if (r < best || (r === best && r !== NONE)) {', TOKENIZER],
  ['T3', 'the ASCII scan ends a word at a non-ASCII letter', 'daemon/routing/bpe.ts', `      if (d >= 0x80) {
        return -1;
      }
      const kind = ASCII[d] as number;`, `      if (d >= 0x80) {
        break;
      }
      const kind = ASCII[d] as number;`, TOKENIZER],
  ['T4', 'the heap merge forgets the re-ranked part before a merge', 'daemon/routing/bpe.ts', '        push((rank[before] as number) * stride + before);', '', TOKENIZER],
  // Cancellation
  ['C1', 'a client disconnect does not abort the upstream call', 'daemon/providers/http.ts', 'const onAbort = (): void => ctl.abort();', 'const onAbort = (): void => undefined;', ['test/integration/http-disconnect.test.ts']],
];

const args = process.argv.slice(2);
if (args.includes('--list')) {
  for (const [id, what, file] of MUTANTS) {
    console.log(`${id.padEnd(4)} ${file.padEnd(36)} ${what}`);
  }
  process.exit(0);
}
if (args.includes('--check')) {
  // Each mutant's text still occurs exactly once in the working tree (the code moves on).
  let stale = 0;
  for (const [id, , file, from] of MUTANTS) {
    const count = readFileSync(file, 'utf8').split(from).length - 1;
    if (count !== 1) {
      stale++;
      console.log(`${id}: occurs ${count} times in ${file}`);
    }
  }
  console.log(`${MUTANTS.length - stale} of ${MUTANTS.length} mutants apply`);
  process.exit(stale > 0 ? 1 : 0);
}
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? new Set((args[onlyAt + 1] ?? '').split(',')) : null;
const selected = MUTANTS.filter(([id]) => only === null || only.has(id));
if (selected.length === 0) {
  console.error('no mutant selected (see --list)');
  process.exit(2);
}

const repo = resolve('.');
const copy = mkdtempSync(join(tmpdir(), 'lr-mutate-'));
const cleanup = () => rmSync(copy, { recursive: true, force: true });
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(130));
}

// The working tree as it is (tracked and new files), with node_modules linked, not copied.
const listed = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: repo, encoding: 'utf8' });
for (const file of listed.stdout.split('\0').filter(Boolean)) {
  mkdirSync(dirname(join(copy, file)), { recursive: true });
  try {
    cpSync(join(repo, file), join(copy, file));
  } catch {
    // Deleted in the working tree but still in the index.
  }
}
symlinkSync(join(repo, 'node_modules'), join(copy, 'node_modules'), 'dir');

const env = { ...process.env };
delete env.NODE_TEST_CONTEXT;
delete env.NODE_OPTIONS;
function runTests(files) {
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { cwd: copy, env, encoding: 'utf8', timeout: 900_000, maxBuffer: 256 * 1024 * 1024 });
  const failed = /^# fail (\d+)$/m.exec(r.stdout ?? '')?.[1] ?? '?';
  return { ok: r.status === 0, failed, seconds: (Date.now() - started) / 1000, out: r.stdout ?? '' };
}

// Integration tests that spawn the bundle need it built in the copy.
spawnSync(process.execPath, ['esbuild.mjs'], { cwd: copy, stdio: 'ignore' });

// The guards must pass on the unmutated code, or no result below means anything.
const sets = [...new Set(selected.map((m) => m[5].join(' ')))].map((s) => s.split(' '));
for (const files of sets) {
  const base = runTests(files);
  if (!base.ok) {
    console.error(`baseline failed (${base.failed} failing) for ${files.join(' ')}:\n${base.out.slice(-4000)}`);
    process.exit(1);
  }
  console.log(`baseline passes: ${files.length} test files (${base.seconds.toFixed(0)} s)`);
}

const results = [];
for (const [id, what, file, from, to, tests] of selected) {
  const path = join(copy, file);
  const original = readFileSync(path, 'utf8');
  const count = original.split(from).length - 1;
  if (count !== 1) {
    console.log(`STALE    ${id.padEnd(4)} ${what}: the text to mutate occurs ${count} times in ${file}`);
    results.push({ id, what, file, outcome: 'stale' });
    continue;
  }
  writeFileSync(path, original.replace(from, to));
  let r;
  try {
    r = runTests(tests);
  } finally {
    writeFileSync(path, original);
  }
  const outcome = r.ok ? 'survived' : 'killed';
  console.log(`${outcome.toUpperCase().padEnd(8)} ${id.padEnd(4)} ${what} (${file}; ${r.ok ? 'all tests passed' : `${r.failed} test(s) failed`}, ${r.seconds.toFixed(0)} s)`);
  results.push({ id, what, file, outcome });
}

const killed = results.filter((r) => r.outcome === 'killed').length;
const survived = results.filter((r) => r.outcome === 'survived');
const stale = results.filter((r) => r.outcome === 'stale').length;
console.log(`\n${killed} of ${results.length - stale} mutants killed, ${survived.length} survived${stale > 0 ? `, ${stale} stale (update the script)` : ''}`);
for (const s of survived) {
  console.log(`  survived: ${s.id} ${s.what} (${s.file})`);
}
process.exit(stale > 0 ? 1 : 0);
