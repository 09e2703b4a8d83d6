// The web UI served by the real binary, in Debian's headless Chromium: it loads without console errors,
// shows the configuration warning, deep links work (SPA fallback), login works when auth is on, and a chat
// turn streams from the fake upstream into the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launchChromium, screenshotDir } from '../lib/browser.mjs';
import { startParley, repoRoot } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';

const shots = screenshotDir;
let browser;

before(async () => {
  browser = await launchChromium();
});
after(async () => { await browser?.close(); });

async function openPage(url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  // A deep link to a conversation that does not exist makes the history request answer 404, which the browser
  // logs; the page handles it.
  page.on('console', (m) => { if (m.type() === 'error' && !/status of 404/.test(m.text())) problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(url);
  return { page, context, problems };
}

test('the UI loads from the binary, shows the missing key warning, and deep links render the app', async () => {
  const p = await startParley();
  try {
    const { page, context, problems } = await openPage(`${p.url}/`);
    await page.getByRole('alert', { name: 'Server configuration problems' }).waitFor();
    assert.match(await page.getByRole('alert', { name: 'Server configuration problems' }).innerText(), /OPENROUTER_API_KEY is not set/);
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    await page.screenshot({ path: join(shots, 'shell-home.png') });
    await page.goto(`${p.url}/c/abc123`);
    await page.getByRole('heading', { name: 'Conversation' }).waitFor();
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    await page.getByRole('tab', { name: 'Server' }).click();
    await page.getByRole('heading', { name: 'Server' }).waitFor();
    assert.match(await page.locator('dl').innerText(), /sqlite/);
    assert.equal(new URL(page.url()).pathname, '/settings');
    await page.screenshot({ path: join(shots, 'shell-settings.png') });
    assert.deepEqual(problems, []);
    await context.close();
  } finally { await p.stop(); }
});

test('with authentication on, the login page refuses a wrong password and accepts the token', async () => {
  const token = 'e2e-token-0123456789abcdef';
  const p = await startParley({ env: { PARLEY_AUTH_TOKEN: token } });
  try {
    const { page, context } = await openPage(`${p.url}/`);
    await page.getByRole('heading', { name: 'Sign in to parley' }).waitFor();
    await page.getByLabel('Password or access token').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Invalid password' }).waitFor();
    await page.screenshot({ path: join(shots, 'shell-login-error.png') });
    await page.getByLabel('Password or access token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'parley_session');
    assert.ok(session, 'the session cookie is set');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to parley' }).waitFor();
    await context.close();
  } finally { await p.stop(); }
});

test('a message streams from the upstream into the page', async () => {
  const up = await startFakeUpstream();
  const p = await startParley({ env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-e2e-0123456789' } });
  try {
    await up.script([{ content: ['Streaming ', 'works ', 'in the browser.'], delay_ms: 30 }]);
    const { page, context, problems } = await openPage(`${p.url}/`);
    // A suggested prompt sends its text.
    await page.getByRole('list', { name: 'Suggested prompts' }).getByRole('button', { name: 'Weather' }).click();
    await page.getByRole('article', { name: 'Assistant' }).filter({ hasText: 'Streaming works in the browser.' }).waitFor();
    assert.match(new URL(page.url()).pathname, /^\/c\/[0-9a-f]{32}$/, 'the new session id is in the URL');
    await page.getByRole('article', { name: 'You' }).filter({ hasText: 'What is the weather in Orlando?' }).waitFor();
    await page.screenshot({ path: join(shots, 'shell-chat.png') });
    assert.deepEqual(problems, []);
    await context.close();
  } finally { await p.stop(); await up.stop(); }
});
