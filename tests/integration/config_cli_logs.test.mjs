// Start-up configuration, the command line, log files and secret redaction of the real binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync, statSync, mkdtempSync, rmSync, mkdirSync, writeFileSync, utimesSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startParley, parleyBin } from '../lib/parley.mjs';
import { rawExchange, waitFor } from '../lib/http.mjs';

function readTree(dir) {
  if (!existsSync(dir)) return '';
  let out = '';
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    out += statSync(p).isDirectory() ? readTree(p) : readFileSync(p, 'latin1');
  }
  return out;
}

test('--version and --help (every variable listed)', () => {
  const version = execFileSync(parleyBin, ['--version']).toString();
  assert.match(version, /^parley \d+\.\d+\.\d+/);
  const help = execFileSync(parleyBin, ['--help']).toString();
  for (const v of ['PARLEY_HOST', 'PARLEY_PORT', 'PARLEY_AUTH_TOKEN', 'OPENROUTER_API_KEY', 'OPENROUTER_BASE_URL',
    'PARLEY_DATABASE_URL', 'PARLEY_STORAGE', 'DEEPGRAM_API_KEY', 'S3_BUCKET', 'ATTACHMENTS_RETENTION_DAYS', 'serve', 'passwd']) {
    assert.ok(help.includes(v), `--help mentions ${v}`);
  }
});

test('an invalid variable stops start-up with a message naming it and the expected form', async () => {
  const cases = [
    [{ PARLEY_PORT: 'eighty' }, /PARLEY_PORT='eighty' is invalid: expected an integer from 0 to 65535/],
    [{ PARLEY_MAX_TOOL_HOPS: '65' }, /PARLEY_MAX_TOOL_HOPS='65' is invalid/],
    [{ PARLEY_STORAGE: 'ftp' }, /PARLEY_STORAGE='ftp' is invalid: expected local, gcs or s3/],
    [{ PARLEY_TRUST_PROXY: 'maybe' }, /PARLEY_TRUST_PROXY='maybe' is invalid: expected 1\/0, true\/false/],
    [{ OPENROUTER_BASE_URL: 'ftp://x' }, /OPENROUTER_BASE_URL='ftp:\/\/x' is invalid: expected an http/],
    [{ PARLEY_DATABASE_URL: 'mysql://x' }, /PARLEY_DATABASE_URL is invalid/],
    [{ PARLEY_TIMEZONE: 'Mars/Olympus' }, /PARLEY_TIMEZONE='Mars\/Olympus' is not a known IANA time zone/],
    [{ MODEL_SETTINGS_PATH: '../outside.json' }, /MODEL_SETTINGS_PATH='..\/outside.json' is invalid: a relative path must stay inside/],
    [{ PARLEY_SIGNING_KEY: 'abcd' }, /PARLEY_SIGNING_KEY is invalid/],
    [{ DEEPGRAM_TOKEN_TTL: '0' }, /DEEPGRAM_TOKEN_TTL='0' is invalid/],
  ];
  for (const [env, message] of cases) {
    const r = await startParley({ env, expectExit: true });
    assert.equal(r.code, 2, JSON.stringify(env));
    assert.match(r.output(), message);
    await r.stop();
  }
});

test('.env is read from the home; the environment wins; names are case-insensitive; generic aliases only from .env', async () => {
  const p = await startParley({
    files: { '.env': '# settings\nexport OPENROUTER_DEFAULT_MODEL="from/dotenv"\nopenrouter_api_key=sk-test-dotenv-key-123456\nPARLEY_STORAGE=local # inline comment\n' },
  });
  try {
    const body = await (await fetch(`${p.url}/health`)).json();
    assert.equal(body.default_model, 'from/dotenv');
    assert.ok(!body.warnings.some((w) => w.includes('OPENROUTER_API_KEY')), 'key from .env counts');
  } finally { await p.stop(); }

  const q = await startParley({ env: { OPENROUTER_DEFAULT_MODEL: 'from/env', default_model: 'ignored/generic' }, files: { '.env': 'OPENROUTER_DEFAULT_MODEL=from/dotenv\n' } });
  try {
    assert.equal((await (await fetch(`${q.url}/health`)).json()).default_model, 'from/env');
  } finally { await q.stop(); }

  const r = await startParley({ env: { DEFAULT_MODEL: 'env/generic-alias' } });
  try {
    assert.equal((await (await fetch(`${r.url}/health`)).json()).default_model, 'openrouter/auto', 'generic alias ignored from the environment');
  } finally { await r.stop(); }

  const s = await startParley({ files: { '.env': 'default_model=dotenv/generic\n' } });
  try {
    assert.equal((await (await fetch(`${s.url}/health`)).json()).default_model, 'dotenv/generic');
    assert.match(s.output(), /generic name 'default_model'; prefer OPENROUTER_DEFAULT_MODEL/);
  } finally { await s.stop(); }
});

test('a second parley on the same data directory is refused', async () => {
  const p = await startParley();
  try {
    const second = await startParley({ home: p.home, expectExit: true });
    assert.equal(second.code, 1);
    assert.match(second.output(), new RegExp(`Another parley process is using .* \\(pid ${p.proc.pid} holds data/\\.parley\\.lock\\)`));
  } finally { await p.stop(); }
});

