// Accessibility in headless Chromium: axe-core (WCAG 2.2 A/AA and best practices) on every view and dialog, in
// the light and the dark theme and at phone width, with zero serious or critical violations; keyboard-only use
// (skip link, visible focus on every stop, Escape closes dialogs and the phone's drawer and gives focus back,
// the closed drawer is out of the tab order); live regions for answers and errors; reduced motion.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { screenshotDir, startUiRig, stopUiRig } from '../lib/browser.mjs';
import { startParley } from '../lib/parley.mjs';

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
let browser;
let up;
let p;
before(async () => { ({ browser, up, p } = await startUiRig()); });
after(async () => { await stopUiRig({ browser, up, p }); });

async function open({ viewport = { width: 1280, height: 800 }, colorScheme = 'light', reducedMotion = 'no-preference', path = '/' } = {}) {
  const context = await browser.newContext({ viewport, colorScheme, reducedMotion });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(`${p.url}${path}`);
  return { context, page, problems };
}

// Runs axe on the page as it is; fails with the serious and critical violations, listed readably.
async function audit(page, where) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const text = bad.map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.slice(0, 5).map((n) => `    ${n.target.join(' ')} ${n.failureSummary?.split('\n').slice(1, 3).join(' ') ?? ''}`).join('\n')}`).join('\n');
  assert.equal(bad.length, 0, `axe on ${where}:\n${text}`);
  return result.violations.length;
}

async function sendMessage(page, text) {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('textbox', { name: 'Message' }).press('Enter');
  await page.getByRole('button', { name: 'Send message' }).waitFor();
}

for (const colorScheme of ['light', 'dark']) {
  test(`axe finds no serious or critical violation on any view or dialog (${colorScheme} theme)`, async () => {
    const { context, page, problems } = await open({ colorScheme });
    try {
      await page.getByRole('textbox', { name: 'Message' }).waitFor();
      await audit(page, 'the empty chat');

      // A conversation with a web search answer (sources), the find bar, and the answer's details with sources.
      await page.getByRole('button', { name: 'Search the web' }).click();
      await page.getByRole('group', { name: 'Web search options' }).waitFor();
      await up.script([{ content: ['Porto and **Lisbon** are both lovely.\n\n```js\nconst x = 1;\n```'], web_search: true }]);
      await sendMessage(page, `Where should I travel? (${colorScheme})`);
      await page.getByRole('navigation', { name: 'Sources' }).waitFor();
      await audit(page, 'a conversation with a cited answer');
      await page.keyboard.press('Control+Shift+F');
      await page.getByRole('searchbox', { name: 'Find in conversation' }).fill('lisbon');
      await page.getByRole('status').filter({ hasText: '1 of 1' }).waitFor();
      await audit(page, 'the find bar');
      await page.getByRole('searchbox', { name: 'Find in conversation' }).press('Escape');
      await page.getByRole('button', { name: 'Details of this answer' }).click();
      await page.getByRole('dialog', { name: 'Generation details' }).getByRole('heading', { name: /Sources/ }).waitFor();
      await audit(page, 'the details dialog');
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });

      await page.getByRole('button', { name: /Change model/ }).click();
      await page.getByRole('dialog', { name: 'Choose a model' }).getByRole('button', { name: 'Use openai/gpt-4o-mini' }).waitFor();
      await audit(page, 'the model picker');
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });

      await page.locator('body').click({ position: { x: 700, y: 300 } });
      await page.keyboard.press('?');
      await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
      await audit(page, 'the shortcuts dialog');
      await page.keyboard.press('Escape');

      await page.getByRole('button', { name: /^Actions for/ }).first().click();
      await page.getByRole('group', { name: 'Conversation actions' }).waitFor();
      await audit(page, 'the conversation menu');

      await page.getByRole('link', { name: 'Settings' }).click();
      const tabs = page.getByRole('tablist', { name: 'Settings sections' }).getByRole('tab');
      for (let i = 0; i < await tabs.count(); i++) {
        const tab = tabs.nth(i);
        const name = await tab.innerText();
        await tab.click();
        await page.getByRole('tabpanel').waitFor();
        await page.waitForLoadState('networkidle');
        await audit(page, `settings: ${name}`);
      }
      // The import summary.
      await page.getByRole('tab', { name: 'Export & import' }).click();
      await page.getByLabel('File to import').setInputFiles({ name: 'conversations.json', mimeType: 'application/json',
        buffer: Buffer.from(JSON.stringify([{ title: `Imported ${colorScheme}`, mapping: { a: { parent: null, message: { author: { role: 'user' }, content: { content_type: 'text', parts: ['hello'] } } } }, current_node: 'a' }])) });
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      await page.getByRole('heading', { name: /Imported 1 conversation/ }).waitFor();
      await audit(page, 'the import summary');
      assert.deepEqual(problems, []);
    } finally { await context.close(); }
  });
}

test('axe at phone width: the chat, the open navigation drawer; and the login page', async () => {
  const { context, page } = await open({ viewport: { width: 390, height: 844 } });
  try {
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    await audit(page, 'the phone chat');
    await page.getByRole('button', { name: 'Open navigation' }).click();
    await page.getByRole('button', { name: 'Close navigation' }).first().waitFor();
    await audit(page, 'the phone navigation drawer');
  } finally { await context.close(); }
  const locked = await startParley({ env: { PARLEY_AUTH_TOKEN: 'secret-token-0123456789' } });
  try {
    const context2 = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page2 = await context2.newPage();
    await page2.goto(`${locked.url}/`);
    await page2.getByLabel('Password or access token').waitFor();
    await audit(page2, 'the login page');
    await page2.getByLabel('Password or access token').fill('wrong');
    await page2.getByLabel('Password or access token').press('Enter');
    await page2.getByRole('alert').waitFor();
    await audit(page2, 'the login error');
    await context2.close();
  } finally { await locked.stop(); }
});

test('the keyboard alone: skip link, visible focus everywhere, Escape closes and gives focus back, no traps', async () => {
  const { context, page } = await open();
  try {
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to the message box');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'composer-input');
    await up.script([{ content: ['Keyboard answer.'] }]);
    await page.keyboard.type('Hello by keyboard');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Send message' }).waitFor();
    // Live region: the finished answer is announced.
    await page.getByRole('status').filter({ hasText: 'Answer: Keyboard answer.' }).waitFor({ state: 'attached' });

    // Walk the whole page with Tab: every stop shows a focus indicator, is on screen, and the walk comes back round.
    const seen = [];
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      const info = await page.evaluate(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return null;
        const style = getComputedStyle(el);
        const box = el.getBoundingClientRect();
        return { label: el.getAttribute('aria-label') || el.labels?.[0]?.textContent?.trim() || el.textContent?.trim().slice(0, 30) || el.tagName,
          outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
          visible: box.width > 0 && box.height > 0 && style.visibility !== 'hidden' };
      });
      if (!info) continue;
      seen.push(info.label);
      assert.ok(info.outline, `focus is visible on ${info.label}`);
      assert.ok(info.visible, `${info.label} is visible when focused`);
    }
    for (const name of ['Search conversations', 'New chat', 'Settings', 'Keyboard shortcuts', 'Change model', 'Retry this answer', 'Search the web', 'Attach files', 'Message']) {
      assert.ok(seen.some((s) => s.includes(name)), `Tab reaches ${name} (saw ${[...new Set(seen)].join(' | ')})`);
    }
    assert.ok(new Set(seen).size < seen.length, 'Tab wraps around: no trap');

    // A dialog: opened from the keyboard, Escape closes it and focus returns.
    await page.getByRole('button', { name: 'Keyboard shortcuts' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Keyboard shortcuts');

    // Settings tabs move with the arrow keys.
    await page.getByRole('link', { name: 'Settings' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('tab', { name: 'Model' }).focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Provider routing');
  } finally { await context.close(); }
});

test('phone: the drawer takes focus, Escape closes it and focus returns; closed, it is out of the tab order; reduced motion stills it', async () => {
  const { context, page } = await open({ viewport: { width: 390, height: 844 }, reducedMotion: 'reduce' });
  try {
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    for (let i = 0; i < 15; i++) {
      await page.keyboard.press('Tab');
      const inDrawer = await page.evaluate(() => !!document.activeElement?.closest('#navigation'));
      assert.equal(inDrawer, false, 'the closed drawer is skipped');
    }
    const menu = page.getByRole('button', { name: 'Open navigation' });
    await menu.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.closest('#navigation') !== null);
    assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('#navigation')).transitionDuration.split(',')[0]), '1e-05s');
    await page.screenshot({ path: join(screenshotDir, 'a11y-phone-drawer.png') });
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Open navigation');
    assert.equal(await menu.getAttribute('aria-expanded'), 'false');
  } finally { await context.close(); }
});

test('errors are announced: a failed turn is an alert', async () => {
  const { context, page } = await open();
  try {
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    await up.script([{ status: 503, message: 'Provider overloaded' }]);
    await page.getByRole('textbox', { name: 'Message' }).fill('fail please');
    await page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await page.getByRole('alert').filter({ hasText: 'Provider overloaded' }).waitFor();
  } finally { await context.close(); }
});
