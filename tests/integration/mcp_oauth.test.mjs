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
