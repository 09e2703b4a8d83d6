// Google in headless Chromium against the real binary, the fake Google and the fake model: Settings → Google →
// Connect goes to the (fake) consent screen, the callback brings the browser back with the result, the account
// shows authorized, the disabled Google servers are offered and enabled, and a chat turn where the model calls
// calendar_get_events answers with what the calendar holds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launchChromium, screenshotDir } from '../lib/browser.mjs';
import { startParley } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';
import { startFakeGoogle } from '../fakes/google.mjs';
import { freePort, waitForStatus } from '../integration/mcp_helpers.mjs';
import { googleHome, dataFile } from '../integration/google_helpers.mjs';

let browser;
before(async () => { browser = await launchChromium(); });
after(async () => { await browser?.close(); });

test('connect → callback → authorized → enable servers → a chat turn uses calendar_get_events', async () => {
  const fake = await startFakeGoogle();
  const up = await startFakeUpstream();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const h = googleHome(fake);
  // The Google servers as an old file has them, switched off (as bootstrapping writes them without a client file).
  const legacy = JSON.parse(dataFile('mcp_servers.legacy.json'));
  for (const s of legacy.servers) if (s.id !== 'local-calculator') s.enabled = false;
  const p = await startParley({
    home: h.home,
    files: { 'data/mcp_servers.json': JSON.stringify(legacy) },
    env: { PARLEY_PORT: String(port), FRONTEND_URL: base, GOOGLE_OAUTH_REDIRECT_URI: `${base}/api/google-auth/callback`,
      GOOGLE_API_BASE_URL: fake.url, GOOGLE_DEFAULT_USER_EMAIL: 'user@example.com', PARLEY_TIMEZONE: 'UTC',
      OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-e2e-0123456789' },
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  try {
    await page.goto(`${base}/settings#google`);
    await page.getByRole('tab', { name: 'Google' }).waitFor();
    await page.getByTestId('google-status').filter({ hasText: 'Not authorized' }).waitFor();
    assert.equal(await page.getByLabel('Google account').inputValue(), 'user@example.com');
    await page.getByRole('button', { name: 'Connect' }).click();
    // Fake consent → parley's callback → back to the page with the result.
    await page.getByTestId('google-result').filter({ hasText: 'Connected user@example.com.' }).waitFor({ timeout: 15000 });
    assert.equal(new URL(page.url()).pathname, '/settings');
    await page.getByTestId('google-status').filter({ hasText: 'Authorized' }).waitFor();
    assert.equal(fake.state.lastAuthRequest.access_type, 'offline');
    await page.screenshot({ path: join(screenshotDir, 'google-connected.png') });
    await page.getByRole('button', { name: 'Enable them' }).click();
    await page.getByText('Google tool servers enabled.').waitFor();
    await waitForStatus(p, (s) => s.servers.find((x) => x.id === 'custom-calendar')?.state === 'connected', { what: 'calendar connected' });

    await up.script([
      { tool_fragments: [{ index: 0, id: 'call_cal', type: 'function', function: { name: 'calendar_get_events', arguments: '{"time_min":"2030-05-01","time_max":"2030-05-02"}' } }] },
      { content: ['You have a **Dentist appointment** at 09:00.'] },
    ]);
    await page.goto(`${base}/`);
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.fill("What's on my calendar on 1 May 2030?");
    await box.press('Enter');
    await page.getByText('You have a Dentist appointment at 09:00.').waitFor({ timeout: 20000 });
    const chats = (await up.requests()).filter((r) => r.path === '/chat/completions');
    const second = chats.at(-1).body.messages;
    const toolMessage = second.find((m) => m.role === 'tool');
    assert.match(toolMessage.content, /Dentist appointment/);
    assert.match(toolMessage.content, /2030-05-01T09:00:00\+00:00/);
    await page.screenshot({ path: join(screenshotDir, 'google-chat.png') });
    assert.deepEqual(problems, []);
    // No token in the page, the log or the stored history.
    const html = await page.content();
    for (const t of fake.state.access.keys()) {
      assert.ok(!html.includes(t));
      assert.ok(!p.output().includes(t));
    }
  } finally {
    await context.close();
    await p.stop();
    await up.stop();
    await fake.close();
    h.remove();
  }
});
