// OAuth for a remote MCP server in headless Chromium: the MCP settings show the server needing authorization,
// "Authorize" sends the browser to the local authorization server (tests/fakes/mcp_oauth.mjs), "Approve" sends
// it back through parley's callback to the settings, and the server connects with its tools listed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launchChromium, screenshotDir } from '../lib/browser.mjs';
import { startParley } from '../lib/parley.mjs';
import { startOAuthMcp } from '../fakes/mcp_oauth.mjs';

let browser;
before(async () => { browser = await launchChromium(); });
after(async () => { await browser?.close(); });

test('Authorize -> authorization server -> callback -> connected, tools listed', async () => {
  const fake = await startOAuthMcp();
  const p = await startParley({
    files: { 'data/mcp_servers.json': JSON.stringify({ servers: [{ id: 'remote', url: fake.url }] }) },
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    await page.goto(`${p.url}/settings#mcp`);
    const server = page.getByRole('listitem', { name: 'MCP server remote' });
    await server.getByText('needs_authorization').waitFor();
    await server.getByRole('alert').filter({ hasText: 'asks for authorization (OAuth); press Authorize' }).waitFor();
    await page.screenshot({ path: join(screenshotDir, 'mcp-oauth-needs-authorization.png') });

    await server.getByRole('button', { name: 'Authorize remote' }).click();
    await page.waitForURL((u) => u.href.startsWith(`${fake.base}/authorize`));
    await page.getByRole('heading', { name: /Authorize parley/ }).waitFor();
    await page.getByRole('button', { name: 'Approve' }).click();

    await page.waitForURL((u) => u.href.startsWith(`${p.url}/settings`));
    await page.getByRole('status').filter({ hasText: 'Authorized remote' }).waitFor();
    assert.equal(new URL(page.url()).search, '', 'the outcome is taken out of the address');
    // The server connects in the background; the settings follow it until it has.
    await server.getByText('connected', { exact: true }).waitFor();
    await page.getByRole('status').filter({ hasText: 'Authorized remote.' }).waitFor();
    await server.getByText('1 tools', { exact: true }).click();
    await server.getByRole('checkbox', { name: 'Tool whoami of remote' }).waitFor();
    await page.screenshot({ path: join(screenshotDir, 'mcp-oauth-connected.png') });
    const events = fake.events.map((e) => e.type);
    assert.ok(events.includes('register') && events.includes('approved') && events.includes('token'));
    assert.ok(fake.events.filter((e) => e.type === 'token').every((e) => !e.problem), JSON.stringify(fake.events));
  } finally {
    await context.close();
    await p.stop();
    await fake.stop();
  }
});

test('a server that needs a pre-registered app (like GitHub) is added with its OAuth client and authorized', async () => {
  const secret = 'e2e-app-secret-5f0c2a';
  const fake = await startOAuthMcp({ scope: 'repo', preRegistered: { client_id: 'e2e-app', client_secret: secret } });
  const p = await startParley({ env: { E2E_APP_SECRET: secret } });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    await page.goto(`${p.url}/settings#mcp`);
    await page.getByLabel('Id', { exact: true }).fill('gh');
    await page.getByLabel('Remote URL (HTTP)').check();
    await page.getByLabel('URL', { exact: true }).fill(fake.url);
    await page.getByText('OAuth client (only for servers that need a pre-registered app').click();
    await page.getByText(`${p.url}/api/mcp/oauth/callback`).waitFor();
    await page.getByLabel('Client ID').fill('e2e-app');
    await page.getByLabel(/^Client secret/).fill('${E2E_APP_SECRET}');
    await page.getByLabel('Scope (optional)').fill('repo');
    await page.screenshot({ path: join(screenshotDir, 'mcp-oauth-preregistered-form.png') });
    await page.getByRole('button', { name: 'Add server' }).click();

    const server = page.getByRole('listitem', { name: 'MCP server gh' });
    await server.getByText('OAuth client e2e-app · scope repo').waitFor();
    await server.getByText('needs_authorization').waitFor();
    await server.getByRole('button', { name: 'Authorize gh' }).click();
    await page.waitForURL((u) => u.href.startsWith(`${fake.base}/authorize`));
    assert.equal(new URL(page.url()).searchParams.get('client_id'), 'e2e-app');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL((u) => u.href.startsWith(`${p.url}/settings`));
    await server.getByText('connected', { exact: true }).waitFor();
    assert.ok(!fake.events.some((e) => e.type === 'register'), 'parley did not try to register itself');
    assert.ok(fake.events.some((e) => e.type === 'token' && e.problem === ''), JSON.stringify(fake.events));
    // The stored definition keeps the reference, not the secret.
    const defs = await (await fetch(`${p.url}/api/mcp/servers`)).json();
    assert.deepEqual(defs.servers.find((s) => s.id === 'gh').oauth, { client_id: 'e2e-app', client_secret: '${E2E_APP_SECRET}', scope: 'repo' });
    assert.ok(!(await page.content()).includes(secret));
  } finally {
    await context.close();
    await p.stop();
    await fake.stop();
  }
});
