// The model picker and the settings views in headless Chromium against the real binary: switching model (search,
// filters, favourites), model parameters with range checks, saving and applying presets, suggestions, MCP server
// and per-tool toggles, the system prompt, and speech settings validation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { launchChromium, screenshotDir } from '../lib/browser.mjs';
import { startParley, repoRoot } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';
import { fakeServer } from '../integration/mcp_helpers.mjs';

const shots = screenshotDir;
let browser;

before(async () => {
  browser = await launchChromium(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream']);
});
after(async () => { await browser?.close(); });

async function setup({ mcp = [], colorScheme = 'light' } = {}) {
  const up = await startFakeUpstream();
  const p = await startParley({
    env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-e2e-0123456789' },
    files: { 'data/mcp_servers.json': JSON.stringify({ servers: mcp }) },
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error' && !/status of (4|5)\d\d/.test(m.text())) problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(`${p.url}/`);
  await page.getByRole('textbox', { name: 'Message' }).waitFor();
  const api = async (path, init) => { const r = await fetch(`${p.url}${path}`, init); return r.json(); };
  return { up, p, page, context, problems, api, async close() { await context.close(); await p.stop(); await up.stop(); } };
}

async function openSettings(page, tab) {
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('tab', { name: tab }).click();
}

test('the model picker searches, filters, keeps favourites and saves the choice', async () => {
  const t = await setup({ colorScheme: 'dark' });
  try {
    await t.page.getByRole('button', { name: /Change model/ }).click();
    const dialog = t.page.getByRole('dialog', { name: 'Choose a model' });
    await dialog.getByText('4 of 4 models').waitFor();
    await dialog.getByRole('checkbox', { name: 'Tools' }).check();
    await dialog.getByText('2 of 4 models').waitFor();
    await dialog.getByRole('checkbox', { name: 'Tools' }).uncheck();
    await dialog.getByLabel('Input').selectOption('file');
    await dialog.getByText('1 of 4 models').waitFor();
    await dialog.getByLabel('Input').selectOption('');
    await dialog.getByRole('button', { name: 'Add meta-llama/llama-3-8b-instruct to favourites' }).click();
    await dialog.getByLabel('Sort').selectOption('price-desc');
    const order = await dialog.locator('.id').allInnerTexts();
    assert.equal(order[0], 'meta-llama/llama-3-8b-instruct', 'the favourite comes first');
    assert.equal(order[1], 'anthropic/claude-3.5-sonnet', 'then the most expensive');
    assert.match(await dialog.getByRole('listitem').filter({ has: t.page.getByRole('button', { name: 'Use anthropic/claude-3.5-sonnet' }) }).innerText(), /\$3\.00 \/ \$15\.00 per M/);
    await t.page.screenshot({ path: join(shots, 'model-picker-dark.png') });
    await dialog.getByRole('searchbox', { name: 'Search models' }).fill('claude');
    await dialog.getByText('1 of 4 models').waitFor();
    await dialog.getByRole('button', { name: 'Use anthropic/claude-3.5-sonnet' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await t.page.getByRole('button', { name: 'Model: anthropic/claude-3.5-sonnet. Change model' }).waitFor();
    const settings = await t.api('/api/settings/model');
    assert.equal(settings.model, 'anthropic/claude-3.5-sonnet');
    assert.equal(settings.supports_tools, true);

    // The next turn asks the upstream for that model.
    await t.up.script([{ content: ['ok'] }]);
    await t.page.getByRole('textbox', { name: 'Message' }).fill('hello');
    await t.page.keyboard.press('Enter');
    await t.page.getByRole('article', { name: 'Assistant' }).filter({ hasText: 'ok' }).waitFor();
    const chat = (await t.up.requests()).filter((r) => r.path === '/chat/completions').at(-1);
    assert.equal(chat.body.model, 'anthropic/claude-3.5-sonnet');

    // Favourites survive a reload (localStorage).
    await t.page.reload();
    // The app mounts after the page's load event (its script is evaluated in two tasks): wait for it, as a
    // user would, before the shortcut.
    await t.page.getByRole('button', { name: 'Model: anthropic/claude-3.5-sonnet. Change model' }).waitFor();
    await t.page.keyboard.press('Control+.');
    await t.page.getByRole('dialog', { name: 'Choose a model' }).getByRole('button', { name: 'Remove meta-llama/llama-3-8b-instruct from favourites' }).waitFor();
    assert.deepEqual(t.problems, []);
  } finally { await t.close(); }
});

test('parameters are range-checked and saved; a preset is saved, applied, made default and protected', async () => {
  const t = await setup();
  try {
    await openSettings(t.page, 'Model');
    await t.page.getByRole('spinbutton', { name: 'Temperature' }).fill('3');
    await t.page.getByRole('button', { name: 'Save parameters' }).click();
    await t.page.getByText('Temperature must be at most 2').waitFor();
    assert.equal((await t.api('/api/settings/model')).parameters, null, 'nothing was saved');
    await t.page.getByRole('spinbutton', { name: 'Temperature' }).fill('0.3');
    await t.page.getByRole('spinbutton', { name: 'Max tokens' }).fill('256');
    await t.page.getByRole('button', { name: 'Save parameters' }).click();
    await t.page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const saved = await t.api('/api/settings/model');
    const presetModel = saved.model;
    assert.equal(saved.parameters.temperature, 0.3);
    assert.equal(saved.parameters.max_tokens, 256);
    await t.page.screenshot({ path: join(shots, 'settings-model.png') });

    await t.page.getByRole('tab', { name: 'System prompt' }).click();
    await t.page.getByLabel(/Instructions given to the model/).fill('  Be brief.  ');
    await t.page.getByRole('button', { name: 'Save prompt' }).click();
    await t.page.getByText('Saved. New conversations use it.').waitFor();
    assert.equal((await t.api('/api/settings/system-prompt')).system_prompt, 'Be brief.');

    await t.page.getByRole('tab', { name: 'Presets' }).click();
    await t.page.getByLabel('Preset name').fill('Focused');
    await t.page.getByRole('button', { name: 'Save current setup as preset' }).click();
    const item = t.page.getByRole('listitem', { name: 'Preset Focused' });
    await item.waitFor();
    // Change the live settings elsewhere, then apply the preset to get them back.
    await fetch(`${t.p.url}/api/settings/model`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ model: 'meta-llama/llama-3-8b-instruct', parameters: null, provider: null }) });
    await fetch(`${t.p.url}/api/settings/system-prompt`, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ system_prompt: null }) });
    await item.getByRole('button', { name: 'Apply' }).click();
    await t.page.getByText('Applied “Focused”.').waitFor();
    const applied = await t.api('/api/settings/model');
    assert.equal(applied.model, presetModel);
    assert.notEqual(presetModel, 'meta-llama/llama-3-8b-instruct');
    assert.equal(applied.parameters.temperature, 0.3);
    assert.equal((await t.api('/api/settings/system-prompt')).system_prompt, 'Be brief.');
    await t.page.getByRole('button', { name: `Model: ${presetModel}. Change model` }).waitFor();
    await item.getByRole('button', { name: 'Set default' }).click();
    await item.getByText('default', { exact: true }).waitFor();
    assert.equal((await t.api('/api/presets/default')).name, 'Focused');
    await item.getByRole('button', { name: 'Delete preset Focused' }).click();
    await t.page.getByText('Failed: Cannot delete default preset: Focused').waitFor();
    await t.page.screenshot({ path: join(shots, 'settings-presets.png') });
    assert.deepEqual(t.problems, []);
  } finally { await t.close(); }
});

