// The Google authorization routes (api.md §2.20) on the real binary against the fake Google: the auth URL,
// the callback (state verified, code exchanged, token file 0600 in a 0700 directory), status with its side
// effects, old token files loading as they are, and no token in any log, response or stored row.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startParley } from '../lib/parley.mjs';
import { startFakeGoogle } from '../fakes/google.mjs';
import { googleHome, dataFile, SCOPES } from './google_helpers.mjs';

let fake;
before(async () => { fake = await startFakeGoogle(); });
after(async () => { await fake.close(); });

const post = (p, path, body) => fetch(`${p.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

function readAll(dir) {
  let out = '';
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir, { recursive: true })) {
    const f = join(dir, name);
    if (statSync(f).isFile()) out += readFileSync(f, 'latin1');
  }
  return out;
}

test('authorize → consent → callback → token stored privately → status; errors redirect with auth_error', async () => {
  const h = googleHome(fake);
  const p = await startParley({ home: h.home, env: { GOOGLE_API_BASE_URL: fake.url, FRONTEND_URL: 'http://ui.example/app/' } });
  try {
    assert.equal((await post(p, '/api/google-auth/authorize', {})).status, 422);
    const r = await post(p, '/api/google-auth/authorize', { user_email: 'new.user@example.com', redirect_uri: null });
    assert.equal(r.status, 200);
    const authUrl = new URL((await r.json()).auth_url);
    assert.equal(authUrl.searchParams.get('redirect_uri'), 'http://localhost:8000/api/google-auth/callback');
    assert.equal(authUrl.searchParams.get('scope'), SCOPES.join(' '));
    for (const [k, v] of [['access_type', 'offline'], ['prompt', 'consent'], ['response_type', 'code'], ['client_id', fake.state.clientId]])
      assert.equal(authUrl.searchParams.get(k), v);
    // The consent screen sends the browser back to the redirect URI; follow it to this parley.
    const consent = await fetch(authUrl, { redirect: 'manual' });
    const back = new URL(consent.headers.get('location'));
    const cb = await fetch(`${p.url}/api/google-auth/callback${back.search}`, { redirect: 'manual' });
    assert.equal(cb.status, 307);
    assert.equal(cb.headers.get('location'), 'http://ui.example/app/?auth_success=true&email=new.user%40example.com');
    const file = join(h.home, 'data', 'tokens', 'new_user_at_example_com.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(h.home, 'data', 'tokens')).mode & 0o777, 0o700);
    const token = JSON.parse(readFileSync(file, 'utf8'));
    assert.deepEqual(Object.keys(token).sort(), ['account', 'client_id', 'client_secret', 'expiry', 'refresh_token', 'scopes', 'token', 'token_uri', 'universe_domain']);
    assert.deepEqual(token.scopes, SCOPES);
    assert.ok(fake.state.access.has(token.token));
    assert.equal(fake.state.tokenCalls.at(-1).redirect_uri, 'http://localhost:8000/api/google-auth/callback');
    const status = await (await fetch(`${p.url}/api/google-auth/status/new.user@example.com`)).json();
    assert.equal(status.authorized, true);
    assert.match(status.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    // Replaying the code fails at Google; a forged state and a denied consent redirect with the reason.
    const replay = await fetch(`${p.url}/api/google-auth/callback${back.search}`, { redirect: 'manual' });
    assert.match(replay.headers.get('location'), /^http:\/\/ui\.example\/app\/\?auth_error=.*invalid_grant/);
    const forged = new URLSearchParams(back.search);
    forged.set('state', forged.get('state').replace(/.$/, (c) => (c === '0' ? '1' : '0')));
    const bad = await fetch(`${p.url}/api/google-auth/callback?${forged}`, { redirect: 'manual' });
    assert.equal(bad.headers.get('location'), 'http://ui.example/app/?auth_error=invalid_state');
    const denied = await fetch(`${p.url}/api/google-auth/callback?error=access_denied&state=x`, { redirect: 'manual' });
    assert.equal(denied.headers.get('location'), 'http://ui.example/app/?auth_error=access_denied');
    assert.equal((await fetch(`${p.url}/api/google-auth/callback?state=x`)).status, 422);

    // Disconnect (an extension for the UI).
    assert.equal((await fetch(`${p.url}/api/google-auth/status/new.user@example.com`, { method: 'DELETE' })).status, 204);
    assert.deepEqual(await (await fetch(`${p.url}/api/google-auth/status/new.user@example.com`)).json(), { authorized: false });
    const config = await (await fetch(`${p.url}/api/google-auth/config`)).json();
    assert.equal(config.client_configured, true);

    // No token value anywhere: responses above, the terminal output, the log files, the database.
    await p.stop();
    const everything = p.output() + readAll(join(h.home, 'logs')) + readAll(join(h.home, 'data'));  // the token file itself was removed by Disconnect
    const tokens = [...fake.state.access.keys(), ...[...fake.state.refresh].filter((t) => !t.startsWith('1//legacy') && !t.startsWith('1//scope') && !t.startsWith('1//calendar')), fake.state.clientSecret];
    for (const t of tokens) assert.ok(!everything.includes(t), `token ${t.slice(0, 8)}… leaked`);
  } finally {
    await p.stop();
    h.remove();
  }
});

test('no client file: 500 with the reason; old token files load as they are (refresh, scope string, missing scope deleted, revoked)', async () => {
  const bare = await startParley();
  try {
    const r = await post(bare, '/api/google-auth/authorize', { user_email: 'a@b.c' });
    assert.equal(r.status, 500);
    assert.match((await r.json()).detail, /^Failed to create authorization URL: no Google OAuth client file \(credentials\/client_secret_\*\.json\)/);
  } finally {
    await bare.stop();
  }
  const revoked = dataFile('user_at_example_com.legacy.json').replace('1//legacy-refresh-token-0001', '1//revoked');
  const h = googleHome(fake, {
    'user_at_example_com.json': dataFile('user_at_example_com.legacy.json'),
    'scopes_at_example_com.json': dataFile('scope_string.legacy.json'),
    'narrow_at_example_com.json': dataFile('missing_scope.legacy.json'),
    'revoked_at_example_com.json': revoked,
  });
  const p = await startParley({ home: h.home, env: { GOOGLE_API_BASE_URL: fake.url } });
  try {
    const status = async (u) => (await fetch(`${p.url}/api/google-auth/status/${u}`)).json();
    // Expired in 2020: refreshed with its own refresh token and rewritten, the other fields kept.
    const before = JSON.parse(readFileSync(join(h.home, 'data', 'tokens', 'user_at_example_com.json'), 'utf8'));
    const s = await status('user@example.com');
    assert.equal(s.authorized, true);
    assert.ok(Date.parse(s.expires_at) > Date.now());
    const afterwards = JSON.parse(readFileSync(join(h.home, 'data', 'tokens', 'user_at_example_com.json'), 'utf8'));
    assert.notEqual(afterwards.token, before.token);
    assert.equal(afterwards.refresh_token, before.refresh_token);
    assert.deepEqual(afterwards.scopes, before.scopes);
    assert.equal(statSync(join(h.home, 'data', 'tokens', 'user_at_example_com.json')).mode & 0o777, 0o600);
    assert.deepEqual(await status('scopes@example.com'), { authorized: true, expires_at: '2099-01-01T00:00:00Z' });
    assert.deepEqual(await status('narrow@example.com'), { authorized: false });
    assert.equal(existsSync(join(h.home, 'data', 'tokens', 'narrow_at_example_com.json')), false, 'a token missing scopes is deleted');
    assert.deepEqual(await status('revoked@example.com'), { authorized: false });
    assert.equal(existsSync(join(h.home, 'data', 'tokens', 'revoked_at_example_com.json')), false);
    assert.deepEqual(await status('nobody@example.com'), { authorized: false });
    await p.stop();
    for (const t of [afterwards.token, '1//legacy-refresh-token-0001', 'legacy-client-secret-0001']) {
      assert.ok(!p.output().includes(t), 'no token in the log');
      assert.ok(!readAll(join(h.home, 'logs')).includes(t), 'no token in the log files');
    }
  } finally {
    await p.stop();
    h.remove();
  }
});
