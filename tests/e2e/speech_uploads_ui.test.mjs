// Dictation and attachments in headless Chromium against the real binary: hands-free dictation gets a token
// from POST /api/stt/deepgram/token (parley asking the fake Deepgram grant endpoint), streams the fake microphone
// to a fake Deepgram live websocket with the JWT as the "bearer" subprotocol, shows interim words, and submits on
// speech_final after the configured delay; an image upload shows progress and a preview, and the sent message
// carries the attachment fragment that the model receives.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, screenshotDir } from '../lib/browser.mjs';
import { startParley, repoRoot } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';
import { startFakeDeepgramLive } from '../fakes/deepgram_live.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const shots = screenshotDir;
const DG_KEY = 'dg-e2e-key-0123456789abcdef';
let browser;

before(async () => {
  browser = await launchChromium(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--autoplay-policy=no-user-gesture-required']);
});
after(async () => { await browser?.close(); });

async function startGrantFake() {
  const proc = spawn(process.execPath, [join(here, '..', 'fakes', 'deepgram.mjs'), '--port', '0'],
    { env: { ...process.env, FAKE_DEEPGRAM_KEY: DG_KEY }, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve) => {
    let out = '';
    proc.stdout.on('data', (d) => { out += d; const m = out.match(/listening on (\S+)/); if (m) resolve(m[1]); });
  });
  return { url, async stop() { proc.kill(); await new Promise((r) => proc.on('exit', r)); } };
}

const results = (transcript, isFinal, speechFinal = false) =>
  ({ type: 'Results', is_final: isFinal, speech_final: speechFinal, channel: { alternatives: [{ transcript, confidence: 0.9 }] } });

test('hands-free dictation: token, bearer subprotocol, interim words, auto-submit on speech_final', async () => {
  const up = await startFakeUpstream();
  const grant = await startGrantFake();
  const live = await startFakeDeepgramLive();
  const p = await startParley({ env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-e2e-0123456789', DEEPGRAM_API_KEY: DG_KEY, DEEPGRAM_BASE_URL: grant.url },
    files: { 'data/mcp_servers.json': '{"servers":[]}' } });
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  try {
    const page = await context.newPage();
    await page.addInitScript((url) => localStorage.setItem('parley.speech', JSON.stringify({ mode: 'hands-free', autoSubmit: true, submitDelayMs: 600, url })), live.url);
    await page.goto(`${p.url}/`);
    await up.script([{ content: ['It is sunny.'] }]);
    live.script([
      { delay_ms: 100, message: results('what is', false) },
      { delay_ms: 400, message: results('what is the weather', false) },
      { delay_ms: 400, message: results('What is the weather?', true, true) },
    ]);
    const box = page.getByRole('textbox', { name: 'Message' });
    await page.getByRole('button', { name: 'Dictate' }).click();
    await page.getByRole('button', { name: /Listening/ }).waitFor();
    await page.waitForFunction(() => document.querySelector('#composer-input').value === 'what is the weather');
    await page.screenshot({ path: join(shots, 'speech-interim.png') });
    // The final words replace the interim ones, then the message goes out by itself after the delay.
    await page.getByRole('article', { name: 'You' }).filter({ hasText: 'What is the weather?' }).waitFor();
    await page.getByRole('article', { name: 'Assistant' }).filter({ hasText: 'It is sunny.' }).waitFor();
    assert.equal(await box.inputValue(), '');
    const conn = live.connections[0];
    assert.equal(conn.protocols[0], 'bearer', 'a JWT goes in the bearer subprotocol');
    assert.equal(conn.protocols[1].split('.').length, 3);
    const query = new URL(conn.url, 'ws://x').searchParams;
    assert.equal(query.get('interim_results'), 'true');
    assert.equal(query.get('utterance_end_ms'), '1000');
    assert.ok(conn.audioBytes > 0, 'microphone audio was streamed');
    // Clicking again stops: the browser asks Deepgram to flush and close.
    await page.getByRole('button', { name: /Listening/ }).click();
    await page.getByRole('button', { name: 'Dictate' }).waitFor();
    assert.ok(conn.controls.includes('CloseStream'));
  } finally { await context.close(); await p.stop(); await up.stop(); await grant.stop(); await live.stop(); }
});

test('an image attachment uploads with a preview and reaches the model as an image fragment', async () => {
  const up = await startFakeUpstream();
  const p = await startParley({ env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-e2e-0123456789' }, files: { 'data/mcp_servers.json': '{"servers":[]}' } });
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  try {
    const page = await context.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(String(e)));
    await page.goto(`${p.url}/`);
    await up.script([{ content: ['A red pixel.'] }]);
    // A 1×1 red PNG.
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');
    await page.locator('input[type=file]').setInputFiles({ name: 'pixel.png', mimeType: 'image/png', buffer: png });
    const chip = page.getByRole('list', { name: 'Attachments' }).getByRole('listitem');
    await chip.getByText('Ready').waitFor();
    assert.match(await chip.locator('img').getAttribute('src'), /^blob:/);
    await page.getByRole('textbox', { name: 'Message' }).fill('What is in this picture?');
    await page.screenshot({ path: join(shots, 'attachment-ready.png') });
    await page.getByRole('textbox', { name: 'Message' }).press('Enter');
    await page.getByRole('article', { name: 'Assistant' }).filter({ hasText: 'A red pixel.' }).waitFor();
    // The page moved to the conversation the upload created (no session event for it).
    const session = decodeURIComponent(new URL(page.url()).pathname.replace(/^\/c\//, ''));
    assert.match(session, /^session_[0-9a-f]{32}$/);
    const you = page.getByRole('article', { name: 'You' });
    await you.locator('img[alt="pixel.png"]').waitFor();
    const chat = (await up.requests()).filter((r) => r.path === '/chat/completions').at(-1);
    const user = chat.body.messages.filter((m) => m.role === 'user').at(-1);
    assert.ok(Array.isArray(user.content));
    assert.deepEqual(user.content[0], { type: 'text', text: 'What is in this picture?' });
    assert.equal(user.content[1].type, 'image_url');
    assert.match(user.content[1].image_url.url, /^data:image\/png;base64,/);
    // After a reload the stored message shows the image through its signed URL.
    await page.reload();
    const img = page.getByRole('article', { name: 'You' }).locator('img[alt="pixel.png"]');
    await img.waitFor();
    assert.match(await img.getAttribute('src'), /\/api\/files\/.*sig=/);
    await page.waitForFunction(() => document.querySelector('article img[alt="pixel.png"]')?.naturalWidth === 1);
    await page.screenshot({ path: join(shots, 'attachment-sent.png') });
    assert.deepEqual(problems, []);
  } finally { await context.close(); await p.stop(); await up.stop(); }
});