test('MCP servers: per-tool and per-server toggles, state, refresh and adding a server', async () => {
  const t = await setup({ mcp: [{ id: 'fake', command: [process.execPath, fakeServer] }] });
  try {
    await openSettings(t.page, 'Tools (MCP)');
    const server = t.page.getByRole('listitem', { name: 'MCP server fake' });
    await server.locator('.state', { hasText: /^connected$/ }).waitFor({ timeout: 15000 });
    await server.getByText(/\d+ tools$/).click();
    await server.getByRole('checkbox', { name: 'Tool echo of fake' }).uncheck();
    await t.page.getByText('echo disabled.').waitFor();
    let status = await t.api('/api/mcp/servers/');
    assert.deepEqual(status.servers[0].disabled_tools, ['echo']);
    assert.equal(status.servers[0].tools.find((x) => x.name === 'echo').enabled, false);
    assert.equal(await server.getByRole('checkbox', { name: 'Tool echo of fake' }).isChecked(), false);
    await server.getByRole('checkbox', { name: 'Tool echo of fake' }).check();
    await t.page.getByText('echo enabled.').waitFor();
    assert.deepEqual((await t.api('/api/mcp/servers/')).servers[0].disabled_tools, []);

    await t.page.getByRole('button', { name: 'Refresh tools' }).click();
    await t.page.getByText('Refreshed.').waitFor();

    // Disable the whole server.
    await server.getByRole('checkbox').first().uncheck();
    await server.locator('.state', { hasText: 'disabled' }).waitFor();
    assert.equal((await t.api('/api/mcp/servers/')).servers[0].enabled, false);

    // Add a stdio server by command.
    await t.page.getByLabel('Id', { exact: true }).fill('second');
    await t.page.getByLabel('Command', { exact: true }).fill(`${process.execPath} ${fakeServer} --name second`);
    await t.page.getByRole('button', { name: 'Add server' }).click();
    const second = t.page.getByRole('listitem', { name: 'MCP server second' });
    await second.locator('.state', { hasText: /^connected$/ }).waitFor({ timeout: 15000 });
    status = await t.api('/api/mcp/servers/');
    assert.deepEqual(status.servers.map((s) => s.id), ['fake', 'second']);
    await t.page.screenshot({ path: join(shots, 'settings-mcp.png') });
    await second.getByRole('button', { name: 'Remove server second' }).click();
    await second.waitFor({ state: 'detached' });
    assert.deepEqual((await t.api('/api/mcp/servers/')).servers.map((s) => s.id), ['fake']);
    assert.deepEqual(t.problems, []);
  } finally { await t.close(); }
});

