// The password with PostgreSQL (api.md §4.5, §8.8; issue 16): the settings row `auth` holds the hash for every
// replica, imported once from an earlier install's data/auth.json; `parley passwd` writes that row, every
// replica uses the new password at once and every login session ends.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startParley, parleyBin } from '../lib/parley.mjs';

const baseUrl = process.env.PARLEY_TEST_POSTGRES_URL;
const dbName = `parley_auth_${process.pid}_${Date.now()}`;
let dbUrl, homeA, a, b;
const psql = (sql) => execFileSync('psql', [dbUrl, '-XAtqc', sql], { encoding: 'utf8' }).trim();
const passwd = (home, password, env = {}) => spawnSync(parleyBin, ['passwd', '--stdin'], {
  input: `${password}\n`, encoding: 'utf8', timeout: 60000,
  env: { PATH: process.env.PATH, LANG: 'C.UTF-8', PARLEY_HOME: home, ...env },
});
const login = (p, password) => fetch(`${p.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ password }) });
const status = async (p, cookie) => (await fetch(`${p.url}/api/auth/status`, { headers: cookie ? { Cookie: cookie } : {} })).json();
async function within(ms, probe, what) {
  const start = Date.now();
  for (;;) {
    if (await probe()) return;
    if (Date.now() - start > ms) assert.fail(`${what}: not seen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  assert.ok(baseUrl, 'PARLEY_TEST_POSTGRES_URL is set by ./scripts/test (tests/lib/postgres.sh)');
  execFileSync('psql', [baseUrl, '-XAtqc', `CREATE DATABASE ${dbName}`]);
  const u = new URL(baseUrl);
  u.pathname = `/${dbName}`;
  dbUrl = u.toString();
  // A single-machine install set its password into data/auth.json; it then moves to PostgreSQL.
  homeA = mkdtempSync(join(tmpdir(), 'parley-auth-a-'));
  const set = passwd(homeA, 'first-password');
  assert.equal(set.status, 0, set.stderr);
  assert.ok(existsSync(join(homeA, 'data', 'auth.json')));
  const env = { PARLEY_DATABASE_URL: dbUrl };
  a = await startParley({ home: homeA, env, files: { 'data/mcp_servers.json': '{"servers":[]}' } });
  b = await startParley({ env });
});
after(async () => {
  await a?.stop();
  await b?.stop();
  if (homeA) rmSync(homeA, { recursive: true, force: true });
  if (baseUrl) execFileSync('psql', [baseUrl, '-XAtqc', `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`]);
});

test('the imported password protects every replica; a session from one works on the other', async () => {
  assert.match(psql("SELECT document->>'password_hash' FROM settings WHERE name = 'auth'"), /^pbkdf2-sha256\$\d+\$/);
  assert.match(a.output(), /Imported .*auth\.json into the PostgreSQL settings row 'auth'/);
  assert.deepEqual(await status(b), { auth_required: true, authenticated: false }, 'B, without a file, requires it too');
  assert.equal((await fetch(`${b.url}/api/chat/conversations`)).status, 401);
  const res = await login(b, 'first-password');
  assert.equal(res.status, 200);
  const cookie = res.headers.get('set-cookie').split(';')[0];
  assert.deepEqual(await status(a, cookie), { auth_required: true, authenticated: true });
  assert.equal(existsSync(join(b.home, 'data', 'auth.json')), false);
});

test('`parley passwd` on any replica\'s home changes the password of all of them and ends every session', async () => {
  const res = await login(a, 'first-password');
  assert.equal(res.status, 200);
  const cookie = res.headers.get('set-cookie').split(';')[0];
  const set = passwd(b.home, 'second-password', { PARLEY_DATABASE_URL: dbUrl });
  assert.equal(set.status, 0, set.stderr);
  assert.match(set.stdout, /PostgreSQL settings row 'auth'/);
  assert.equal(existsSync(join(b.home, 'data', 'auth.json')), false, 'written to the row, not to a file');
  for (const p of [a, b]) {
    await within(6000, async () => !(await status(p, cookie)).authenticated, 'the old session ended');
    assert.equal((await login(p, 'first-password')).status, 401, 'the old password is refused');
    assert.equal((await login(p, 'second-password')).status, 200, 'the new one works at once');
  }
});
