// The HTTP layer of the real binary: routing, errors, request ids, body limits, malformed input, slow clients.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley } from '../lib/parley.mjs';
import { rawExchange, parseResponse } from '../lib/http.mjs';

let p;
before(async () => {
  p = await startParley({ env: { PARLEY_MAX_BODY_BYTES: '2000', PARLEY_HEADER_TIMEOUT_SECONDS: '1' } });
});
after(async () => { await p.stop(); });

test('GET /health answers the spec shape with every field', async () => {
  const res = await fetch(`${p.url}/health`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  assert.match(res.headers.get('x-request-id'), /^[0-9a-f]{32}$/);
  const body = await res.json();
  assert.deepEqual(Object.keys(body), ['status', 'default_model', 'active_model', 'version', 'database', 'storage', 'warnings']);
  assert.equal(body.status, 'ok');
  assert.equal(body.default_model, 'openrouter/auto');
  assert.equal(body.database, 'sqlite');
  assert.equal(body.storage, 'local');
  assert.ok(body.warnings.some((w) => w.includes('OPENROUTER_API_KEY is not set')), 'missing key is reported');
});

test('HEAD is accepted wherever GET is, same headers and no body', async () => {
  const { data } = await rawExchange(p.port, 'HEAD /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  const r = parseResponse(data);
  assert.equal(r.status, 200);
  assert.ok(Number(r.headers['content-length']) > 50);
  assert.equal(r.body, '');
});

test('unknown API path is a JSON 404 and a wrong method a 405 with Allow', async () => {
  let res = await fetch(`${p.url}/api/does-not-exist`);
  assert.equal(res.status, 404);
  assert.deepEqual(await res.json(), { detail: 'Not Found' });
  assert.ok(res.headers.get('x-request-id'));
  res = await fetch(`${p.url}/health`, { method: 'DELETE' });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get('allow'), 'GET, HEAD');
  assert.deepEqual(await res.json(), { detail: 'Method Not Allowed' });
  res = await fetch(`${p.url}/api/auth/login`, { method: 'GET' });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get('allow'), 'POST');
});

test('a valid X-Request-Id is echoed, an invalid one replaced', async () => {
  let res = await fetch(`${p.url}/health`, { headers: { 'X-Request-Id': 'abc.DEF_123-x' } });
  assert.equal(res.headers.get('x-request-id'), 'abc.DEF_123-x');
  res = await fetch(`${p.url}/health`, { headers: { 'X-Request-Id': 'bad id with spaces' } });
  assert.match(res.headers.get('x-request-id'), /^[0-9a-f]{32}$/);
  res = await fetch(`${p.url}/health`, { headers: { 'X-Request-Id': 'x'.repeat(129) } });
  assert.match(res.headers.get('x-request-id'), /^[0-9a-f]{32}$/);
});

test('malformed JSON, invalid UTF-8 and a non-JSON content type are 422 lists', async () => {
  let res = await fetch(`${p.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"password": ' });
  assert.equal(res.status, 422);
  let body = await res.json();
  assert.equal(body.detail[0].type, 'json_invalid');
  assert.deepEqual(body.detail[0].loc.slice(0, 1), ['body']);
  assert.equal(typeof body.detail[0].msg, 'string');

  res = await fetch(`${p.url}/api/auth/login`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: Buffer.concat([Buffer.from('{"password":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
  });
  assert.equal(res.status, 422);
  assert.equal((await res.json()).detail[0].type, 'json_invalid');

  res = await fetch(`${p.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{"password":"x"}' });
  assert.equal(res.status, 422);
  body = await res.json();
  assert.ok(Array.isArray(body.detail));

  res = await fetch(`${p.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/merge-patch+json; charset=utf-8' }, body: '{"password":"x","extra":1}' });
  assert.equal(res.status, 422);
  body = await res.json();
  assert.deepEqual(body.detail[0], { type: 'extra_forbidden', loc: ['body', 'extra'], msg: 'Extra inputs are not permitted' });
});

test('a body over the limit is 413, decided from Content-Length before reading', async () => {
  const { data, ms } = await rawExchange(p.port,
    'POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 10737418240\r\n\r\n{"pass');
  const r = parseResponse(data);
  assert.equal(r.status, 413);
  assert.deepEqual(JSON.parse(r.body), { detail: 'Request body too large' });
  assert.ok(ms < 3000, `answered without waiting for the body (${ms} ms)`);
});

test('a chunked body is cut off with 413 as soon as it passes the limit', async () => {
  const chunk = 'a'.repeat(1500);
  const req = 'POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' +
    `${(1500).toString(16)}\r\n${chunk}\r\n${(1500).toString(16)}\r\n${chunk}\r\n0\r\n\r\n`;
  const r = parseResponse((await rawExchange(p.port, req)).data);
  assert.equal(r.status, 413);
});

test('garbage instead of a request line is a 400 and the connection closes', async () => {
  const { data, closed } = await rawExchange(p.port, 'HELLO\x00\x01 WORLD\r\n\r\n');
  const r = parseResponse(data);
  assert.equal(r.status, 400);
  assert.equal(closed, true);
  assert.deepEqual(JSON.parse(r.body), { detail: 'Bad Request' });
});

test('an oversized header is refused with 431', async () => {
  const r = parseResponse((await rawExchange(p.port, `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'b'.repeat(40000)}\r\n\r\n`)).data);
  assert.equal(r.status, 431);
});

test('a slow-loris client is timed out and disconnected', async () => {
  const net = await import('node:net');
  const started = Date.now();
  const result = await new Promise((resolve) => {
    const s = net.connect(p.port, '127.0.0.1');
    let data = '';
    let i = 0;
    const drip = setInterval(() => { if (!s.destroyed) s.write(`X-Slow-${i++}: a\r\n`); }, 200);
    s.on('connect', () => s.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n'));
    s.on('data', (d) => { data += d; });
    s.on('error', () => {});
    // The guard is cleared with the close: left pending, it would hold this file's process for its 8 s.
    const guard = setTimeout(() => { clearInterval(drip); s.destroy(); resolve({ data, ms: -1 }); }, 8000);
    s.on('close', () => { clearInterval(drip); clearTimeout(guard); resolve({ data, ms: Date.now() - started }); });
  });
  assert.ok(result.ms > 0, 'the server closed the connection');
  assert.ok(result.ms < 4000, `closed after the 1 s header deadline, not later (${result.ms} ms)`);
  assert.equal(result.data, '', 'no response for a header that never completed');
});

test('an idle keep-alive connection is closed after the header deadline', async () => {
  const { closed, ms } = await rawExchange(p.port, '', { timeoutMs: 5000 });
  assert.equal(closed, true);
  assert.ok(ms >= 900 && ms < 4000, `closed after ~1 s (${ms} ms)`);
});

test('keep-alive serves several requests on one connection', async () => {
  const req = 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
  const { data } = await rawExchange(p.port, req + req + 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  assert.equal(data.match(/HTTP\/1\.1 200 OK/g).length, 3);
});

test('the server keeps answering after all of the above', async () => {
  const res = await fetch(`${p.url}/health`);
  assert.equal(res.status, 200);
});
