// The chat client in headless Chromium against the real binary and the scriptable fake model: streaming
// markdown, hostile output, stop (the upstream sees the cancel), edit and resend, retry, delete, a tool-call card,
// generation details, the conversation list with server search, rename and delete, and a phone-sized layout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launchChromium, screenshotDir } from '../lib/browser.mjs';
import { startParley, repoRoot } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';
import { fakeServer, waitForStatus } from '../integration/mcp_helpers.mjs';
import { sql } from '../integration/uploads_helpers.mjs';

const shots = screenshotDir;
let browser;

before(async () => {
  browser = await launchChromium();
});
after(async () => { await browser?.close(); });

async function setup({ mcp = [], viewport } = {}) {
  const up = await startFakeUpstream();
  const p = await startParley({
    env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-e2e-0123456789' },
    files: { 'data/mcp_servers.json': JSON.stringify({ servers: mcp }) },
  });
  const context = await browser.newContext({ viewport: viewport ?? { width: 1280, height: 860 }, permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('dialog', (d) => { problems.push(`dialog opened: ${d.message()}`); d.dismiss(); });
  await page.goto(`${p.url}/`);
  await page.getByRole('textbox', { name: 'Message' }).waitFor();
  return {
    up, p, page, context, problems,
    async close() { await context.close(); await p.stop(); await up.stop(); },
    async api(path, init) { const r = await fetch(`${p.url}${path}`, init); return r.status === 204 ? null : r.json(); },
  };
}

async function sendMessage(page, text) {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('textbox', { name: 'Message' }).press('Enter');
}

const assistant = (page) => page.getByRole('article', { name: 'Assistant' });
const sessionOf = (page) => decodeURIComponent(new URL(page.url()).pathname.replace(/^\/c\//, ''));

test('an answer streams as sanitised markdown with highlighted code and a working copy button', async () => {
  const t = await setup();
  try {
    await t.up.script([{ delay_ms: 40, content: [
      '# Plan\n\nHere is **bold** text and a [safe link](https://example.com).\n\n',
      '<img src=x onerror="window.__pwned=1"> [bad](javascript:window.__pwned=2) ![tracker](https://evil.example/t.png)\n\n',
      '```python\ndef add(a, b):\n', '    return a + b\n```\n\n', '| a | b |\n|---|---|\n| 1 | 2 |\n',
    ] }]);
    await sendMessage(t.page, 'Show me markdown');
    const reply = assistant(t.page).last();
    // While streaming, the stop button is there; the text grows.
    await t.page.getByRole('button', { name: 'Stop generating' }).waitFor();
    await reply.locator('h1', { hasText: 'Plan' }).waitFor();
    await reply.locator('.code-block .code-lang', { hasText: 'python' }).waitFor();
    await reply.locator('td', { hasText: '2' }).waitFor();
    await t.page.getByRole('button', { name: 'Send message' }).waitFor();
    assert.equal(await reply.locator('strong').innerText(), 'bold');
    assert.equal(await reply.locator('.hljs-keyword').first().innerText(), 'def');
    assert.equal(await reply.locator('a', { hasText: 'safe link' }).getAttribute('target'), '_blank');
    // Hostile parts: the raw tag is text, the javascript: link has no href, the remote image is only a link.
    assert.match(await reply.innerText(), /<img src=x onerror/);
    assert.equal(await reply.locator('img').count(), 0);
    assert.equal(await reply.locator('a[href^="javascript"]').count(), 0);
    assert.equal(await reply.locator('a.image-link').getAttribute('href'), 'https://evil.example/t.png');
    assert.equal(await t.page.evaluate(() => window.__pwned), undefined);
    // Usage and cost from the metadata event.
    assert.match(await reply.locator('footer').innerText(), /19 tokens/);
    await reply.getByRole('button', { name: 'Copy code' }).click();
    await reply.getByRole('button', { name: 'Copy code' }).filter({ hasText: 'Copied' }).waitFor();
    assert.equal(await t.page.evaluate(() => navigator.clipboard.readText()), 'def add(a, b):\n    return a + b\n');
    await t.page.screenshot({ path: join(shots, 'chat-markdown.png') });
    // Generation details come from GET /api/chat/generation/{id}.
    await reply.getByRole('button', { name: 'Details' }).click();
    const dialog = t.page.getByRole('dialog', { name: 'Generation details' });
    await dialog.locator('dt', { hasText: 'Prompt tokens' }).waitFor();
    assert.match(await dialog.innerText(), /Completion tokens\s*7/);
    await t.page.screenshot({ path: join(shots, 'chat-generation-details.png') });
    await dialog.getByRole('button', { name: 'Close' }).click();
    assert.deepEqual(t.problems, []);
  } finally { await t.close(); }
});

test('stop cancels the turn upstream; retry and edit-and-resend replace the stored turn', async () => {
  const t = await setup();
  try {
    await t.up.script([{ delay_ms: 150, content: Array.from({ length: 60 }, (_, i) => `word${i} `) }]);
    await sendMessage(t.page, 'Write a long story');
    const reply = assistant(t.page).last();
    await reply.getByText('word3').waitFor();
    await t.page.getByRole('button', { name: 'Stop generating' }).click();
    await reply.getByText('Stopped').waitFor();
    // The upstream connection was closed by parley when the browser aborted the fetch.
    await t.up.waitFor({ closed_early: 1 }, 3000);
    assert.equal((await t.up.closed()).closed_early, 1);
    const session = sessionOf(t.page);
    assert.match(session, /^[0-9a-f]{32}$/);
    await t.page.screenshot({ path: join(shots, 'chat-stopped.png') });

    // Retry: the old turn is deleted and the same question asked again.
    await t.up.script([{ content: ['Second answer.'] }]);
    await reply.getByRole('button', { name: 'Retry this answer' }).click();
    await assistant(t.page).filter({ hasText: 'Second answer.' }).waitFor();
    await t.page.getByRole('button', { name: 'Send message' }).waitFor();
    let history = await t.api(`/api/chat/session/${session}/messages`);
    assert.deepEqual(history.messages.filter((m) => m.role === 'user').map((m) => m.content), ['Write a long story']);
    assert.deepEqual(history.messages.filter((m) => m.role === 'assistant').map((m) => m.content), ['Second answer.']);

    // Edit and resend.
    await t.up.script([{ content: ['Edited answer.'] }]);
    const you = t.page.getByRole('article', { name: 'You' }).first();
    await you.hover();
    await you.getByRole('button', { name: 'Edit message' }).click();
    await you.getByRole('textbox', { name: 'Edit message' }).fill('Write a short poem');
    await you.getByRole('button', { name: 'Save and send' }).click();
    await assistant(t.page).filter({ hasText: 'Edited answer.' }).waitFor();
    await t.page.getByRole('button', { name: 'Send message' }).waitFor();
    assert.equal(await t.page.getByRole('article', { name: 'You' }).count(), 1);
    assert.equal(await t.page.getByRole('article', { name: 'You' }).innerText().then((s) => s.includes('Write a short poem')), true);
    history = await t.api(`/api/chat/session/${session}/messages`);
    assert.deepEqual(history.messages.filter((m) => m.role !== 'system').map((m) => [m.role, m.content]),
      [['user', 'Write a short poem'], ['assistant', 'Edited answer.']]);
    // The last user turn sent upstream carries only the new text.
    const chats = (await t.up.requests()).filter((r) => r.path === '/chat/completions');
    assert.equal(chats.at(-1).body.messages.filter((m) => m.role === 'user').at(-1).content, 'Write a short poem');

    // Delete the answer, then reload: the stored history shows the user message alone.
    await assistant(t.page).last().getByRole('button', { name: 'Delete this answer' }).click();
    await assistant(t.page).waitFor({ state: 'detached' });
    await t.page.reload();
    await t.page.getByRole('article', { name: 'You' }).filter({ hasText: 'Write a short poem' }).waitFor();
    assert.equal(await assistant(t.page).count(), 0);
    assert.deepEqual(t.problems, []);
  } finally { await t.close(); }
});

test('an upstream error is shown once, from the error event', async () => {
  const t = await setup();
  try {
    await t.up.script([{ status: 400, message: 'openai/gpt-99 is not a valid model ID' }]);
    await sendMessage(t.page, 'Hello');
    const alert = assistant(t.page).getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Error\s*400:\s*openai\/gpt-99 is not a valid model ID/);
    assert.doesNotMatch(await assistant(t.page).innerText(), /Error: \{/, 'the compatibility chunk is not shown as text');
    await t.page.screenshot({ path: join(shots, 'chat-error.png') });
  } finally { await t.close(); }
});

test('a tool call shows as a card with arguments, result, status and duration', async () => {
  const t = await setup({ mcp: [{ id: 'fake', command: [process.execPath, fakeServer] }] });
  try {
    await waitForStatus(t.p, (s) => s.servers[0]?.state === 'connected', { what: 'the fake MCP server connected' });
    await t.up.script([
      { tool_fragments: [{ index: 0, id: 'call_e1', type: 'function', function: { name: 'echo', arguments: '' } },
        { index: 0, function: { arguments: '{"message":' } }, { index: 0, function: { arguments: '"hi there"}' } }] },
      { content: ['The tool said **hi there**.'] },
    ]);
    await sendMessage(t.page, 'Use the echo tool');
    const card = t.page.locator('details.tool-card');
    await assistant(t.page).locator('strong', { hasText: 'hi there' }).waitFor();
    assert.equal(await card.locator('.name').innerText(), 'echo');
    assert.equal(await card.locator('.status').innerText(), 'done');
    assert.match(await card.locator('.duration').innerText(), /^(< 1 ms|\d+ ms|\d+\.\d s)$/);
    await card.locator('summary').click();
    assert.match(await card.locator('pre').first().innerText(), /"message": "hi there"/);
    assert.equal(await card.locator('pre.result').innerText(), 'echo: hi there');
    await t.page.screenshot({ path: join(shots, 'chat-tool-card.png') });
    // The stored history rebuilds the same card.
    await t.page.reload();
    await t.page.locator('details.tool-card .status', { hasText: 'done' }).waitFor();
    assert.deepEqual(t.problems, []);
  } finally { await t.close(); }
});

test('the sidebar lists conversations newest first, searches on the server, renames, exports and deletes', async () => {
  const t = await setup();
  try {
    for (const [q, a] of [['Tell me about zebras', 'Zebras have stripes.'], ['Explain quantum tunnelling', 'Particles pass barriers.']]) {
      await t.up.script([{ content: [a] }]);
      await t.page.getByRole('button', { name: 'New chat', exact: true }).click();
      await sendMessage(t.page, q);
      await assistant(t.page).filter({ hasText: a }).waitFor();
      await t.page.getByRole('button', { name: 'Send message' }).waitFor();
      // updated_at has second precision (api.md §3.9): rather than wait for the clock, the conversations so
      // far become a minute older, so the next one is certainly newer.
      sql(t.p.home, "UPDATE conversations SET updated_at = datetime(updated_at, '-1 minute')");
    }
    const list = t.page.getByRole('list', { name: 'Conversations' });
    await list.getByRole('link').nth(1).waitFor();
    assert.deepEqual((await list.getByRole('link').locator('.title').allInnerTexts()), ['Explain quantum tunnelling', 'Tell me about zebras']);
    await t.page.screenshot({ path: join(shots, 'sidebar.png') });

    // Server-side full-text search, by word prefix.
    await t.page.keyboard.press('Control+k');
    assert.equal(await t.page.evaluate(() => document.activeElement?.id), 'conversation-search');
    await t.page.keyboard.type('zebr');
    await list.getByRole('link', { name: /Tell me about zebras/ }).waitFor();
    await t.page.waitForFunction(() => document.querySelectorAll('[aria-label="Conversations"] a').length === 1);
    assert.match(await list.locator('.snippet').innerText(), /[Zz]ebra/);
    await t.page.screenshot({ path: join(shots, 'sidebar-search.png') });
    await list.getByRole('link', { name: /Tell me about zebras/ }).click();
    await assistant(t.page).filter({ hasText: 'Zebras have stripes.' }).waitFor();
    assert.equal(await t.page.getByRole('article', { name: 'You' }).innerText().then((s) => s.includes('Tell me about zebras')), true);

    // Rename.
    await t.page.getByRole('searchbox', { name: 'Search conversations' }).fill('');
    await list.getByRole('link').nth(1).waitFor();
    await list.getByRole('button', { name: 'Actions for Tell me about zebras' }).click();
    await list.getByRole('button', { name: 'Rename' }).click();
    await list.getByRole('textbox', { name: 'New title' }).fill('Stripy horses');
    await list.getByRole('textbox', { name: 'New title' }).press('Enter');
    await list.getByRole('link', { name: /Stripy horses/ }).waitFor();
    const session = sessionOf(t.page);
    assert.equal((await t.api(`/api/chat/session/${session}/messages`)).title, 'Stripy horses');

    // Export links point at the export route.
    await list.getByRole('button', { name: 'Actions for Stripy horses' }).click();
    assert.equal(await list.getByRole('link', { name: 'Export Markdown' }).getAttribute('href'), `/api/chat/session/${session}/export?format=markdown`);
    const download = t.page.waitForEvent('download');
    await list.getByRole('link', { name: 'Export JSON' }).click();
    assert.equal((await download).suggestedFilename(), `parley-${session}.json`);

    // Delete (two steps) removes it on the server and leaves the open chat.
    await list.getByRole('button', { name: 'Delete' }).click();
    await list.getByRole('button', { name: 'Confirm delete' }).click();
    await list.getByRole('link', { name: /Stripy horses/ }).waitFor({ state: 'detached' });
    assert.equal(new URL(t.page.url()).pathname, '/');
    const remaining = await t.api('/api/chat/conversations');
    assert.deepEqual(remaining.conversations.map((c) => c.title), ['Explain quantum tunnelling']);
    assert.deepEqual(t.problems, []);
  } finally { await t.close(); }
});

test('on a phone-sized screen the navigation is a drawer and the chat fills the width', async () => {
  const t = await setup({ viewport: { width: 390, height: 780 } });
  try {
    await t.up.script([{ content: ['Short answer with `code`.'] }]);
    await sendMessage(t.page, 'Hi from a phone');
    await assistant(t.page).filter({ hasText: 'Short answer' }).waitFor();
    const box = await assistant(t.page).boundingBox();
    assert.ok(box.width > 300, `the answer uses the width (${box.width}px)`);
    assert.ok((await t.page.locator('aside').boundingBox()).x + (await t.page.locator('aside').boundingBox()).width <= 0, 'the drawer is closed');
    await t.page.screenshot({ path: join(shots, 'mobile-chat.png') });
    await t.page.getByRole('button', { name: 'Open navigation' }).click();
    await t.page.getByRole('list', { name: 'Conversations' }).getByRole('link').first().waitFor();
    await t.page.waitForFunction(() => document.querySelector('aside').getBoundingClientRect().x >= 0);
    await t.page.screenshot({ path: join(shots, 'mobile-drawer.png') });
    await t.page.keyboard.press('Escape');
    await t.page.waitForFunction(() => document.querySelector('aside').getBoundingClientRect().right <= 0);
    assert.deepEqual(t.problems, []);
  } finally { await t.close(); }
});

test('attachments over the limit or of another type are refused before any upload', async () => {
  const t = await setup();
  try {
    const uploads = [];
    t.page.on('request', (r) => { if (r.url().includes('/api/uploads')) uploads.push(r.url()); });
    await t.page.getByRole('button', { name: /Attach files \(PNG, JPEG, WebP, GIF or PDF, up to 10 MB each\)/ }).waitFor();
    const input = t.page.locator('input[type=file]');
    await input.setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(10 * 1024 * 1024 + 1) });
    await t.page.getByRole('alert').filter({ hasText: 'huge.png is 10.0 MB; the limit is 10 MB.' }).waitFor();
    await input.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    await t.page.getByRole('alert').filter({ hasText: 'notes.txt: only PNG, JPEG, WebP, GIF or PDF' }).waitFor();
    assert.deepEqual(uploads, []);
    assert.equal(await t.page.getByRole('list', { name: 'Attachments' }).count(), 0);
  } finally { await t.close(); }
});

test('the conversation list loads further pages as it scrolls', async () => {
  const t = await setup();
  try {
    await t.up.script(Array.from({ length: 55 }, (_, i) => ({ content: [`answer ${i}`] })));
    for (let i = 0; i < 55; i++) {
      const res = await fetch(`${t.p.url}/api/chat/stream`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: `Topic ${i}` }] }) });
      await res.text();
    }
    await t.page.reload();
    const list = t.page.getByRole('list', { name: 'Conversations' });
    await t.page.getByText('55 conversations').waitFor();
    await list.getByRole('link').nth(49).waitFor();
    assert.equal(await list.getByRole('link').count(), 50, 'the first page');
    await list.getByRole('link').nth(49).scrollIntoViewIfNeeded();
    await list.getByRole('link').nth(54).waitFor();
    assert.equal(await list.getByRole('link').count(), 55);
    const titles = await list.locator('.title').allInnerTexts();
    assert.equal(new Set(titles).size, 55, 'no conversation twice');
    assert.deepEqual(t.problems, []);
  } finally { await t.close(); }
});