test('suggestions are added, sent, offered on the empty chat and deleted; speech settings are validated', async () => {
  const t = await setup();
  try {
    await openSettings(t.page, 'Suggestions');
    await t.page.getByLabel('Label', { exact: true }).fill('Haiku');
    await t.page.getByLabel('Text sent to the model').fill('Write a haiku about parley');
    await t.page.getByRole('button', { name: 'Add suggestion' }).click();
    await t.page.getByRole('list', { name: 'Suggestions' }).getByText('Haiku', { exact: true }).waitFor();
    assert.equal((await t.api('/api/suggestions')).suggestions.at(-1).text, 'Write a haiku about parley');

    await t.up.script([{ content: ['Five seven five.'] }]);
    await t.page.getByRole('button', { name: 'Send Haiku in a new chat' }).click();
    await t.page.getByRole('article', { name: 'Assistant' }).filter({ hasText: 'Five seven five.' }).waitFor();
    await t.page.getByRole('article', { name: 'You' }).filter({ hasText: 'Write a haiku about parley' }).waitFor();
    await t.page.getByRole('button', { name: 'New chat', exact: true }).click();
    await t.page.getByRole('list', { name: 'Suggested prompts' }).getByRole('button', { name: 'Haiku' }).waitFor();

    await openSettings(t.page, 'Suggestions');
    await t.page.getByRole('button', { name: 'Delete suggestion Haiku' }).click();
    await t.page.getByRole('list', { name: 'Suggestions' }).getByText('Haiku', { exact: true }).waitFor({ state: 'detached' });
    assert.ok(!(await t.api('/api/suggestions')).suggestions.some((s) => s.label === 'Haiku'));

    await t.page.getByRole('tab', { name: 'Speech' }).click();
    await t.page.getByLabel(/Utterance end/).fill('500');
    await t.page.getByLabel('Deepgram listen URL').fill('https://not-a-websocket.example');
    await t.page.getByRole('button', { name: 'Save speech settings' }).click();
    const errors = t.page.getByRole('alert');
    await errors.getByText(/Utterance end must be/).waitFor();
    await errors.getByText(/must start with wss:\/\//).waitFor();
    assert.equal(await t.page.evaluate(() => localStorage.getItem('parley.speech')), null, 'invalid settings are not stored');
    await t.page.getByRole('button', { name: 'Defaults' }).click();
    await t.page.getByRole('button', { name: 'Save speech settings' }).click();
    await t.page.getByText('Saved in this browser.').waitFor();
    await t.page.screenshot({ path: join(shots, 'settings-speech.png') });

    // Dictation without a Deepgram key on the server says so instead of failing silently.
    await t.page.getByRole('button', { name: 'New chat', exact: true }).click();
    const mic = t.page.getByRole('button', { name: 'Dictate' });
    await mic.hover();
    await t.page.mouse.down();
    await t.page.getByRole('alert').filter({ hasText: /Deepgram is not configured on server|Not Found/ }).waitFor();
    await t.page.mouse.up();
  } finally { await t.close(); }
});

test('the prompt field is read-only until the stored prompt arrives, so typing never mixes with it', async () => {
  const t = await setup();
  try {
    await t.api('/api/settings/system-prompt', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ system_prompt: 'Stored prompt.' }) });
    let release;
    const held = new Promise((r) => { release = r; });
    await t.page.route('**/api/settings/system-prompt', async (route) => {
      if (route.request().method() === 'GET') await held;
      await route.continue();
    });
    await openSettings(t.page, 'System prompt');
    const box = t.page.getByLabel(/Instructions given to the model/);
    assert.equal(await box.isEditable(), false, 'not editable while the stored prompt is loading');
    assert.equal(await t.page.getByRole('button', { name: 'Save prompt' }).isDisabled(), true);
    // Typing waits for the field (Playwright waits until it is editable); the stored value arrives meanwhile.
    const typing = box.fill('Typed by the user.');
    release();
    await typing;
    assert.equal(await box.inputValue(), 'Typed by the user.');
  } finally { await t.close(); }
});

test('model parameters are disabled until the stored settings arrive', async () => {
  const t = await setup();
  try {
    let release;
    const held = new Promise((r) => { release = r; });
    await t.page.route('**/api/settings/model', async (route) => {
      if (route.request().method() === 'GET') await held;
      await route.continue();
    });
    await openSettings(t.page, 'Model');
    const temperature = t.page.getByRole('spinbutton', { name: 'Temperature' });
    assert.equal(await temperature.isDisabled(), true, 'disabled while the stored settings are loading');
    const typing = temperature.fill('0.5');
    release();
    await typing;
    assert.equal(await temperature.inputValue(), '0.5');
  } finally { await t.close(); }
});
