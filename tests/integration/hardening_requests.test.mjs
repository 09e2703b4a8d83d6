// Issue 15, defects 3, 5, 6 and 7: login rate limiting behind a trusted proxy and the global cap on password
// checks, cross-site state changes refused in every mode, sessions ended by a credential change, and files
// private to parley's user (api.md §0.7, §8.8).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startParley, parleyBin } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';
import { upload } from './uploads_helpers.mjs';

const TOKEN = 'tok-' + 'h4rd3n1ng'.repeat(3);
const json = { 'Content-Type': 'application/json' };
const login = (p, password, headers = {}) => fetch(`${p.url}/api/auth/login`, { method: 'POST', headers: { ...json, ...headers }, body: JSON.stringify({ password }) });

test('behind a trusted proxy the limiter keys on the address the proxy appended, not the client-chosen left entries', async () => {
  const p = await startParley({ env: { PARLEY_AUTH_TOKEN: TOKEN, PARLEY_TRUST_PROXY: '1' } });
  try {
    const statuses = [];
    for (let i = 0; i < 8; i++) {
      // The client invents a new left-most address each time; the proxy appends the real one.
      const res = await login(p, `wrong-${i}`, { 'X-Forwarded-For': `10.9.${i}.${i}, 203.0.113.7` });
      statuses.push(res.status);
      await res.text();
    }
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429, 429]);
    // Another real client is not affected.
    const other = await login(p, TOKEN, { 'X-Forwarded-For': '203.0.113.8' });
    assert.equal(other.status, 200);
  } finally { await p.stop(); }
});

test('concurrent password checks are capped: a burst from many addresses is answered 429, not queued on every core', async () => {
  const home = mkdtempSync(join(tmpdir(), 'parley-passwd-'));
  try {
    const set = spawnSync(parleyBin, ['passwd', '--stdin'], { input: 'correct horse battery\n', env: { PATH: process.env.PATH, PARLEY_HOME: home }, encoding: 'utf8' });
    assert.equal(set.status, 0, set.stderr);
    const p = await startParley({ home, env: { PARLEY_TRUST_PROXY: '1' } });
    try {
      const burst = await Promise.all(Array.from({ length: 40 }, (_, i) => login(p, `guess-${i}`, { 'X-Forwarded-For': `198.51.100.${i + 1}` })
        .then(async (r) => ({ status: r.status, retry: r.headers.get('retry-after'), body: await r.json() }))));
      const limited = burst.filter((r) => r.status === 429);
      const checked = burst.filter((r) => r.status === 401);
      assert.equal(limited.length + checked.length, 40, JSON.stringify(burst.map((r) => r.status)));
      assert.ok(limited.length >= 20, `most of the burst was refused at once (${limited.length} of 40)`);
      assert.ok(checked.length >= 1, 'some were checked');
      assert.ok(limited.every((r) => r.retry === '1' && r.body.detail === 'Too many login attempts; try again later'));
      // The right password still works afterwards.
      const ok = await login(p, 'correct horse battery', { 'X-Forwarded-For': '198.51.100.200' });
      assert.equal(ok.status, 200);
    } finally { await p.stop(); }
  } finally { rmSync(home, { recursive: true, force: true }); }
});

