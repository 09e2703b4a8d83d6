// Questions of a running turn in headless Chromium (docs/mcp.md): a tool that asks the person for input
// (elicitation/create of the fake MCP server) shows a form built from its schema in the chat, the answer goes back
// to the server; a tool set to "ask first" shows an approval card, and a denial is what the model reads. The
// settings mark the destructive tool and set "ask first" in one click.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launchChromium, screenshotDir } from '../lib/browser.mjs';
import { startParley } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';
import { fakeServer, everythingEntry, waitForStatus, server } from '../integration/mcp_helpers.mjs';

let browser;
before(async () => { browser = await launchChromium(); });
after(async () => { await browser?.close(); });

async function setup() {
  const up = await startFakeUpstream();
  const p = await startParley({
    env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-e2e-0123456789', PARLEY_TOOL_TIMEOUT_SECONDS: '60' },
    files: { 'data/mcp_servers.json': JSON.stringify({ servers: [{ id: 'fake', command: [process.execPath, fakeServer, '--interactive'] }] }) },
  });
  await waitForStatus(p, (s) => server(s, 'fake')?.state === 'connected', { what: 'fake connected' });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  return { up, p, page, problems, async close() { await context.close(); await p.stop(); await up.stop(); } };
}
const call = (id, name, args) => ({ tool_fragments: [{ index: 0, id, type: 'function', function: { name, arguments: args } }] });

async function send(page, text) {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('textbox', { name: 'Message' }).press('Enter');
}

test('a server form during a tool call is filled in the chat and its answer reaches the server', async () => {
  const t = await setup();
  try {
    await t.page.goto(`${t.p.url}/`);
    await t.up.script([call('c1', 'ask_user', '{}'), { content: ['Thanks, noted.'] }]);
    await send(t.page, 'make a report');
    const form = t.page.getByRole('form', { name: 'Question from fake' });
    await form.getByText('Which colour should the report use?').waitFor();
    assert.equal(await form.getByLabel('Count').inputValue(), '2', 'the default is filled in');
    await form.getByLabel('Colour').selectOption('blue');
    await form.getByLabel('Urgent').check();
    await t.page.screenshot({ path: join(screenshotDir, 'chat-elicitation.png') });
    await form.getByRole('button', { name: 'Send' }).click();
    await t.page.getByRole('article', { name: 'Assistant' }).last().getByText('Thanks, noted.').waitFor();
    await form.waitFor({ state: 'detached' });
    const rows = (await t.up.requests()).filter((r) => r.path === '/chat/completions').at(-1).body.messages;
    const result = rows.find((m) => m.role === 'tool').content;
    assert.deepEqual(JSON.parse(result.replace('elicitation: ', '')),
      { action: 'accept', content: { colour: 'blue', count: 2, urgent: true } });
    assert.deepEqual(t.problems, []);
  } finally {
    await t.close();
  }
});

test('"Ask first" in the settings, then the call waits for Allow or Deny in the chat', async () => {
  const t = await setup();
  try {
    await t.page.goto(`${t.p.url}/settings#mcp`);
    const fake = t.page.getByRole('listitem', { name: 'MCP server fake' });
    await fake.getByText(/^\d+ tools$/).click();
    await fake.getByText('destructive').waitFor();
    await fake.getByRole('button', { name: 'Ask first before wipe of fake' }).click();
    await t.page.getByRole('status').filter({ hasText: 'wipe: ask first.' }).waitFor();
    assert.equal(await fake.getByLabel('Approval of wipe of fake').inputValue(), 'ask');
    await waitForStatus(t.p, (s) => server(s, 'fake').tools.find((x) => x.name === 'wipe').approval === 'ask', { what: 'ask stored' });

    await t.page.goto(`${t.p.url}/`);
    await t.up.script([call('w1', 'wipe', '{"target":"disk"}'), { content: ['It is done.'] }]);
    await send(t.page, 'wipe the disk');
    let card = t.page.getByRole('group', { name: 'Approve wipe' });
    await card.getByText('"target": "disk"').waitFor();
    await t.page.screenshot({ path: join(screenshotDir, 'chat-tool-approval.png') });
    await card.getByRole('button', { name: 'Allow' }).click();
    await t.page.getByRole('article', { name: 'Assistant' }).last().getByText('It is done.').waitFor();
    let rows = (await t.up.requests()).filter((r) => r.path === '/chat/completions').at(-1).body.messages;
    assert.equal(rows.findLast((m) => m.role === 'tool').content, 'wiped disk');

    await t.up.script([call('w2', 'wipe', '{"target":"backup"}'), { content: ['Understood, not wiped.'] }]);
    await send(t.page, 'wipe the backup');
    card = t.page.getByRole('group', { name: 'Approve wipe' });
    await card.getByText('"target": "backup"').waitFor();
    await card.getByRole('button', { name: 'Deny' }).click();
    await t.page.getByRole('article', { name: 'Assistant' }).last().getByText('Understood, not wiped.').waitFor();
    rows = (await t.up.requests()).filter((r) => r.path === '/chat/completions').at(-1).body.messages;
    assert.match(rows.findLast((m) => m.role === 'tool').content, /did not allow this call of wipe \(denied\)/);
    assert.deepEqual(t.problems, []);
  } finally {
    await t.close();
  }
});

test("a server's link (URL-mode elicitation of server-everything) is shown with its site and opened only on a click", async () => {
  const up = await startFakeUpstream();
  const p = await startParley({
    env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-e2e-0123456789', PARLEY_TOOL_TIMEOUT_SECONDS: '60' },
    files: { 'data/mcp_servers.json': JSON.stringify({ servers: [{ id: 'everything', command: [process.execPath, everythingEntry, 'stdio'] }] }) },
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // The link's site is not reachable from here: the popup's request is answered by the test.
  await context.route('https://consent.example.com/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<title>Consent</title>ok' }));
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  try {
    await waitForStatus(p, (s) => server(s, 'everything')?.tools.some((x) => x.name === 'trigger-url-elicitation'), { what: 'URL tool listed' });
    await page.goto(`${p.url}/`);
    const url = 'https://consent.example.com/connect?account=7';
    await up.script([call('u1', 'trigger-url-elicitation', JSON.stringify({ url, message: 'Connect your calendar', elicitationId: 'el-ui' })),
      { content: ['Connected.'] }]);
    await send(page, 'connect my calendar');
    const card = page.getByRole('group', { name: 'Link from everything' });
    await card.getByText('Connect your calendar').waitFor();
    await card.getByText('consent.example.com', { exact: true }).waitFor();
    await card.getByText(url).waitFor();
    assert.equal(context.pages().length, 1, 'nothing opened before the click');
    await page.screenshot({ path: join(screenshotDir, 'chat-elicitation-url.png') });
    const popup = context.waitForEvent('page');
    await card.getByRole('button', { name: 'Open link' }).click();
    const opened = await popup;
    await opened.waitForLoadState();
    assert.equal(opened.url(), url);
    await page.getByRole('article', { name: 'Assistant' }).last().getByText('Connected.').waitFor();
    await card.waitFor({ state: 'detached' });
    const rows = (await up.requests()).filter((r) => r.path === '/chat/completions').at(-1).body.messages;
    assert.match(rows.findLast((m) => m.role === 'tool').content, /User completed the URL elicitation flow[\s\S]*el-ui/);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    await p.stop();
    await up.stop();
  }
});
