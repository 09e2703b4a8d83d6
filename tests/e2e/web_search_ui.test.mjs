// Web search in the browser: the composer's toggle adds OpenRouter's web plugin and search options to the turn,
// is remembered per conversation (also across a reload), and the url citations the fake upstream streams (in
// OpenRouter's annotation format) are shown under the answer and with their excerpts in the details dialog, live
// and from stored history. Screenshots at desktop and phone width.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { screenshotDir, startUiRig, stopUiRig } from '../lib/browser.mjs';

let browser;
let up;
let p;
before(async () => { ({ browser, up, p } = await startUiRig()); });
after(async () => { await stopUiRig({ browser, up, p }); });

const lastChat = async () => (await up.requests()).filter((r) => r.path === '/chat/completions').at(-1).body;

async function send(page, text) {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('textbox', { name: 'Message' }).press('Enter');
  await page.getByRole('button', { name: 'Send message' }).waitFor();
}

test('the web search toggle sends the plugin, is remembered per conversation, and the sources are shown', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  try {
    await page.goto(`${p.url}/`);
    const toggle = page.getByRole('button', { name: 'Search the web' });
    assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
    const options = page.getByRole('group', { name: 'Web search options' });
    await options.getByLabel('Context').selectOption('high');
    await options.getByLabel('Results').selectOption('3');
    await up.script([{ content: ['Lisbon has [trams](https://source1.example/page) and great food.'], web_search: true }]);
    await send(page, 'What is Lisbon like?');
    const sent = await lastChat();
    assert.deepEqual(sent.plugins, [{ id: 'web', max_results: 3 }]);
    assert.deepEqual(sent.web_search_options, { search_context_size: 'high' });

    const sources = page.getByRole('navigation', { name: 'Sources' });
    await sources.waitFor();
    assert.deepEqual(await sources.getByRole('link').allInnerTexts(), ['Source 1', 'Source 2', 'Source 3']);
    assert.equal(await sources.getByRole('link').first().getAttribute('href'), 'https://source1.example/page');
    assert.equal(await sources.getByRole('link').first().getAttribute('rel'), 'noopener noreferrer nofollow');
    await page.screenshot({ path: join(screenshotDir, 'web-search-answer.png') });
    await page.getByRole('button', { name: 'Details of this answer' }).click();
    const dialog = page.getByRole('dialog', { name: 'Generation details' });
    await dialog.getByRole('heading', { name: 'Sources (3)' }).waitFor();
    await dialog.getByText('Excerpt 2 of the page.').waitFor();
    await page.screenshot({ path: join(screenshotDir, 'web-search-details.png') });
    await page.keyboard.press('Escape');
    const searched = new URL(page.url()).pathname;

    // From stored history after a reload: the sources and the setting are still there.
    await page.reload();
    await page.getByRole('navigation', { name: 'Sources' }).getByRole('link', { name: 'Source 3' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Search the web' }).getAttribute('aria-pressed'), 'true');
    assert.equal(await page.getByRole('group', { name: 'Web search options' }).getByLabel('Context').inputValue(), 'high');
    assert.equal(await page.getByRole('group', { name: 'Web search options' }).getByLabel('Results').inputValue(), '3');

    // A new chat starts without search; its turn carries no plugin.
    await page.getByRole('button', { name: 'New chat' }).click();
    assert.equal(await page.getByRole('button', { name: 'Search the web' }).getAttribute('aria-pressed'), 'false');
    await up.script([{ content: ['Plain answer.'] }]);
    await send(page, 'No search here');
    assert.equal((await lastChat()).plugins, undefined);
    assert.equal((await lastChat()).web_search_options, undefined);
    assert.equal(await page.getByRole('navigation', { name: 'Sources' }).count(), 0);

    // Back in the first conversation, search is on again; a follow-up searches too.
    await page.getByRole('link', { name: /What is Lisbon like/ }).click();
    await page.getByRole('navigation', { name: 'Sources' }).waitFor();
    assert.equal(new URL(page.url()).pathname, searched);
    assert.equal(await page.getByRole('button', { name: 'Search the web' }).getAttribute('aria-pressed'), 'true');
    await up.script([{ content: ['More.'], web_search: true }]);
    await send(page, 'And Porto?');
    assert.deepEqual((await lastChat()).plugins, [{ id: 'web', max_results: 3 }]);
    assert.deepEqual(problems, []);
  } finally { await context.close(); }
});

test('phone width: the toggle, its options and the sources fit', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  try {
    await page.goto(`${p.url}/`);
    await page.getByRole('button', { name: 'Search the web' }).click();
    await up.script([{ content: ['Short cited answer.'], web_search: true }]);
    await send(page, 'Phone search');
    await page.getByRole('navigation', { name: 'Sources' }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling (${overflow} px)`);
    await page.screenshot({ path: join(screenshotDir, 'web-search-phone.png') });
  } finally { await context.close(); }
});
