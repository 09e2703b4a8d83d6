// Export, import and find in the browser: one conversation downloads as JSON and Markdown from its menu; all of
// them download as one JSON file from Settings > Export & import, which imports back with a summary; a ChatGPT
// conversations.json imports with what was skipped; a malformed file imports nothing and says why. A search
// result opens its conversation at the matching message (far up a long, virtualised conversation), outlined, with
// the words highlighted; the find bar steps through the matches. Screenshots at desktop and phone width.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { screenshotDir, startUiRig, stopUiRig } from '../lib/browser.mjs';

let browser;
let up;
let p;
before(async () => { ({ browser, up, p } = await startUiRig()); });
after(async () => { await stopUiRig({ browser, up, p }); });

// `turns` turns through the real chat route; `special` maps a turn index to extra words in its question.
async function conversation(turns, special = {}) {
  await up.script(Array.from({ length: turns }, (_, i) => ({ content: [`Answer ${i}: some text to make the message a few lines long, with **markdown** in it.\n\n- a\n- b`] })));
  let session = null;
  for (let i = 0; i < turns; i++) {
    const res = await fetch(`${p.url}/api/chat/stream`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...(session ? { session_id: session } : {}), messages: [{ role: 'user', content: `Question ${i} ${special[i] ?? ''}`.trim(), client_message_id: `user_${i}` }],
        metadata: { client_assistant_message_id: `assistant_${i}`, client_parent_message_id: `user_${i}` } }) });
    const text = await res.text();
    session ??= JSON.parse(/event: session\ndata: (.*)/.exec(text)[1]).session_id;
  }
  return session;
}

const total = async () => (await (await fetch(`${p.url}/api/chat/conversations`)).json()).total;

test('export one and all conversations, import them back, a ChatGPT export and a malformed file', async () => {
  await conversation(1, { 0: 'about exporting' });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  try {
    await page.goto(`${p.url}/`);
    const item = page.getByRole('listitem').filter({ hasText: 'Question 0 about exporting' });
    await item.getByRole('button', { name: /^Actions for/ }).click();
    for (const [name, pattern] of [['Export JSON', /^parley-[0-9a-f]{32}\.json$/], ['Export Markdown', /^parley-[0-9a-f]{32}\.md$/]]) {
      const [download] = await Promise.all([page.waitForEvent('download'), item.getByRole('link', { name }).click()]);
      assert.match(download.suggestedFilename(), pattern);
      const body = readFileSync(await download.path(), 'utf8');
      assert.ok(body.includes('Question 0 about exporting'), name);
    }

    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('tab', { name: 'Export & import' }).click();
    const [all] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download all conversations (JSON)' }).click()]);
    assert.match(all.suggestedFilename(), /^parley-conversations-\d{8}T\d{6}Z\.json$/);
    const bundlePath = await all.path();
    const bundle = JSON.parse(readFileSync(bundlePath, 'utf8'));
    const before = await total();
    assert.equal(bundle.conversations.length, before);

    await page.getByLabel('File to import').setInputFiles(bundlePath);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByRole('heading', { name: `Imported ${before} ${before === 1 ? 'conversation' : 'conversations'} from a parley export` }).waitFor();
    assert.equal(await total(), before * 2);
    // The sidebar heard about it.
    await page.getByRole('navigation', { name: 'Navigation' }).or(page.getByRole('complementary', { name: 'Navigation' }))
      .getByRole('listitem').filter({ hasText: 'Question 0 about exporting' }).nth(1).waitFor();

    const chatgpt = [{ title: 'From ChatGPT', create_time: 1700000000, current_node: 'b', mapping: {
      r: { parent: null, children: ['a'], message: null },
      a: { parent: 'r', children: ['t'], message: { author: { role: 'user' }, content: { content_type: 'multimodal_text', parts: ['Describe this', { asset_pointer: 'file-service://img' }] } } },
      t: { parent: 'a', children: ['b'], message: { author: { role: 'assistant' }, recipient: 'python', content: { content_type: 'code', text: 'print(1)' } } },
      b: { parent: 't', children: [], message: { author: { role: 'assistant' }, content: { content_type: 'text', parts: ['A picture of a cat.'] } } } } },
    { title: 'Only system', current_node: 's', mapping: { s: { parent: null, message: { author: { role: 'system' }, content: { content_type: 'text', parts: ['x'] } } } } }];
    await page.getByLabel('File to import').setInputFiles({ name: 'conversations.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(chatgpt)) });
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByRole('heading', { name: 'Imported 1 conversation from a ChatGPT export' }).waitFor();
    const summary = page.getByRole('region', { name: /Imported 1 conversation/ });
    assert.match(await summary.innerText(), /2 messages imported, 2 messages or attachments left out/);
    assert.match(await summary.innerText(), /Only system: no user or assistant text along current_node/);
    await page.screenshot({ path: join(screenshotDir, 'import-summary.png') });
    await summary.getByRole('link', { name: 'From ChatGPT' }).click();
    await page.getByRole('article', { name: 'Assistant' }).filter({ hasText: 'A picture of a cat.' }).waitFor();

    const count = await total();
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('tab', { name: 'Export & import' }).click();
    await page.getByLabel('File to import').setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"conversations": [{"messages": [{"role": "wizard"}]}]}') });
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: /Nothing was imported: conversations\.0\.messages\.0\.role: Value error, role must be/ }).waitFor();
    assert.equal(await total(), count);
    await page.screenshot({ path: join(screenshotDir, 'import-error.png') });
  } finally { await context.close(); }
});

