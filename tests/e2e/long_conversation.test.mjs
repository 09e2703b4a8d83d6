// P8 (performance.md): a 1,000-message conversation opens (the shell's parts in separate tasks, at most two
// messages rendered per task) and scrolls to its first message with a bounded DOM in headless Chromium, and the
// UI's JavaScript + CSS stay under 250 KB gzip. The tasks' lengths are taken from a Chromium trace as main-thread
// CPU time (RunTask `tdur`) and printed; the 50 ms target itself is a timing target and is measured by
// bench/web_ui.mjs, not asserted here (on a shared 2-core VM a slow hour made the same build's longest task
// 52-91 ms in this test while the committed bench had measured 20 ms).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { launchChromium, screenshotDir } from '../lib/browser.mjs';
import { startParley, repoRoot, webDist } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';
import { makeLongConversation } from '../lib/long_conversation.mjs';
import { pageMainThreadTasks, taskCategories } from '../lib/trace.mjs';

const shots = screenshotDir;
let browser;
// Resolves in the page once its main thread is idle: the work queued so far (rendering, the long-task
// observer's callbacks) has run.
const idle = (page) => page.evaluate(() => new Promise((resolve) => requestIdleCallback(() => resolve(), { timeout: 2000 })));
before(async () => {
  browser = await launchChromium();
});
after(async () => { await browser?.close(); });

test('the built UI is under 250 KB of JavaScript and CSS (gzip)', () => {
  const assets = join(webDist, 'assets');
  let total = 0;
  for (const f of readdirSync(assets)) if (/\.(js|css)$/.test(f)) total += gzipSync(readFileSync(join(assets, f)), { level: 9 }).length;
  assert.ok(total > 10_000, 'the assets were found');
  assert.ok(total <= 250 * 1024, `JS + CSS gzip is ${total} bytes`);
});

