// OAuth for remote MCP servers against a local authorization server (tests/fakes/mcp_oauth.mjs): `parley serve`
// shows needs_authorization, the authorize route and the callback complete the flow and the server connects;
// tokens are kept in a 0600 file and never reach the log or a response; a forged or replayed callback does
// nothing; `parley mcp` authorizes through its loopback callback and a second run reuses the stored token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync, readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startParley, parleyBin } from '../lib/parley.mjs';
import { getStatus, server, waitForStatus, runParley } from './mcp_helpers.mjs';
import { startOAuthMcp } from '../fakes/mcp_oauth.mjs';

async function setup(opts = {}, { keepHome = false } = {}) {
  const fake = await startOAuthMcp(opts);
  const p = await startParley({
    keepHome,
    files: { 'data/mcp_servers.json': JSON.stringify({ servers: [{ id: 'remote', url: fake.url }] }) },
  });
  return { fake, p, async stop() { await p.stop(); await fake.stop(); } };
}

// What the browser does: the authorization URL (approved at once), then parley's callback; returns where parley
// sends the browser afterwards.
async function browse(authorizationUrl, parleyUrl) {
  const approved = await fetch(authorizationUrl, { redirect: 'manual' });
  assert.equal(approved.status, 302, await approved.text());
  const callback = new URL(approved.headers.get('location'));
  assert.equal(`${callback.origin}${callback.pathname}`, `${parleyUrl}/api/mcp/oauth/callback`);
  const back = await fetch(callback, { redirect: 'manual' });
  assert.equal(back.status, 303);
  return { callback, location: back.headers.get('location') };
}

