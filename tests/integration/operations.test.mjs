// The operator's commands against the real binary (issue 20): the copy kept before an in-place migration,
// `parley migrate --dry-run`, `parley restore FILE` (good backup, corrupt file, non-SQLite file, newer
// schema, a server running on the home, a crashed server's lock) and `parley doctor` on a good and a broken
// home.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync, existsSync, readdirSync, chmodSync, openSync, writeSync, closeSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startParley, repoRoot, parleyBin } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';
import { startOAuthMcp } from '../fakes/mcp_oauth.mjs';
import { runParley } from './mcp_helpers.mjs';

const fixture = readFileSync(join(repoRoot, 'tests', 'fixtures', 'legacy_chat_sessions.sql'), 'utf8');
const homes = [];

function newHome() {
  const home = mkdtempSync(join(tmpdir(), 'parley-ops-'));
  mkdirSync(join(home, 'data'), { mode: 0o700 });
  homes.push(home);
  return home;
}
function legacyHome() {
  const home = newHome();
  execFileSync('sqlite3', [join(home, 'data', 'chat_sessions.db')], { input: fixture });
  return home;
}
const dbOf = (home) => join(home, 'data', 'chat_sessions.db');
const sql = (db, query) => execFileSync('sqlite3', [db, query], { encoding: 'utf8' }).trim();
const sha = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');
// Runs parley to completion: { code, stdout, stderr }.
function parley(home, args, env = {}) {
  const r = spawnSync(parleyBin, args, {
    env: { PATH: process.env.PATH, HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', PARLEY_HOME: home, ...env },
    cwd: home, encoding: 'utf8', timeout: 60000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

after(() => {
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

test('migrate --dry-run names each pending migration and changes nothing', () => {
  const home = legacyHome();
  const before = sha(dbOf(home));
  const r = parley(home, ['migrate', '--dry-run']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /schema version 0; this parley's is 7/);
  assert.match(r.stdout, /7 migration\(s\) would run/);
  assert.match(r.stdout, /^ {2}1 {2}conversations, messages/m);
  assert.match(r.stdout, /^ {2}5 {2}api_keys/m);
  assert.match(r.stdout, /^ {2}6 {2}messages_fts rebuilt with prefix indexes/m);
  assert.match(r.stdout, /A copy would be kept first as .*chat_sessions\.db\.v0\.bak/);
  assert.equal(sha(dbOf(home)), before, 'the dry run must not touch the file');
  assert.deepEqual(readdirSync(join(home, 'data')).sort(), ['chat_sessions.db']);

  assert.equal(parley(home, ['migrate']).code, 0);
  const again = parley(home, ['migrate', '--dry-run']);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /schema version 7; this parley's is 7/);
  assert.match(again.stdout, /No migration would run/);

  // A home without a database yet.
  const empty = parley(newHome(), ['migrate', '--dry-run']);
  assert.equal(empty.code, 0, empty.stderr);
  assert.match(empty.stdout, /no database yet/);
});

test('an in-place migration keeps a copy named with the old schema version, unless told not to', () => {
  const home = legacyHome();
  const r = parley(home, ['migrate']);
  assert.equal(r.code, 0, r.stderr);
  const copy = `${dbOf(home)}.v0.bak`;
  assert.match(r.stdout, /Kept a copy of the database before migrating it: .*\.v0\.bak/);
  assert.ok(existsSync(copy));
  assert.equal(statSync(copy).mode & 0o777, 0o600);
  // The copy is the database as it was: the earlier server's schema with its rows.
  assert.equal(sql(copy, "SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'"), '0');
  assert.equal(sql(copy, 'SELECT count(*) FROM messages'), '7');
  assert.equal(sql(copy, 'PRAGMA integrity_check'), 'ok');

  // A database at version 3: the copy is named v3; nothing is copied when nothing is pending.
  sql(dbOf(home), 'DELETE FROM schema_migrations WHERE version > 3');
  assert.equal(parley(home, ['migrate']).code, 0);
  assert.ok(existsSync(`${dbOf(home)}.v3.bak`));
  assert.equal(sql(`${dbOf(home)}.v3.bak`, 'SELECT max(version) FROM schema_migrations'), '3');
  const files = readdirSync(join(home, 'data')).sort();
  assert.equal(parley(home, ['migrate']).code, 0);
  assert.deepEqual(readdirSync(join(home, 'data')).sort(), files);

  // PARLEY_DB_BACKUP_BEFORE_MIGRATE=0, from the environment or .env.
  const off = legacyHome();
  assert.equal(parley(off, ['migrate'], { PARLEY_DB_BACKUP_BEFORE_MIGRATE: '0' }).code, 0);
  assert.ok(!existsSync(`${dbOf(off)}.v0.bak`));
  const offByFile = legacyHome();
  writeFileSync(join(offByFile, '.env'), 'PARLEY_DB_BACKUP_BEFORE_MIGRATE=0\n', { mode: 0o600 });
  assert.equal(parley(offByFile, ['migrate']).code, 0);
  assert.ok(!existsSync(`${dbOf(offByFile)}.v0.bak`));
  // A fresh database has nothing to keep.
  const fresh = newHome();
  assert.equal(parley(fresh, ['migrate']).code, 0);
  assert.deepEqual(readdirSync(join(fresh, 'data')).filter((f) => f.endsWith('.bak')), []);
});

test('serve keeps the copy too and says so', async () => {
  const home = legacyHome();
  const p = await startParley({ home });
  try {
    await p.waitForOutput(/Kept a copy of the database before migrating it: .*\.v0\.bak/);
    assert.ok(existsSync(`${dbOf(home)}.v0.bak`));
  } finally {
    await p.stop();
  }
});

// A home with a migrated database and a backup of it; then the live database is changed.
function homeWithBackup() {
  const home = legacyHome();
  assert.equal(parley(home, ['migrate']).code, 0);
  const backup = join(home, 'backup.db');
  const r = parley(home, ['backup', backup]);
  assert.equal(r.code, 0, r.stderr);
  sql(dbOf(home), "DELETE FROM conversations; INSERT INTO conversations (session_id, title) VALUES ('session_after', 'after')");
  return { home, backup };
}

test('restore swaps in a good backup and keeps the current database aside', () => {
  const { home, backup } = homeWithBackup();
  const r = parley(home, ['restore', backup]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Restored .*backup\.db into .*chat_sessions\.db \(schema version 7/);
  assert.equal(sql(dbOf(home), 'SELECT count(*) FROM messages'), '7');
  assert.equal(sql(dbOf(home), "SELECT count(*) FROM conversations WHERE session_id = 'session_after'"), '0');
  assert.equal(statSync(dbOf(home)).mode & 0o777, 0o600);
  const aside = readdirSync(join(home, 'data')).filter((f) => f.startsWith('chat_sessions.db.before-restore-'));
  assert.equal(aside.length, 1, readdirSync(join(home, 'data')).join(' '));
  assert.match(r.stdout, new RegExp(`kept as .*${aside[0]}`));
  assert.equal(sql(join(home, 'data', aside[0]), 'SELECT title FROM conversations'), 'after');
  assert.ok(!existsSync(`${dbOf(home)}.restoring`));
  // The restored home serves.
  assert.equal(parley(home, ['migrate']).code, 0);
});

test('restore replaces a database SQLite cannot read, keeping it aside as it was', () => {
  const { home, backup } = homeWithBackup();
  const garbage = 'not a database any more '.repeat(400);
  writeFileSync(dbOf(home), garbage);
  const r = parley(home, ['restore', backup]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /kept as .*before-restore-.* as it was \(SQLite could not read it/);
  assert.equal(sql(dbOf(home), 'SELECT count(*) FROM messages'), '7');
  const aside = readdirSync(join(home, 'data')).find((f) => f.startsWith('chat_sessions.db.before-restore-'));
  assert.equal(readFileSync(join(home, 'data', aside), 'utf8'), garbage);
});

test('restore refuses a corrupt file, a non-SQLite file, a newer schema and an empty file', () => {
  const { home, backup } = homeWithBackup();
  const live = sha(dbOf(home));
  const refused = (file, pattern) => {
    const r = parley(home, ['restore', file]);
    assert.equal(r.code, 1, `${file}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /refused/);
    assert.match(r.stderr, pattern);
    assert.equal(sha(dbOf(home)), live, 'the live database is untouched');
    assert.ok(!existsSync(`${dbOf(home)}.restoring`));
    assert.deepEqual(readdirSync(join(home, 'data')).filter((f) => f.includes('before-restore')), []);
  };
  // Corrupt: a page in the middle overwritten (the header stays valid).
  const corrupt = join(home, 'corrupt.db');
  writeFileSync(corrupt, readFileSync(backup));
  const pageSize = Number(sql(backup, 'PRAGMA page_size'));
  const pages = statSync(corrupt).size / pageSize;
  assert.ok(pages >= 4);
  const fd = openSync(corrupt, 'r+');
  for (let page = 1; page < pages; page += 1) writeSync(fd, Buffer.alloc(pageSize, 0x5a), 0, pageSize, page * pageSize);
  closeSync(fd);
  refused(corrupt, /integrity check|SQLite cannot read it/);
  // Not SQLite at all.
  const text = join(home, 'notes.txt');
  writeFileSync(text, 'these are not the rows you are looking for\n'.repeat(100));
  refused(text, /not a SQLite database/);
  const empty = join(home, 'empty.db');
  writeFileSync(empty, '');
  refused(empty, /is empty/);
  // Written by a newer parley.
  const newer = join(home, 'newer.db');
  writeFileSync(newer, readFileSync(backup));
  sql(newer, "INSERT INTO schema_migrations (version, applied_at) VALUES (99, '2030-01-01T00:00:00Z')");
  refused(newer, /schema version 99 is newer than this parley's \(7\)/);
  refused(join(home, 'missing.db'), /is not a file/);
});

test('restore refuses while a server holds the home, and not after the server crashed', async () => {
  const { home, backup } = homeWithBackup();
  const p = await startParley({ home });
  let crashed = false;
  try {
    const r = parley(home, ['restore', backup]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`refused: a parley server is running on .* \\(pid ${p.proc.pid} holds data/\\.parley\\.lock\\)`));
    assert.equal(sql(dbOf(home), "SELECT count(*) FROM conversations WHERE session_id = 'session_after'"), '1');
    // A crash leaves the lock file but no holder: the next restore goes ahead.
    await p.stop('SIGKILL');
    crashed = true;
    assert.ok(existsSync(join(home, 'data', '.parley.lock')));
    const after = parley(home, ['restore', backup]);
    assert.equal(after.code, 0, after.stderr);
    assert.equal(sql(dbOf(home), 'SELECT count(*) FROM messages'), '7');
  } finally {
    if (!crashed) await p.stop();
  }
});

// ---- parley doctor

let upstream;
before(async () => { upstream = await startFakeUpstream(); });
after(async () => { await upstream?.stop(); });

const SECRET = 'sk-or-v1-doctor-secret-0123456789abcdef';

function goodHome() {
  const home = newHome();
  writeFileSync(join(home, '.env'), `OPENROUTER_API_KEY=${SECRET}\nOPENROUTER_BASE_URL=${upstream.baseUrl}\n`, { mode: 0o600 });
  writeFileSync(join(home, 'data', 'mcp_servers.json'), JSON.stringify({
    servers: [
      { id: 'calc', module: 'calculator' },
      { id: 'off', command: ['/nonexistent/never-started'], enabled: false },
    ],
  }), { mode: 0o600 });
  assert.equal(parley(home, ['migrate']).code, 0);
  return home;
}

test('doctor on a good home: every check passes, exit 0, no secret printed', async () => {
  const home = goodHome();
  const r = parley(home, ['doctor']);
  const out = r.stdout + r.stderr;
  assert.equal(r.code, 0, out);
  assert.match(out, /\[ok\] {3}configuration/);
  assert.match(out, /OPENROUTER_API_KEY: \*\*\*\*\*\*/);
  assert.match(out, /\[ok\] {3}upstream .*: reachable with the key \(\d+ models\)/);
  assert.match(out, /\[ok\] {3}database: SQLite database .*schema version 7, up to date/);
  assert.match(out, /\[ok\] {3}storage \(local\): put, get and delete/);
  assert.match(out, /\[ok\] {3}MCP server calc: started, [1-9]\d* tool\(s\)/);
  assert.match(out, /\[ok\] {3}MCP server off: disabled/);
  assert.match(out, /\[ok\] {3}file permissions/);
  assert.match(out, /\[ok\] {3}clock/);
  assert.match(out, / 0 failed/);
  assert.ok(!out.includes(SECRET), 'the key is never printed');
  const models = (await upstream.requests()).filter((q) => q.path === '/models');
  assert.equal(models.at(-1).headers.authorization, `Bearer ${SECRET}`);
  // The round trip left nothing behind.
  assert.deepEqual(existsSync(join(home, 'data', 'blobs')) ? readdirSync(join(home, 'data', 'blobs')).filter((f) => f.startsWith('parley-doctor')) : [], []);
});

test('doctor on a broken home names each broken thing and exits non-zero', async () => {
  const home = goodHome();
  writeFileSync(join(home, 'data', 'mcp_servers.json'), JSON.stringify({
    servers: [{ id: 'ghost', command: ['/nonexistent/mcp-server-binary'] }],
  }), { mode: 0o600 });
  chmodSync(join(home, '.env'), 0o644);  // world-readable secrets
  // An unreadable database (root reads any file, so it is garbage for SQLite instead when run as root).
  if (process.getuid?.() === 0) writeFileSync(dbOf(home), 'garbage, not a database'.repeat(200));
  else chmodSync(dbOf(home), 0o000);
  // The fake answers the key with 401 (echoing it back, as some providers do).
  await upstream.script([{ models_status: 401, echo_authorization: true }]);
  const r = parley(home, ['doctor']);
  const out = r.stdout + r.stderr;
  assert.equal(r.code, 1, out);
  assert.match(out, /\[FAIL\] upstream .*: the API key was rejected \(HTTP 401/);
  assert.match(out, /\[FAIL\] database: .*chat_sessions\.db/);
  assert.match(out, /\[FAIL\] MCP server ghost: did not start/);
  assert.match(out, /\[FAIL\] file permissions: .*\.env is 0644 \(want 0600\)/);
  assert.match(out, / [4-9] failed/);
  assert.ok(!out.includes(SECRET), 'the key is never printed');
});

test('doctor warns about pending migrations without failing, and changes nothing', () => {
  const home = legacyHome();
  writeFileSync(join(home, '.env'), `OPENROUTER_API_KEY=${SECRET}\nOPENROUTER_BASE_URL=${upstream.baseUrl}\n`, { mode: 0o600 });
  writeFileSync(join(home, 'data', 'mcp_servers.json'), JSON.stringify({ servers: [] }), { mode: 0o600 });
  chmodSync(dbOf(home), 0o600);  // the sqlite3 command made it 0644 (doctor fails that; serve fixes it)
  const before = sha(dbOf(home));
  const r = parley(home, ['doctor']);
  const out = r.stdout + r.stderr;
  assert.equal(r.code, 0, out);
  assert.match(out, /\[WARN\] database: .*schema version 0, 7 migration\(s\) pending/);
  assert.match(out, / 0 failed, 1 warning/);
  assert.equal(sha(dbOf(home)), before, 'doctor does not migrate');
});

test('doctor without a key, with a malformed MCP definitions file and an upstream that is down', () => {
  const home = newHome();
  writeFileSync(join(home, 'data', 'mcp_servers.json'), '{"servers": [', { mode: 0o600 });
  const noKey = parley(home, ['doctor']);
  assert.equal(noKey.code, 1);
  assert.match(noKey.stdout, /\[FAIL\] upstream: OPENROUTER_API_KEY is not set/);
  assert.match(noKey.stdout, /\[FAIL\] MCP servers: .*mcp_servers\.json is invalid/);
  assert.match(noKey.stdout, /\[WARN\] database: .* does not exist yet/);
  const down = parley(home, ['doctor'], { OPENROUTER_API_KEY: SECRET, OPENROUTER_BASE_URL: 'http://127.0.0.1:9/api/v1' });
  assert.equal(down.code, 1);
  assert.match(down.stdout, /\[FAIL\] upstream http:\/\/127\.0\.0\.1:9\/api\/v1: unreachable/);
  assert.ok(!(down.stdout + down.stderr).includes(SECRET));
});

test('doctor starts a remote MCP server with its stored OAuth token, and names one that needs a person', async () => {
  const fake = await startOAuthMcp({ autoApprove: true });  // in this process: parley runs asynchronously
  try {
    const home = goodHome();
    const env = { PARLEY_HOME: home };
    const authorized = await runParley(parleyBin, ['mcp', 'tools', fake.url, '--headless-authorization'], { env, cwd: home });
    assert.equal(authorized.code, 0, authorized.stderr);
    writeFileSync(join(home, 'data', 'mcp_servers.json'), JSON.stringify({ servers: [{ id: 'remote', url: fake.url }] }), { mode: 0o600 });
    const authorizations = fake.events.filter((e) => e.type === 'authorize').length;
    const ok = await runParley(parleyBin, ['doctor'], { env, cwd: home });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /\[ok\] {3}MCP server remote: started, [1-9]\d* tool\(s\)/);
    assert.equal(fake.events.filter((e) => e.type === 'authorize').length, authorizations, 'the stored token was used');
    for (const token of fake.tokens()) assert.ok(!(ok.stdout + ok.stderr).includes(token));
    // Without tokens nobody can approve: a failure that says so, at once.
    fake.revokeAll();
    rmSync(join(home, 'data', 'mcp_oauth'), { recursive: true, force: true });
    const none = await runParley(parleyBin, ['doctor'], { env, cwd: home, timeoutMs: 30000 });
    assert.equal(none.code, 1, none.stdout + none.stderr);
    assert.match(none.stdout, /\[FAIL\] MCP server remote: did not start: .*authoriz/i);
  } finally {
    await fake.stop();
  }
});