test('a 1,000-message conversation opens in small tasks and scrolls to the top with a bounded DOM', async () => {
  const up = await startFakeUpstream();
  const p = await startParley({ env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-e2e-0123456789' }, files: { 'data/mcp_servers.json': '{"servers":[]}' } });
  try {
    const session = await makeLongConversation(p, up, 500);
    const history = await (await fetch(`${p.url}/api/chat/session/${session}/messages`)).json();
    assert.equal(history.messages.filter((m) => m.role !== 'system').length, 1000);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.addInitScript(() => {
      window.__long = [];
      new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__long.push({ start: e.startTime, duration: e.duration }); })
        .observe({ type: 'longtask', buffered: true });
      // Every message the list renders (its key), to check that opening renders only the last ones; and what each
      // batch of DOM changes added (a callback gets the changes of one task, or of part of one): the messages, and
      // which of the shell's big parts (message list, conversation list, composer).
      window.__rendered = new Set();
      window.__batches = [];
      const parts = ['.messages', '.conversations', 'form.composer'];
      new MutationObserver((records) => {
        const batch = { items: 0, parts: [] };
        for (const r of records) {
          for (const n of r.addedNodes) {
            if (n.nodeType !== 1) continue;
            if (n.matches('.item[data-key]')) { window.__rendered.add(n.dataset.key); batch.items++; }
            for (const p of parts) if ((n.matches(p) || n.querySelector(p)) && !batch.parts.includes(p)) batch.parts.push(p);
          }
        }
        if (batch.items || batch.parts.length) window.__batches.push(batch);
      }).observe(document, { childList: true, subtree: true });
    });
    // Opening: loading the page, the history of 1,000 messages and the first render of its last ones, traced.
    await browser.startTracing(page, { categories: taskCategories });
    await page.goto(`${p.url}/c/${session}`);
    await page.getByRole('article', { name: 'You' }).filter({ hasText: 'Question number 499' }).waitFor();
    await idle(page);
    const openCpu = pageMainThreadTasks(await browser.stopTracing()).sort((a, b) => b - a);
    const openTasks = await page.evaluate(() => window.__long.splice(0));
    // It opens at the bottom, the last answer in view.
    assert.ok(await page.evaluate(() => { const s = document.querySelector('.messages'); return s.scrollHeight - s.scrollTop - s.clientHeight < 2; }), 'scrolled to the bottom');
    assert.ok(await page.getByRole('article', { name: 'Assistant' }).last().isVisible(), 'the last answer is shown');
    // Only the end of the conversation was rendered on the way (not its first messages, then the last ones).
    const rendered = await page.evaluate(() => [...window.__rendered]);
    assert.ok(!rendered.includes('user_0') && rendered.length <= 30, `messages rendered while opening: ${rendered.join(' ')}`);
    // The work of opening comes in small tasks, whatever the machine's load (wall-clock long tasks on a busy 2-core
    // machine are 2-3 times a task's CPU time): the shell's message list, conversation list and composer are each
    // rendered in a task of their own, and the conversation's messages at most two a task.
    const batches = await page.evaluate(() => window.__batches.splice(0));
    assert.ok(batches.every((b) => b.parts.length <= 1), `the shell's parts rendered together: ${JSON.stringify(batches.filter((b) => b.parts.length > 1))}`);
    assert.deepEqual(batches.flatMap((b) => b.parts).sort(), ['.conversations', '.messages', 'form.composer'], 'each part of the shell rendered once');
    const mostItems = Math.max(...batches.map((b) => b.items));
    assert.ok(mostItems <= 2, `at most two messages rendered in one task while opening (most: ${mostItems})`);
    console.log(`# P8: ${openCpu.length} main-thread tasks while opening; longest CPU times (ms): ${openCpu.slice(0, 5).map((x) => x.toFixed(1)).join(', ')}`);
    assert.ok(openCpu.length > 0, 'the trace has the main thread\'s tasks while opening');
    // Scroll up until the first question is rendered, like a reader would, in wheel steps.
    const scroller = page.locator('.messages');
    const box = await scroller.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const first = page.locator('article .text').filter({ hasText: /^Question number 0$/ });
    await browser.startTracing(page, { categories: taskCategories });
    // A fast reader: 600 px per wheel step, one step a frame, until the top.
    const atTop = () => page.evaluate(() => document.querySelector('.messages').scrollTop === 0);
    const nextFrame = () => page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve())));
    for (let i = 0; i < 4000 && !(await atTop()); i++) {
      await page.mouse.wheel(0, -600);
      await nextFrame();
    }
    assert.ok(await atTop(), 'reached the top');
    await first.waitFor();
    const scrollCpu = pageMainThreadTasks(await browser.stopTracing());
    const firstBox = await first.boundingBox();
    assert.ok(firstBox.y >= box.y && firstBox.y < box.y + box.height, 'the first question is on screen');
    // Only a window of the conversation is in the DOM.
    assert.ok(await page.locator('article').count() < 80, `${await page.locator('article').count()} articles rendered`);
    await idle(page);
    const scrollTasks = await page.evaluate(() => window.__long.splice(0));
    await page.screenshot({ path: join(shots, 'long-conversation-top.png') });
    console.log(`# P8: long tasks while opening: ${JSON.stringify(openTasks.map((t) => Math.round(t.duration)))}; while scrolling: ${JSON.stringify(scrollTasks.map((t) => Math.round(t.duration)))}`);
    assert.ok(scrollCpu.length > 100, `the trace has the main thread's tasks (${scrollCpu.length})`);
    const cpuMs = scrollCpu.sort((a, b) => b - a);
    console.log(`# P8: ${cpuMs.length} main-thread tasks while scrolling; longest CPU times (ms): ${cpuMs.slice(0, 5).map((x) => x.toFixed(1)).join(', ')}`);
    await context.close();
  } finally { await p.stop(); await up.stop(); }
});
