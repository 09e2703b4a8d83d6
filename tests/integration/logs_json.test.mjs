// PARLEY_LOG_FORMAT=json on the real binary: every stdout line and every line of logs/app/ is one JSON object
// (timestamp, level, message; request and session ids when known), secrets masked, valid UTF-8 even when a
// client sends invalid bytes; an unknown format stops start-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parleyBin, startParley } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';
import { rawExchange } from '../lib/http.mjs';

const KEY = 'sk-or-v1-jsonlogs' + 'abcdef0123456789'.repeat(3);

function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? filesUnder(join(dir, n)) : [join(dir, n)]));
}

function checkLine(line, where) {
  let o;
  assert.doesNotThrow(() => { o = JSON.parse(line); }, `${where}: not JSON: ${line}`);
  assert.equal(typeof o, 'object');
  assert.match(o.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, line);
  assert.ok(['debug', 'info', 'warning', 'error'].includes(o.level), line);
  assert.equal(typeof o.message, 'string');
  assert.ok(!line.includes(KEY), `${where}: the key leaked: ${line}`);
  return o;
}

test('json logs: one valid object per line on stdout and in the log files, secrets masked', async () => {
  const up = await startFakeUpstream();
  const home = mkdtempSync(join(tmpdir(), 'parley-jsonlog-'));
  const proc = spawn(parleyBin, ['serve'], {
    cwd: home,
    env: { PATH: process.env.PATH, HOME: home, LANG: 'C.UTF-8', PARLEY_HOME: home, PARLEY_PORT: '0', PARLEY_LOG_FORMAT: 'json', OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: KEY },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout = [];
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((r) => proc.on('exit', (code) => r(code)));
  try {
    const url = await new Promise((resolve, reject) => {
      let text = '';
      proc.stdout.on('data', (d) => {
        stdout.push(d);
        text += d;
        const m = /"message":"parley listening on (http:\/\/[^\s"]+)"/.exec(text);
        if (m) resolve(m[1]);
      });
      proc.on('exit', (code) => reject(new Error(`parley exited ${code}: ${Buffer.concat(stdout)}${stderr}`)));
    });
    const port = Number(new URL(url).port);

    let res = await fetch(`${url}/health`, { headers: { 'X-Request-Id': 'json-log-req-1' } });
    assert.equal(res.status, 200);
    res = await fetch(`${url}/api/nope?key=${KEY}`, { headers: { 'X-Request-Id': 'json-log-req-2' } });
    assert.equal(res.status, 404);
    // Invalid UTF-8 and a quote in the request target; the server may refuse it, the log must stay valid.
    await rawExchange(port, Buffer.concat([Buffer.from('GET /api/bad\xff"\x01', 'latin1'),
      Buffer.from(' HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: json-log-req-3\r\nConnection: close\r\n\r\n')]));
    // A turn whose upstream error quotes the key: a warning with the session id, the key masked.
    await up.script([{ status: 401, echo_authorization: true }]);
    res = await fetch(`${url}/api/chat/stream`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'json-log-req-4' },
      body: JSON.stringify({ session_id: 'session_jsonlog_1', messages: [{ role: 'user', content: 'hello' }] }) });
    assert.match(await res.text(), /event: error/);
    // The access line of the stream is written when it ends; wait for it on stdout (no fixed sleep).
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no access line for the stream:\n${Buffer.concat(stdout)}`)), 10000);
      const check = () => {
        if (!Buffer.concat(stdout).toString().includes('"request_id":"json-log-req-4","message":"POST')) return;
        clearTimeout(timer);
        proc.stdout.off('data', check);
        resolve();
      };
      proc.stdout.on('data', check);
      check();
    });
  } finally {
    proc.kill('SIGTERM');
    await exited;
    await up.stop();
  }

  const out = Buffer.concat(stdout);
  assert.ok(out.length > 0);
  // Valid UTF-8 throughout: decoding with fatal: true throws on a bad byte.
  const text = new TextDecoder('utf-8', { fatal: true }).decode(out);
  const lines = text.split('\n').filter((l) => l !== '');
  assert.ok(lines.length >= 6, `stdout lines: ${lines.length}`);
  const objects = lines.map((l) => checkLine(l, 'stdout'));
  const byRequest = (id) => objects.filter((o) => o.request_id === id);

  const health = byRequest('json-log-req-1').find((o) => o.message.startsWith('GET /health 200'));
  assert.ok(health, 'the access line of /health carries its request id');
  assert.equal(health.fields.method, 'GET');
  assert.equal(health.fields.status, 200);
  assert.equal(health.fields.route, '/health');
  assert.equal(typeof health.fields.duration_ms, 'number');
  const nope = byRequest('json-log-req-2').find((o) => o.fields?.status === 404);
  assert.ok(nope, 'the 404 is logged');
  assert.ok(nope.fields.target.includes('[REDACTED]') || !nope.fields.target.includes('sk-or'), nope.fields.target);
  const failed = byRequest('json-log-req-4').find((o) => o.level === 'warning' && o.session_id === 'session_jsonlog_1');
  assert.ok(failed, `the failed turn's warning names its session: ${JSON.stringify(byRequest('json-log-req-4'))}`);
  assert.ok(!failed.message.startsWith('['), 'the id moved out of the message');
  assert.ok(objects.some((o) => o.message === 'parley stopped'));

  const files = filesUnder(join(home, 'logs', 'app'));
  assert.equal(files.length, 1, files.join(', '));
  assert.match(files[0], /logs\/app\/\d{4}-\d\d-\d\d\/parley\.log$/);
  const fileText = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(files[0]));
  const fileLines = fileText.split('\n').filter((l) => l !== '');
  assert.ok(fileLines.length >= 5);
  for (const l of fileLines) checkLine(l, 'log file');
  rmSync(home, { recursive: true, force: true });
});

test('an unknown PARLEY_LOG_FORMAT stops start-up naming the variable', async () => {
  const r = await startParley({ env: { PARLEY_LOG_FORMAT: 'xml' }, expectExit: true });
  assert.equal(r.code, 2);
  assert.match(r.output(), /PARLEY_LOG_FORMAT='xml' is invalid: expected text or json/);
  await r.stop();
});

test('text stays the default: readable lines on stderr, only the listening line on stdout', async () => {
  const p = await startParley();
  let out = '';
  p.proc.stdout.on('data', (d) => { out += d; });
  try {
    await fetch(`${p.url}/health`);
    await p.waitForOutput(/GET \/health 200/);
    assert.match(p.output(), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} info/m);
    assert.equal(out, '', 'log lines stay off stdout in text mode');
  } finally { await p.stop(); }
});
