// The API keys settings section in headless Chromium against the real binary: create a key (shown once, with a
// model allow-list and a cap), use it from the official `openai` package, see its usage, revoke it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import OpenAI from 'openai';
import { launchChromium, screenshotDir } from '../lib/browser.mjs';
import { startParley } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';

let browser, up, p;
before(async () => {
  browser = await launchChromium();
  up = await startFakeUpstream();
  p = await startParley({ env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-e2e-keys-0123456789' },
    files: { 'data/mcp_servers.json': JSON.stringify({ servers: [] }) } });
});
after(async () => { await browser?.close(); await p?.stop(); await up?.stop(); });

test('create a key in Settings, use it, see its usage, revoke it', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('dialog', (d) => d.accept());
  try {
    await page.goto(`${p.url}/settings#keys`);
    await page.getByRole('tab', { name: 'API keys' }).click();
    await page.getByText('No keys yet.').waitFor();
    const form = page.getByRole('form', { name: 'New API key' });
    await form.getByLabel('Name').fill('e2e editor');
    await form.getByLabel('Models (empty: any)').fill('openai/gpt-4o-mini');
    await form.getByLabel('Spending cap, USD (empty: none)').fill('2.5');
    await form.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.getByTestId('new-key').innerText()).trim();
    assert.match(secret, /^sk-parley-/);
    await page.screenshot({ path: join(screenshotDir, 'api-keys-created.png') });
    const row = page.getByRole('table', { name: 'API keys' }).getByRole('row', { name: /e2e editor/ });
    await row.getByText('openai/gpt-4o-mini').waitFor();
    await row.getByText(/cap \$2\.50/).waitFor();
    await page.getByRole('button', { name: 'Done' }).click();
    assert.equal(await page.getByTestId('new-key').count(), 0, 'the key is not shown again');

    const client = new OpenAI({ apiKey: secret, baseURL: `${p.url}/v1`, maxRetries: 0 });
    const r = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(r.choices[0].message.content, 'Hello from the fake.');

    await page.reload();
    await page.getByRole('tab', { name: 'API keys' }).click();
    await row.getByText('1 requests').waitFor();
    await row.getByRole('button', { name: 'Revoke key e2e editor' }).click();
    await row.getByText('revoked').waitFor();
    await assert.rejects(client.models.list(), (e) => e.status === 401);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