test('a search result opens the conversation at the matching message, highlighted, and find steps through matches', async () => {
  const session = await conversation(120, { 3: 'zanzibar spices', 60: 'more about Zanzibar', 110: 'zanzibar once more' });
  for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(String(e)));
    try {
      await page.addInitScript(() => {
        window.__long = [];
        new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(e.duration); }).observe({ type: 'longtask', buffered: true });
      });
      await page.goto(`${p.url}/`);
      const phone = viewport.width < 500;
      if (phone) await page.getByRole('button', { name: 'Open navigation' }).click();
      await page.getByRole('searchbox', { name: 'Search conversations' }).fill('zanzibar');
      const result = page.getByRole('link', { name: /Question 0/ }).filter({ hasText: /zanzibar/i });
      await result.waitFor();
      await result.click();
      assert.equal(new URL(page.url()).pathname, `/c/${session}`);
      const bar = page.getByRole('search', { name: 'Find in conversation' });
      await bar.getByRole('status').filter({ hasText: '1 of 3' }).waitFor();
      const found = page.locator('.item.found');
      await found.filter({ hasText: 'Question 3 zanzibar spices' }).waitFor();
      // It is on screen, far from the bottom where a conversation opens, in a virtualised list.
      const box = await found.boundingBox();
      const view = await page.locator('.messages').boundingBox();
      assert.ok(box.y >= view.y - 1 && box.y < view.y + view.height, `the match is in view (${box.y} in ${view.y}..${view.y + view.height})`);
      assert.ok(await page.locator('.messages article').count() < 80, 'only a window is rendered');
      const highlighted = await page.evaluate(() => [...(CSS.highlights.get('parley-find') ?? [])].map((r) => r.toString()));
      assert.ok(highlighted.length >= 1 && highlighted.every((t) => t.toLowerCase() === 'zanzibar'), highlighted.join(','));
      await page.screenshot({ path: join(screenshotDir, `find-${phone ? 'phone' : 'desktop'}.png`) });

      await bar.getByRole('button', { name: 'Next match' }).click();
      await found.filter({ hasText: 'Question 60 more about Zanzibar' }).waitFor();
      await bar.getByRole('status').filter({ hasText: '2 of 3' }).waitFor();
      await page.getByRole('searchbox', { name: 'Find in conversation' }).press('Shift+Enter');
      await page.getByRole('searchbox', { name: 'Find in conversation' }).press('Shift+Enter');
      await found.filter({ hasText: 'Question 110 zanzibar once more' }).waitFor();
      await bar.getByRole('status').filter({ hasText: '3 of 3' }).waitFor();
      // Another word, typed in the bar.
      await page.getByRole('searchbox', { name: 'Find in conversation' }).fill('spices');
      await bar.getByRole('status').filter({ hasText: '1 of 1' }).waitFor();
      await found.filter({ hasText: 'Question 3 zanzibar spices' }).waitFor();
      await page.getByRole('searchbox', { name: 'Find in conversation' }).press('Escape');
      await bar.waitFor({ state: 'detached' });
      assert.equal(await page.locator('.item.found').count(), 0);
      assert.equal(await page.evaluate(() => CSS.highlights.has('parley-find')), false);
      console.log(`# find (${viewport.width} px): long tasks ${JSON.stringify(await page.evaluate(() => window.__long.map(Math.round)))}`);
      assert.deepEqual(problems, []);
    } finally { await context.close(); }
  }
});
