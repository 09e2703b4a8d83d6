// The installable app in headless Chromium (127.0.0.1 is a secure context): the manifest is valid and its icons
// load, the service worker registers and controls the page, the app shell opens offline, API responses are never
// cached, and a new release (a new sw.js and index.html on the same origin) replaces the cached shell on the load
// after the one that found it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, screenshotDir } from '../lib/browser.mjs';
import { startParley, webDist } from '../lib/parley.mjs';

let browser;
before(async () => { browser = await launchChromium(); });
after(async () => { await browser?.close(); });

// The cached request URLs of every cache the page's origin has.
const cachedUrls = (page) => page.evaluate(async () => {
  const out = [];
  for (const name of await caches.keys()) for (const r of await (await caches.open(name)).keys()) out.push(new URL(r.url).pathname);
  return out;
});

async function controlled(page) {
  await page.evaluate(() => navigator.serviceWorker.ready);
  if (!(await page.evaluate(() => !!navigator.serviceWorker.controller))) await page.reload();
  await page.waitForFunction(() => !!navigator.serviceWorker.controller);
}

test('manifest, icons, service worker, offline shell, and no API response in the cache', async () => {
  const p = await startParley({ files: { 'data/mcp_servers.json': '{"servers":[]}' } });
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  try {
    await page.goto(`${p.url}/`);
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    const href = await page.locator('link[rel="manifest"]').getAttribute('href');
    const manifest = await page.evaluate(async (h) => (await fetch(h)).json(), href);
    assert.equal(manifest.name, 'parley');
    assert.equal(manifest.display, 'standalone');
    assert.equal(manifest.start_url, '/');
    assert.ok(manifest.icons.some((i) => i.sizes === '192x192') && manifest.icons.some((i) => i.sizes === '512x512' && i.purpose === 'any'));
    assert.ok(manifest.icons.some((i) => i.purpose === 'maskable'));
    for (const icon of manifest.icons) {
      const size = await page.evaluate(async (src) => { const img = new Image(); img.src = src; await img.decode(); return `${img.naturalWidth}x${img.naturalHeight}`; }, icon.src);
      assert.equal(size, icon.sizes, icon.src);
    }
    assert.equal(await page.locator('meta[name="theme-color"]').count(), 1);

    await controlled(page);
    const registration = await page.evaluate(async () => { const r = await navigator.serviceWorker.getRegistration(); return { scope: r.scope, script: r.active.scriptURL }; });
    assert.equal(new URL(registration.scope).pathname, '/');
    assert.equal(new URL(registration.script).pathname, '/sw.js');

    // The page's API calls went through the worker: none of them is in a cache, only the shell is.
    await page.evaluate(() => fetch('/api/chat/conversations').then((r) => r.json()));
    const cached = await cachedUrls(page);
    assert.ok(cached.includes('/') && cached.some((u) => /^\/assets\/index-.*\.js$/.test(u)) && cached.includes('/manifest.webmanifest'), cached.join(' '));
    assert.deepEqual(cached.filter((u) => u.startsWith('/api/') || u === '/health'), []);

    // Offline: the shell opens from the cache at a deep link; the API is not answered from any cache.
    await context.setOffline(true);
    await page.goto(`${p.url}/settings`);
    await page.getByRole('heading', { name: 'Settings' }).waitFor();
    await page.screenshot({ path: join(screenshotDir, 'pwa-offline-phone.png') });
    const api = await page.evaluate(() => fetch('/api/chat/conversations').then(() => 'answered', () => 'network error'));
    assert.equal(api, 'network error');
    await context.setOffline(false);
  } finally { await context.close(); await p.stop(); }
});

test('a new release replaces the cached shell on the next load', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-web-release-'));
  cpSync(webDist, dir, { recursive: true });
  for (const f of ['index.html.gz', 'index.html.br', 'sw.js.gz', 'sw.js.br']) rmSync(join(dir, f), { force: true });
  let p = await startParley({ env: { PARLEY_WEB_DIR: dir }, files: { 'data/mcp_servers.json': '{"servers":[]}' } });
  const port = p.port;
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(`${p.url}/`);
    await controlled(page);
    const marker = () => page.evaluate(() => document.querySelector('meta[name="parley-release"]')?.getAttribute('content') ?? null);
    assert.equal(await marker(), null);
    const firstCaches = await page.evaluate(() => caches.keys());
    assert.equal(firstCaches.length, 1);

    // Release 2 on the same origin: another index.html and a sw.js with another version.
    await p.stop();
    writeFileSync(join(dir, 'index.html'), readFileSync(join(dir, 'index.html'), 'utf8').replace('<head>', '<head><meta name="parley-release" content="2">'));
    writeFileSync(join(dir, 'sw.js'), readFileSync(join(dir, 'sw.js'), 'utf8').replace(/const VERSION = "[0-9a-f]+"/, 'const VERSION = "release2"'));
    p = await startParley({ env: { PARLEY_WEB_DIR: dir, PARLEY_PORT: String(port) }, files: { 'data/mcp_servers.json': '{"servers":[]}' } });

    // This load is served the cached shell, and finds the new worker, which installs the new shell.
    await page.reload();
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    // (Polled from here: waitForFunction takes a promise for a truthy answer.)
    const deadline = Date.now() + 20000;
    let keys = [];
    while (Date.now() < deadline) {
      keys = await page.evaluate(() => caches.keys());
      if (keys.length === 1 && keys[0] === 'parley-shell-release2') break;
      await page.evaluate(() => new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }) || setTimeout(r, 200)));
    }
    assert.deepEqual(keys, ['parley-shell-release2'], 'the new shell replaced the old one');
    // The next load shows release 2.
    await page.reload();
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    assert.equal(await marker(), '2');
  } finally { await context.close(); await p.stop(); rmSync(dir, { recursive: true, force: true }); }
});
