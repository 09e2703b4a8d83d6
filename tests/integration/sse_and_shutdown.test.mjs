// SSE framing, keep-alive pings, client-disconnect detection and graceful shutdown of the real binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import { startParley } from '../lib/parley.mjs';
import { openStream, dechunk, parseResponse, waitFor } from '../lib/http.mjs';

const expectedEvents =
  'event: message\ndata: {"choices":[{"delta":{"content":"Hello "}}]}\n\n' +
  'event: message\ndata: {"choices":[{"delta":{"content":"from "}}]}\n\n' +
  'event: message\ndata: {"choices":[{"delta":{"content":"server!"}}]}\n\n' +
  'event: message\ndata: [DONE]\n\n';

function appLog(home) {
  const dir = join(home, 'logs', 'app');
  if (!existsSync(dir)) return '';
  return readdirSync(dir).map((d) => {
    const f = join(dir, d, 'parley.log');
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  }).join('');
}

test('test-stream sends the exact SSE bytes, chunked, with the stream headers', async () => {
  const p = await startParley();
  try {
    const s = openStream(p.port, '/api/chat/test-stream');
    await s.closed;
    const r = parseResponse(s.text());
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/event-stream; charset=utf-8');
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.equal(r.headers['x-accel-buffering'], 'no');
    assert.equal(r.headers['transfer-encoding'], 'chunked');
    assert.equal(r.headers['content-length'], undefined);
    assert.match(r.headers['x-request-id'], /^[0-9a-f]{32}$/);
    assert.equal(dechunk(r.body), expectedEvents);
  } finally { await p.stop(); }
});

test('keep-alive pings are sent at the configured interval', async () => {
  const p = await startParley({ env: { PARLEY_SSE_KEEPALIVE_SECONDS: '0.05' } });
  try {
    const s = openStream(p.port, '/api/chat/test-stream');
    await s.closed;
    const body = dechunk(parseResponse(s.text()).body);
    const pings = body.match(/^: ping \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\n\n/gm) ?? [];
    assert.ok(pings.length >= 3, `expected pings during the 600 ms stream, got ${pings.length}:\n${body}`);
    assert.equal(body.replace(/^: ping [^\n]*\n\n/gm, ''), expectedEvents);
  } finally { await p.stop(); }
});

test('a client leaving mid-stream is noticed at once and logged with the request id', async () => {
  const p = await startParley();
  try {
    const s = openStream(p.port, '/api/chat/test-stream', 'X-Request-Id: leaving-client-1\r\n');
    await waitFor(() => s.text().includes('Hello'));
    s.socket.destroy();
    const line = await waitFor(() => appLog(p.home).split('\n').find((l) => l.includes('[leaving-client-1] client disconnected')), 3000);
    assert.ok(line, `log:\n${appLog(p.home)}`);
    const res = await fetch(`${p.url}/health`);
    assert.equal(res.status, 200);
  } finally { await p.stop(); }
});

test('SIGTERM lets a running stream finish, refuses new connections, and exits 0', async () => {
  const p = await startParley();
  const s = openStream(p.port, '/api/chat/test-stream');
  await waitFor(() => s.text().includes('Hello'));
  let streamOver = false;
  s.closed.then(() => { streamOver = true; });
  p.proc.kill('SIGTERM');
  // Once the signal is handled the listener is closed: a connection attempt is refused while the stream
  // still runs (after it, the exiting process would refuse anyway).
  const attempt = () => new Promise((resolve) => {
    const c = net.connect(p.port, '127.0.0.1');
    c.on('connect', () => { c.destroy(); resolve(null); });
    c.on('error', () => resolve('refused'));
  });
  const seen = await waitFor(async () => (streamOver ? 'the stream ended first' : attempt()), 3000);
  assert.equal(seen, 'refused', 'no new connections after SIGTERM');
  await s.closed;
  assert.equal(dechunk(parseResponse(s.text()).body), expectedEvents, 'the stream ran to its end');
  const { code } = await p.exited;
  assert.equal(code, 0);
  assert.match(p.output(), /parley stopped/);
  await p.stop();
});

test('SIGINT with only idle keep-alive connections stops at once', async () => {
  const p = await startParley();
  // A real keep-alive connection: one request answered, then idle. (A socket that only connected may still sit in
  // the listen backlog, and closing the listener resets it.)
  const idle = net.connect(p.port, '127.0.0.1');
  idle.on('error', () => {});  // the server closes it while shutting down
  await new Promise((r) => idle.on('connect', r));
  idle.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  let answered = '';
  await new Promise((r) => idle.on('data', (d) => { answered += d; if (answered.includes('"status"')) r(); }));
  assert.match(answered, /^HTTP\/1\.1 200/);
  const started = Date.now();
  p.proc.kill('SIGINT');
  const { code } = await p.exited;
  assert.equal(code, 0);
  assert.ok(Date.now() - started < 2000, 'idle connections do not hold the shutdown');
  idle.destroy();
  await p.stop();
});
