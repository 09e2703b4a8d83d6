// POST /api/stt/deepgram/token (api.md §2.19) against a fake Deepgram: the grant request, every status
// mapping, the API-key fallback, timeouts and dropped connections, and that no token or key reaches the logs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startParley } from '../lib/parley.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const KEY = 'dg-secret-key-0123456789abcdef';
let dg, dgUrl, p, fallback;

async function startFake() {
  const proc = spawn(process.execPath, [join(here, '..', 'fakes', 'deepgram.mjs'), '--port', '0'],
    { env: { ...process.env, FAKE_DEEPGRAM_KEY: KEY }, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve) => {
    let out = '';
    proc.stdout.on('data', (d) => { out += d; const m = out.match(/listening on (\S+)/); if (m) resolve(m[1]); });
  });
  return { proc, url };
}
const next = (steps) => fetch(`${dgUrl}/__control/next`, { method: 'POST', body: JSON.stringify(steps) });
const token = async (server = p) => {
  const res = await fetch(`${server.url}/api/stt/deepgram/token`, { method: 'POST', body: 'ignored {' });
  return { status: res.status, body: await res.json() };
};
const allLogs = (home) => {
  let text = '';
  const walk = (d) => {
    for (const f of readdirSync(d)) {
      const fp = join(d, f);
      if (statSync(fp).isDirectory()) walk(fp); else text += readFileSync(fp, 'utf8');
    }
  };
  walk(join(home, 'logs'));
  return text;
};

before(async () => {
  ({ proc: dg, url: dgUrl } = await startFake());
  const env = { DEEPGRAM_API_KEY: KEY, DEEPGRAM_BASE_URL: dgUrl, DEEPGRAM_TOKEN_TTL: '120', PARLEY_DEEPGRAM_TIMEOUT_SECONDS: '1' };
  p = await startParley({ env });
  fallback = await startParley({ env: { ...env, DEEPGRAM_ALLOW_APIKEY_FALLBACK: 'true' } });
});
after(async () => { await p?.stop(); await fallback?.stop(); dg?.kill(); });

test('a granted token is returned with its lifetime; the grant request follows the documented form', async () => {
  const { status, body } = await token();
  assert.equal(status, 200);
  assert.deepEqual(Object.keys(body), ['access_token', 'expires_in']);
  assert.equal(body.access_token.split('.').length, 3, 'a JWT');
  assert.equal(body.expires_in, 120);
  const seen = await (await fetch(`${dgUrl}/__control/requests`)).json();
  const last = seen.at(-1);
  assert.equal(last.url, '/v1/auth/grant');
  assert.equal(last.headers.authorization, `Token ${KEY}`);
  assert.equal(last.headers.accept, 'application/json');
  assert.deepEqual(JSON.parse(last.body), { ttl_seconds: 120 });
});

test('every upstream failure maps to the documented status and detail', async () => {
  const cases = [
    [{ status: 401, body: { err_code: 'FORBIDDEN', err_msg: 'nope' } }, 502, "Deepgram API key lacks sufficient permissions (needs at least 'Member' role)"],
    [{ status: 401, body: { err_code: 'X', err_msg: 'Insufficient Permissions to grant' } }, 502, "Deepgram API key lacks sufficient permissions (needs at least 'Member' role)"],
    [{ status: 401, body: { err_code: 'INVALID_AUTH', err_msg: 'Invalid credentials.' } }, 502, 'Deepgram API key is invalid or unauthorized'],
    [{ status: 402, body: {} }, 502, 'Deepgram project has insufficient funds'],
    [{ status: 403, body: {} }, 502, 'Deepgram API key lacks sufficient permissions for token generation'],
    [{ status: 500, body: { err_msg: 'Internal failure in grant' } }, 502, 'Internal failure in grant'],
    [{ status: 429, body: { error: 'Too many requests' } }, 502, 'Too many requests'],
    [{ status: 503, body: 'not json', headers: { 'dg-error': 'Service degraded' } }, 502, 'Service degraded'],
    [{ status: 418, body: '' }, 502, 'Deepgram token request failed (418)'],
    [{ status: 200, body: { expires_in: 30 } }, 502, 'Deepgram did not return a token'],
    [{ status: 200, body: '{"access_token": "abc' }, 502, 'Deepgram did not return a token'],
    [{ delay_ms: 2500 }, 504, 'Deepgram request timed out'],
  ];
  for (const [step, status, detail] of cases) {
    await next([step]);
    const got = await token();
    assert.deepEqual(got, { status, body: { detail } }, JSON.stringify(step));
  }
  await next([{ drop: true }]);
  const dropped = await token();
  assert.equal(dropped.status, 502);
  assert.match(dropped.body.detail, /^(Network error contacting|Failed to contact) Deepgram: /);
});

test('a non-integer expires_in is null', async () => {
  await next([{ status: 200, body: { access_token: 'opaque-token', expires_in: '30' } }]);
  assert.deepEqual(await token(), { status: 200, body: { access_token: 'opaque-token', expires_in: null } });
});

test('with the fallback allowed, a refused grant hands out the key and logs a warning without it', async () => {
  await next([{ status: 403, body: {} }]);
  assert.deepEqual(await token(fallback), { status: 200, body: { access_token: KEY, expires_in: null } });
  // The warning is written before the answer; the terminal copy reaches this process through a pipe.
  await fallback.waitForOutput(/DEEPGRAM_ALLOW_APIKEY_FALLBACK hands the API key itself/);
  const logs = allLogs(fallback.home) + fallback.output();
  assert.match(logs, /DEEPGRAM_ALLOW_APIKEY_FALLBACK hands the API key itself/);
  assert.ok(!logs.includes(KEY), 'the key is never logged');
});

test('unconfigured: 503; Deepgram unreachable: 502 naming the network error', async () => {
  const bare = await startParley({ env: { DEEPGRAM_API_KEY: '  ' } });
  try {
    assert.deepEqual(await token(bare), { status: 503, body: { detail: 'Deepgram is not configured on server' } });
  } finally { await bare.stop(); }
  const away = await startParley({ env: { DEEPGRAM_API_KEY: KEY, DEEPGRAM_BASE_URL: 'http://127.0.0.1:1' } });
  try {
    const got = await token(away);
    assert.equal(got.status, 502);
    assert.match(got.body.detail, /^Network error contacting Deepgram: /);
  } finally { await away.stop(); }
  const logs = allLogs(p.home) + p.output();
  assert.ok(!logs.includes(KEY), 'the key is never logged');
  assert.ok(!/eyJ[A-Za-z0-9_-]+\.eyJ/.test(logs), 'no token is logged');
});
