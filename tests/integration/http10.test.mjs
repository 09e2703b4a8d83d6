// HTTP/1.0 clients: chunked encoding does not exist for them, so an SSE response is close-delimited (raw frames,
// no Transfer-Encoding, Connection: close, the connection closes after the last event), and other responses
// carry a Content-Length, keep-alive only when asked for, and no 100 Continue.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startParley } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';
import { rawExchange, parseResponse, within } from '../lib/http.mjs';

const testStreamEvents =
  'event: message\ndata: {"choices":[{"delta":{"content":"Hello "}}]}\n\n' +
  'event: message\ndata: {"choices":[{"delta":{"content":"from "}}]}\n\n' +
  'event: message\ndata: {"choices":[{"delta":{"content":"server!"}}]}\n\n' +
  'event: message\ndata: [DONE]\n\n';

let up, p;
before(async () => {
  up = await startFakeUpstream();
  p = await startParley({ env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-test-http10-0123456789' } });
});
after(async () => { await p?.stop(); await up?.stop(); });

test('GET /api/chat/test-stream over HTTP/1.0 is close-delimited: the raw events, then the connection closes', async () => {
  const { data, closed } = await rawExchange(p.port, 'GET /api/chat/test-stream HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n', { timeoutMs: 10000 });
  assert.equal(closed, true, 'parley closes the connection at the end of the stream');
  const r = parseResponse(data);
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'text/event-stream; charset=utf-8');
  assert.equal(r.headers['transfer-encoding'], undefined, 'no chunked encoding for HTTP/1.0');
  assert.equal(r.headers['content-length'], undefined);
  assert.equal(r.headers.connection, 'close');
  assert.equal(r.body, testStreamEvents, 'the frames as they are: no chunk sizes, no final 0 chunk');
});

test('POST /api/chat/stream over HTTP/1.0 ends with the last event, unframed, then close', async () => {
  const body = JSON.stringify({ messages: [{ role: 'user', content: 'over HTTP/1.0' }] });
  const { data, closed } = await rawExchange(p.port,
    `POST /api/chat/stream HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    { timeoutMs: 10000 });
  assert.equal(closed, true);
  const r = parseResponse(data);
  assert.equal(r.status, 200);
  assert.equal(r.headers['transfer-encoding'], undefined);
  assert.equal(r.headers.connection, 'close');
  assert.match(r.body, /^event: session\ndata: \{"session_id":"[0-9a-f]{32}"\}\n\n/, 'the first bytes are the first event');
  assert.ok(r.body.endsWith('event: message\ndata: [DONE]\n\n'), `ends with [DONE] and nothing after it: ${JSON.stringify(r.body.slice(-60))}`);
  const blocks = r.body.slice(0, -2).split('\n\n');
  for (const b of blocks) assert.match(b, /^(event: [a-z]+\n(data: [^\n]*\n?)+|: ping [^\n]*)$/, `every block is an SSE event: ${JSON.stringify(b.slice(0, 80))}`);
  const text = blocks.filter((b) => b.startsWith('event: message\ndata: {')).map((b) => JSON.parse(b.slice('event: message\ndata: '.length)))
    .map((c) => c.choices?.[0]?.delta?.content ?? '').join('');
  assert.equal(text, 'Hello from the fake.');
});

test('a JSON response to HTTP/1.0 has a Content-Length and closes unless keep-alive was asked for', async () => {
  let { data, closed } = await rawExchange(p.port, 'GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n');
  let r = parseResponse(data);
  assert.equal(r.status, 200);
  assert.equal(closed, true);
  assert.equal(r.headers.connection, 'close');
  assert.equal(r.headers['transfer-encoding'], undefined);
  assert.equal(Number(r.headers['content-length']), Buffer.byteLength(r.body));

  // Asked for keep-alive: the response says so, and the connection takes a second request.
  const socket = net.connect(p.port, '127.0.0.1');
  let got = '';
  socket.on('data', (d) => { got += d.toString('latin1'); });
  const twoAnswers = new Promise((resolve, reject) => {
    socket.on('error', reject);
    socket.on('data', () => { if ((got.match(/HTTP\/1\.1 200/g) ?? []).length === 2 && got.endsWith('}')) resolve(); });
    socket.on('close', () => reject(new Error(`closed after: ${got}`)));
  });
  socket.write('GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
  await new Promise((resolve) => socket.once('data', resolve));
  r = parseResponse(got);
  assert.equal(r.headers.connection, 'keep-alive', 'an HTTP/1.0 client needs to be told the connection stays open');
  assert.equal(Number(r.headers['content-length']) > 0, true);
  socket.write('GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n');
  // A server that neither answers nor closes fails the test instead of hanging it.
  await within(twoAnswers, 5000).catch(() => {});
  socket.destroy();
  assert.equal((got.match(/HTTP\/1\.1 200/g) ?? []).length, 2, 'the second request on the kept connection is answered');
});

test('an HTTP/1.0 request never gets a 100 Continue, and Transfer-Encoding in one is refused', async () => {
  const body = '{"password":"wrong"}';
  let { data } = await rawExchange(p.port,
    `POST /api/auth/login HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  assert.doesNotMatch(data, /^HTTP\/1\.1 100/, 'no interim response for HTTP/1.0');
  assert.match(data, /^HTTP\/1\.1 [2-4]\d\d /);

  ({ data } = await rawExchange(p.port,
    'POST /api/auth/login HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"a":\r\n0\r\n\r\n'));
  const r = parseResponse(data);
  assert.equal(r.status, 400);
  assert.deepEqual(JSON.parse(r.body), { detail: 'Bad Request' });
});
