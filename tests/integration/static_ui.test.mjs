// The UI files: content types, precompressed variants, caching, SPA fallback, and no way out of the root.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, symlinkSync, rmSync } from 'node:fs';
import { gzipSync, brotliCompressSync, gunzipSync, brotliDecompressSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startParley } from '../lib/parley.mjs';
import { rawGet, rawExchange, parseResponse } from '../lib/http.mjs';

let p, web, secretDir;
const js = 'console.log("parley");\n'.repeat(50);
const indexHtml = '<!doctype html><html><head><script type="module" src="/assets/index-AbCd1234.js"></script></head><body>parley ui</body></html>';

before(async () => {
  web = mkdtempSync(join(tmpdir(), 'parley-web-'));
  secretDir = mkdtempSync(join(tmpdir(), 'parley-secret-'));
  writeFileSync(join(secretDir, 'secret.txt'), 'TOP SECRET');
  mkdirSync(join(web, 'assets'));
  writeFileSync(join(web, 'index.html'), indexHtml);
  writeFileSync(join(web, 'assets', 'index-AbCd1234.js'), js);
  writeFileSync(join(web, 'assets', 'index-AbCd1234.js.gz'), gzipSync(js));
  writeFileSync(join(web, 'assets', 'index-AbCd1234.js.br'), brotliCompressSync(js));
  writeFileSync(join(web, 'assets', 'style-Zz9Yy8Xx.css'), 'body{color:red}');
  writeFileSync(join(web, 'robots.txt'), 'User-agent: *');
  symlinkSync(join(secretDir, 'secret.txt'), join(web, 'leak.txt'));
  symlinkSync(secretDir, join(web, 'leakdir'));
  p = await startParley({ env: { PARLEY_WEB_DIR: web } });
});
after(async () => {
  await p.stop();
  rmSync(web, { recursive: true, force: true });
  rmSync(secretDir, { recursive: true, force: true });
});

test('index.html is served at / with no-cache and an ETag; If-None-Match gives 304', async () => {
  const res = await fetch(`${p.url}/`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(res.headers.get('cache-control'), 'no-cache');
  assert.equal(await res.text(), indexHtml);
  const etag = res.headers.get('etag');
  assert.match(etag, /^".+"$/);
  const again = await fetch(`${p.url}/`, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  assert.ok(again.headers.get('x-request-id'));
});

test('unknown page paths fall back to index.html (SPA), API docs paths too', async () => {
  for (const path of ['/c/abc123', '/settings', '/docs', '/openapi.json', '/redoc']) {
    const res = await fetch(`${p.url}${path}`);
    assert.equal(res.status, 200, path);
    assert.equal(await res.text(), indexHtml, path);
  }
});

test('a missing asset is a real 404, not index.html', async () => {
  for (const path of ['/assets/missing-12345678.js', '/nothing.css', '/img/x.png']) {
    const res = await fetch(`${p.url}${path}`);
    assert.equal(res.status, 404, path);
    assert.deepEqual(await res.json(), { detail: 'Not Found' });
  }
});

test('hashed assets are immutable with the right content type', async () => {
  const res = await fetch(`${p.url}/assets/style-Zz9Yy8Xx.css`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/css; charset=utf-8');
  assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  const robots = await fetch(`${p.url}/robots.txt`);
  assert.equal(robots.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(robots.headers.get('cache-control'), 'no-cache');
});

test('precompressed variants are chosen by Accept-Encoding q-values, with Vary', async () => {
  const path = '/assets/index-AbCd1234.js';
  let r = await rawGet(p.port, path, 'Accept-Encoding: gzip, br\r\n');
  assert.equal(r.headers['content-encoding'], 'br');
  assert.equal(r.headers.vary, 'Accept-Encoding');
  assert.equal(brotliDecompressSync(Buffer.from(r.body, 'latin1')).toString(), js);
  r = await rawGet(p.port, path, 'Accept-Encoding: gzip;q=1.0, br;q=0.5\r\n');
  assert.equal(r.headers['content-encoding'], 'gzip');
  assert.equal(gunzipSync(Buffer.from(r.body, 'latin1')).toString(), js);
  r = await rawGet(p.port, path, 'Accept-Encoding: br;q=0, gzip;q=0\r\n');
  assert.equal(r.headers['content-encoding'], undefined);
  assert.equal(r.body, js);
  r = await rawGet(p.port, path, '');
  assert.equal(r.headers['content-encoding'], undefined);
  assert.equal(r.headers['content-type'], 'text/javascript; charset=utf-8');
});

test('path traversal in any form is refused', async () => {
  for (const target of ['/../../../../etc/passwd', '/assets/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd',
    '/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/..%2f..%2fetc%2fpasswd', '/./index.html', '/assets/..%5c..%5cetc%5cpasswd',
    '/%00index.html', '/%zz']) {
    const r = await rawGet(p.port, target);
    assert.equal(r.status, 404, target);
    assert.ok(!r.body.includes('root:'), target);
  }
});

test('symlinks out of the UI root are not served', async () => {
  for (const path of ['/leak.txt', '/leakdir/secret.txt']) {
    const res = await fetch(`${p.url}${path}`);
    const body = await res.text();
    assert.ok(!body.includes('TOP SECRET'), path);
    // Not a file of the UI: the page fallback (or a 404), never the linked file.
    assert.ok(body === indexHtml || res.status === 404, `${path}: ${res.status}`);
  }
});

test('a non-GET request to a UI path is a JSON 405', async () => {
  const res = await fetch(`${p.url}/c/abc`, { method: 'POST', body: 'x' });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get('allow'), 'GET, HEAD');
  assert.deepEqual(await res.json(), { detail: 'Method Not Allowed' });
});

test('favicon.ico is a PNG', async () => {
  const res = await fetch(`${p.url}/favicon.ico`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/png');
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
});