test('logs go to logs/app/YYYY-MM-DD/ and never contain a secret', async () => {
  const apiKey = 'sk-or-v1-' + 'f'.repeat(64);
  const token = 'parley-token-' + '9'.repeat(24);
  const dg = 'dg-secret-' + '7'.repeat(30);
  const p = await startParley({
    env: { OPENROUTER_API_KEY: apiKey, PARLEY_AUTH_TOKEN: token, DEEPGRAM_API_KEY: dg, S3_SECRET_ACCESS_KEY: 's3-secret-value-xyz' },
    files: { 'logging_settings.conf': 'terminal = debug\nsessions = debug\nconversations = info\nretention_hours = 48\n' },
    keepHome: true,
  });
  try {
    const headers = { Authorization: `Bearer ${token}`, Cookie: 'parley_session=cookie-secret-abcdef0123456789' };
    await (await fetch(`${p.url}/api/auth/status`, { headers })).text();
    await (await fetch(`${p.url}/api/files/a/b.png?exp=99&sig=deadbeefcafebabe0123456789&X-Amz-Signature=abcdef123456&X-Goog-Credential=cred123`, { headers })).text();
    await (await fetch(`${p.url}/api/nothing?token=${token}`, { headers: { 'X-Api-Key': apiKey } })).text();
    await rawExchange(p.port, `GET /health?img=data:image/png;base64,${'A'.repeat(500)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    await waitFor(() => readTree(join(p.home, 'logs')).includes('/health?img='), 3000);
  } finally { await p.stop(); }
  const date = new Date();
  const folders = readdirSync(join(p.home, 'logs', 'app'));
  assert.ok(folders.every((f) => /^\d{4}-\d\d-\d\d$/.test(f)), folders.join());
  const text = readTree(join(p.home, 'logs')) + p.output();
  assert.ok(text.includes('request headers'), 'debug lines with headers were written');
  assert.ok(text.includes('[REDACTED]'), 'redaction happened');
  for (const secret of [apiKey, token, dg, 's3-secret-value-xyz', 'cookie-secret-abcdef0123456789', 'deadbeefcafebabe0123456789', 'abcdef123456', 'cred123', 'A'.repeat(100)]) {
    assert.ok(!text.includes(secret), `secret ${secret.slice(0, 16)}… absent from logs`);
  }
  const signingKey = readFileSync(join(p.home, 'data', 'signing.key'), 'utf8').trim();
  assert.match(signingKey, /^[0-9a-f]{64}$/);
  assert.equal(statSync(join(p.home, 'data', 'signing.key')).mode & 0o777, 0o600);
  assert.ok(!text.includes(signingKey));
  void date;
  rmSync(p.home, { recursive: true, force: true });
});

test('log folders older than retention_hours are deleted at start-up', async () => {
  const home = mkdtempSync(join(tmpdir(), 'parley-logs-'));
  const old = join(home, 'logs', 'app', '2020-01-01');
  mkdirSync(old, { recursive: true });
  writeFileSync(join(old, 'parley.log'), 'old\n');
  const past = new Date(Date.now() - 72 * 3600 * 1000);
  utimesSync(join(old, 'parley.log'), past, past);
  const keep = join(home, 'logs', 'app', '2020-01-02');
  mkdirSync(keep, { recursive: true });
  writeFileSync(join(keep, 'parley.log'), 'recent\n');
  const p = await startParley({ home, files: { 'logging_settings.conf': 'retention_hours = 48\n' } });
  await p.stop();
  assert.equal(existsSync(old), false);
  assert.equal(existsSync(keep), true);
  rmSync(home, { recursive: true, force: true });
});

test('parley passwd --stdin stores a PBKDF2 hash with mode 0600 and turns authentication on', async () => {
  const home = mkdtempSync(join(tmpdir(), 'parley-pw-'));
  const run = (input) => spawnSync(parleyBin, ['passwd', '--stdin'], { input, env: { PATH: process.env.PATH, PARLEY_HOME: home } });
  let r = run('short\n');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr.toString(), /at least 8 characters/);
  r = run('correct horse battery\n');
  assert.equal(r.status, 0, r.stderr.toString());
  const authFile = join(home, 'data', 'auth.json');
  const doc = JSON.parse(readFileSync(authFile, 'utf8'));
  assert.match(doc.password_hash, /^pbkdf2-sha256\$(\d+)\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.ok(Number(doc.password_hash.split('$')[1]) >= 600000);
  assert.equal(statSync(authFile).mode & 0o777, 0o600);
  assert.ok(!readFileSync(authFile, 'utf8').includes('correct horse'));
  const p = await startParley({ home });
  try {
    const res = await fetch(`${p.url}/api/chat/test-stream`);
    assert.equal(res.status, 401);
    assert.deepEqual(await (await fetch(`${p.url}/api/auth/status`)).json(), { auth_required: true, authenticated: false });
    const bad = await fetch(`${p.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ password: 'wrong horse' }) });
    assert.equal(bad.status, 401);
  } finally { await p.stop(); }
  rmSync(home, { recursive: true, force: true });
});