test('a server that needs OAuth waits for a person, then connects after the browser flow', async () => {
  const t = await setup({ autoApprove: true }, { keepHome: true });
  try {
    const status = await waitForStatus(t.p, (s) => server(s, 'remote').state === 'needs_authorization',
      { what: 'needs_authorization' });
    assert.equal(server(status, 'remote').connected, false);
    assert.match(server(status, 'remote').last_error, /asks for authorization \(OAuth\); press Authorize/);

    const start = await fetch(`${t.p.url}/api/mcp/servers/remote/authorize`, { method: 'POST' });
    assert.equal(start.status, 200);
    const { authorization_url: authUrl, redirect_uri: redirectUri } = await start.json();
    assert.equal(redirectUri, `${t.p.url}/api/mcp/oauth/callback`);
    const u = new URL(authUrl);
    assert.equal(u.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(u.searchParams.get('resource'), t.fake.url);
    assert.equal(u.searchParams.get('scope'), 'tools:read');  // from the challenge

    const { callback, location } = await browse(authUrl, t.p.url);
    assert.equal(location, '/settings?mcp_authorized=remote#mcp');
    const connected = await waitForStatus(t.p, (s) => server(s, 'remote').state === 'connected', { what: 'connected' });
    assert.deepEqual(server(connected, 'remote').tools.map((x) => x.name), ['whoami']);
    assert.equal(server(connected, 'remote').last_error, null);

    // A replayed redirect finds no flow (one use), and says so without touching the server.
    const replay = await fetch(callback, { redirect: 'manual' });
    assert.equal(replay.status, 303);
    assert.match(replay.headers.get('location'), /^\/settings\?mcp_authorization_error=.*#mcp$/);
    assert.equal(server(await getStatus(t.p), 'remote').state, 'connected');

    // The token is stored privately and appears nowhere else.
    const dir = join(t.p.home, 'data', 'mcp_oauth');
    const files = readdirSync(dir);
    assert.equal(files.length, 1);
    assert.equal(statSync(join(dir, files[0])).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    const record = JSON.parse(readFileSync(join(dir, files[0]), 'utf8'));
    assert.ok(t.fake.tokens().includes(record.access_token));
    const everything = JSON.stringify(await getStatus(t.p)) + t.p.output();
    for (const token of t.fake.tokens()) assert.ok(!everything.includes(token), 'a token leaked into the status or the log');
    assert.ok(!everything.includes(record.refresh_token));

    // A restarted parley connects with the stored token, without a person.
    await t.p.stop();
    const again = await startParley({ home: t.p.home, keepHome: true });
    try {
      await waitForStatus(again, (s) => server(s, 'remote').state === 'connected', { what: 'connected after restart' });
    } finally {
      await again.stop();
    }
  } finally {
    await t.fake.stop();
    rmSync(t.p.home, { recursive: true, force: true });
  }
});

test('a server without dynamic registration is authorized with the client its definition names', async () => {
  // Like GitHub's: only a pre-registered app, whose secret the token endpoint checks. The definition keeps the
  // secret as ${VAR}; the value comes from parley's environment and is never shown.
  const secret = 'gh-app-secret-0123456789abcdef';
  const fake = await startOAuthMcp({ autoApprove: true, scope: 'repo', preRegistered: { client_id: 'gh-app-1', client_secret: secret } });
  const p = await startParley({
    env: { GH_APP_SECRET: secret },
    files: { 'data/mcp_servers.json': JSON.stringify({ servers: [
      { id: 'github', url: fake.url, oauth: { client_id: 'gh-app-1', client_secret: '${GH_APP_SECRET}', scope: 'repo' } },
      { id: 'unregistered', url: fake.url }] }) },
  });
  try {
    await waitForStatus(p, (s) => server(s, 'github').state === 'needs_authorization', { what: 'needs_authorization' });
    const before = await getStatus(p);
    assert.deepEqual(server(before, 'github').oauth, { client_id: 'gh-app-1', client_secret: '${GH_APP_SECRET}', scope: 'repo' });
    assert.equal('oauth' in server(before, 'unregistered'), false, 'a definition without a client keeps its old shape');

    const start = await fetch(`${p.url}/api/mcp/servers/github/authorize`, { method: 'POST' });
    assert.equal(start.status, 200);
    const { authorization_url: authUrl } = await start.json();
    const u = new URL(authUrl);
    assert.equal(u.searchParams.get('client_id'), 'gh-app-1');
    assert.equal(u.searchParams.get('scope'), 'repo');
    const { location } = await browse(authUrl, p.url);
    assert.equal(location, '/settings?mcp_authorized=github#mcp');
    await waitForStatus(p, (s) => server(s, 'github').state === 'connected', { what: 'connected' });
    assert.ok(!fake.events.some((e) => e.type === 'register'), 'no registration was attempted');
    const auth = fake.events.find((e) => e.type === 'client-auth');
    assert.equal(auth.client_id, 'gh-app-1');
    assert.match(auth.method, /^client_secret_(basic|post)$/);
    assert.equal(fake.events.find((e) => e.type === 'token').problem, '');

    // Without a client of its own, a server whose authorization server cannot register parley says why.
    const other = await fetch(`${p.url}/api/mcp/servers/unregistered/authorize`, { method: 'POST' });
    assert.equal(other.status, 502);
    assert.match((await other.json()).detail, /regist/i);
    assert.ok(!p.output().includes(secret), 'the client secret reached the log');
    // The stored authorization keeps the tokens but not the app's secret: it comes from the environment.
    const dir = join(p.home, 'data', 'mcp_oauth');
    const stored = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
    assert.match(stored, /gh-app-1/);
    assert.ok(!stored.includes(secret), 'the client secret was written to the token file');
    assert.ok(!JSON.stringify(await getStatus(p)).includes(secret));
  } finally {
    await p.stop();
    await fake.stop();
  }
});

test('a definition names its OAuth client only for a url server, with a client id and no other keys', async () => {
  const fake = await startOAuthMcp({ autoApprove: true });
  const p = await startParley({ files: { 'data/mcp_servers.json': JSON.stringify({ servers: [{ id: 'remote', url: fake.url }] }) } });
  try {
    const put = (servers) => fetch(`${p.url}/api/mcp/servers`, { method: 'PUT', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ servers }) });
    for (const [oauth, pattern] of [[{ client_secret: 'x' }, /client_id/], [{ client_id: '' }, /client_id/],
      [{ client_id: 'a', extra: 1 }, /extra/i], ['nope', /dict/i], [{ client_id: 7 }, /string/]]) {
      const r = await put([{ id: 'remote', url: fake.url, oauth }]);
      assert.equal(r.status, 422, JSON.stringify(oauth));
      assert.match(JSON.stringify(await r.json()), pattern);
    }
    const stdio = await put([{ id: 'local', command: ['true'], oauth: { client_id: 'a' } }]);
    assert.equal(stdio.status, 422);
    assert.match((await stdio.json()).detail, /'oauth' is only allowed together with 'url'/);
    // An undefined variable in the secret: the server cannot start, and says which variable.
    assert.equal((await put([{ id: 'remote', url: fake.url, oauth: { client_id: 'a', client_secret: '${NOT_SET_ANYWHERE}' } }])).status, 200);
    const s = await waitForStatus(p, (st) => server(st, 'remote').state === 'failed', { what: 'failed' });
    assert.match(server(s, 'remote').last_error, /NOT_SET_ANYWHERE used in oauth.client_secret is not defined/);
    const start = await fetch(`${p.url}/api/mcp/servers/remote/authorize`, { method: 'POST' });
    assert.equal(start.status, 422);
  } finally {
    await p.stop();
    await fake.stop();
  }
});

test('forged callbacks and bad requests are refused', async () => {
  const t = await setup({ autoApprove: true });
  try {
    await waitForStatus(t.p, (s) => server(s, 'remote').state === 'needs_authorization', { what: 'needs_authorization' });
    const forged = await fetch(`${t.p.url}/api/mcp/oauth/callback?code=stolen&state=guessed`, { redirect: 'manual' });
    assert.equal(forged.status, 303);
    assert.match(decodeURIComponent(forged.headers.get('location')), /belongs to no authorization parley started/);
    const empty = await fetch(`${t.p.url}/api/mcp/oauth/callback`, { redirect: 'manual' });
    assert.equal(empty.status, 303);
    assert.ok(!t.fake.events.some((e) => e.type === 'token'), 'no token request for a forged callback');
    // The authorization server refused (the person said no): parley shows why and stays unauthorized.
    const start = await (await fetch(`${t.p.url}/api/mcp/servers/remote/authorize`, { method: 'POST' })).json();
    const state = new URL(start.authorization_url).searchParams.get('state');
    const denied = await fetch(`${t.p.url}/api/mcp/oauth/callback?error=access_denied&error_description=no%20thanks&state=${state}`,
      { redirect: 'manual' });
    assert.match(decodeURIComponent(denied.headers.get('location')), /refused: access_denied: no thanks/);
    assert.equal(server(await getStatus(t.p), 'remote').state, 'needs_authorization');

    assert.equal((await fetch(`${t.p.url}/api/mcp/servers/nope/authorize`, { method: 'POST' })).status, 404);
  } finally {
    await t.stop();
  }
});

test('parley mcp authorizes through its loopback callback and reuses the stored token', async () => {
  const fake = await startOAuthMcp({ autoApprove: true });
  const home = mkdtempSync(join(tmpdir(), 'parley-oauth-cli-'));
  writeFileSync(join(home, 'data.json'), '{}');
  try {
    const env = { PARLEY_HOME: home };
    const first = await runParley(parleyBin, ['mcp', 'call', fake.url, 'whoami', '{}', '--headless-authorization'], { env, cwd: home });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /authorized with scope tools:read/);
    const registered = fake.events.find((e) => e.type === 'register');
    assert.match(registered.redirect_uris[0], /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    for (const token of fake.tokens()) assert.ok(!(first.stdout + first.stderr).includes(token));
    const authorizations = fake.events.filter((e) => e.type === 'authorize').length;
    const second = await runParley(parleyBin, ['mcp', 'tools', fake.url], { env, cwd: home });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(fake.events.filter((e) => e.type === 'authorize').length, authorizations, 'the stored token was used');
    // Without a browser and without --headless-authorization nobody can approve: a clear failure.
    fake.revokeAll();
    rmSync(join(home, 'data', 'mcp_oauth'), { recursive: true, force: true });
  } finally {
    await fake.stop();
    rmSync(home, { recursive: true, force: true });
  }
});
