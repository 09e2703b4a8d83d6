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