for (const mode of ['without authentication', 'with a bearer token']) {
  test(`cross-site requests that change state are refused ${mode}`, async () => {
    const env = mode === 'with a bearer token' ? { PARLEY_AUTH_TOKEN: TOKEN } : {};
    const p = await startParley({ env: { ...env, PARLEY_CORS_ORIGINS: 'https://app.example' } });
    const auth = env.PARLEY_AUTH_TOKEN ? { Authorization: `Bearer ${TOKEN}` } : {};
    try {
      // A form post from another site (multipart needs no preflight).
      const refused = await upload(p.url, { headers: { ...auth, Origin: 'https://evil.example' } });
      assert.equal(refused.status, 403);
      assert.match(refused.body.detail, /^Cross-site request refused/);
      let res;
      res = await fetch(`${p.url}/api/presets/`, { method: 'POST', headers: { ...json, ...auth, 'Sec-Fetch-Site': 'cross-site' }, body: '{"name":"evil"}' });
      assert.equal(res.status, 403);
      res = await fetch(`${p.url}/api/settings/system-prompt`, { method: 'PUT', headers: { ...json, ...auth, Origin: 'null' }, body: '{"system_prompt":"pwned"}' });
      assert.equal(res.status, 403);
      res = await fetch(`${p.url}/api/presets/`, { headers: auth });
      assert.deepEqual(await res.json(), [], 'nothing was stored');
      res = await fetch(`${p.url}/api/settings/system-prompt`, { headers: auth });
      assert.notEqual((await res.json()).system_prompt, 'pwned');
      // Reading stays possible (the response is protected by CORS), and the server's own origin and allowed
      // origins may change state.
      res = await fetch(`${p.url}/api/presets/`, { headers: { ...auth, Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' } });
      assert.equal(res.status, 200);
      res = await fetch(`${p.url}/api/presets/`, { method: 'POST', headers: { ...json, ...auth, Origin: p.url, 'Sec-Fetch-Site': 'same-origin' }, body: '{"name":"mine"}' });
      assert.equal(res.status, 200);
      res = await fetch(`${p.url}/api/presets/`, { method: 'POST', headers: { ...json, ...auth, Origin: 'https://app.example', 'Sec-Fetch-Site': 'cross-site' }, body: '{"name":"ours"}' });
      assert.equal(res.status, 200);
      // A non-browser client sends neither header.
      res = await fetch(`${p.url}/api/presets/`, { method: 'POST', headers: { ...json, ...auth }, body: '{"name":"cli"}' });
      assert.equal(res.status, 200);
      // Another port of the same host is another origin.
      res = await fetch(`${p.url}/api/presets/`, { method: 'POST', headers: { ...json, ...auth, Origin: `http://127.0.0.1:${p.port + 1}` }, body: '{"name":"port"}' });
      assert.equal(res.status, 403);
    } finally { await p.stop(); }
  });
}

test('login sessions end when PARLEY_AUTH_TOKEN changes', async () => {
  const home = mkdtempSync(join(tmpdir(), 'parley-session-'));
  try {
    let p = await startParley({ home, env: { PARLEY_AUTH_TOKEN: TOKEN } });
    let cookie;
    try {
      const res = await login(p, TOKEN);
      assert.equal(res.status, 200);
      cookie = res.headers.get('set-cookie').split(';')[0];
      const status = await (await fetch(`${p.url}/api/auth/status`, { headers: { Cookie: cookie } })).json();
      assert.equal(status.authenticated, true);
    } finally { await p.stop(); }
    // Same token after a restart: the session survives.
    p = await startParley({ home, env: { PARLEY_AUTH_TOKEN: TOKEN } });
    try {
      const status = await (await fetch(`${p.url}/api/auth/status`, { headers: { Cookie: cookie } })).json();
      assert.equal(status.authenticated, true);
    } finally { await p.stop(); }
    // A new token: every session issued under the old one is gone.
    p = await startParley({ home, env: { PARLEY_AUTH_TOKEN: TOKEN + '-rotated' } });
    try {
      const res = await fetch(`${p.url}/api/presets/`, { headers: { Cookie: cookie } });
      assert.equal(res.status, 401);
      const status = await (await fetch(`${p.url}/api/auth/status`, { headers: { Cookie: cookie } })).json();
      assert.equal(status.authenticated, false);
    } finally { await p.stop(); }
  } finally { rmSync(home, { recursive: true, force: true }); }
});

function modeOf(path) { return (statSync(path).mode & 0o777).toString(8); }

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    out.push(p);
    if (statSync(p).isDirectory()) walk(p, out);
  }
  return out;
}

test('everything parley creates is private to its user: files 0600, folders 0700', async () => {
  const up = await startFakeUpstream();
  const home = mkdtempSync(join(tmpdir(), 'parley-modes-'));
  try {
    const p = await startParley({ home, env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-test-modes-0123456789' } });
    try {
      const res = await fetch(`${p.url}/api/chat/stream`, { method: 'POST', headers: json, body: JSON.stringify({ messages: [{ role: 'user', content: 'hi', client_message_id: 'user_1' }] }) });
      await res.text();
      assert.equal((await upload(p.url)).status, 201);
      await fetch(`${p.url}/api/settings/system-prompt`, { method: 'PUT', headers: json, body: '{"system_prompt":"be brief"}' });
      const paths = [...walk(join(home, 'data')), ...walk(join(home, 'logs'))];
      const names = paths.map((x) => x.slice(home.length));
      for (const must of ['/data/chat_sessions.db', '/data/chat_sessions.db-wal', '/data/chat_sessions.db-shm', '/data/signing.key', '/data/model_settings.json']) {
        assert.ok(names.includes(must), `${must} exists (${names.join(' ')})`);
      }
      assert.ok(names.some((n) => /^\/logs\/app\/\d{4}-\d\d-\d\d\/parley\.log$/.test(n)), 'the app log exists');
      assert.ok(names.some((n) => n.startsWith('/logs/conversations/') && n.endsWith('.log')), 'a conversation log exists');
      assert.ok(names.some((n) => n.startsWith('/data/blobs/')), 'the upload is stored');
      for (const x of [join(home, 'data'), join(home, 'logs'), ...paths]) {
        const expected = statSync(x).isDirectory() ? '700' : '600';
        assert.equal(modeOf(x), expected, `${x.slice(home.length)} is ${modeOf(x)}`);
      }
    } finally { await p.stop(); }
  } finally { rmSync(home, { recursive: true, force: true }); await up.stop(); }
});
