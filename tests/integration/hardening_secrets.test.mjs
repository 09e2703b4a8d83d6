// Issue 15, defects 1 and 2: one long credential-looking string (user text, model output, an upstream error
// body, an MCP server's stderr, an inline data: URL) must not end the process, and no known secret leaves parley
// in what it writes out: SSE events, stored rows, exports, proxied error bodies, logs (api.md §0.8).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startParley } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';
import { waitFor } from '../lib/http.mjs';
import { fakeServer } from './mcp_helpers.mjs';

function readTree(dir) {
  if (!existsSync(dir)) return '';
  let text = '';
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    text += statSync(p).isDirectory() ? readTree(p) : readFileSync(p, 'latin1');
  }
  return text;
}

function events(text) {
  return text.split('\n\n').filter((b) => b && !b.startsWith(':')).map((block) => {
    const ev = { event: null, data: [] };
    for (const l of block.split('\n')) {
      if (l.startsWith('event: ')) ev.event = l.slice(7);
      else if (l.startsWith('data: ')) ev.data.push(l.slice(6));
    }
    return { event: ev.event, data: ev.data.join('\n') };
  });
}

const userMsg = (content) => ({ role: 'user', content, client_message_id: 'user_' + Math.random().toString(16).slice(2) });

test('a long credential-looking string from any source is redacted in linear time and parley keeps serving', async () => {
  const up = await startFakeUpstream();
  const p = await startParley({
    env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-test-hardening-0123456789' },
    files: {
      'data/mcp_servers.json': JSON.stringify({ servers: [
        { id: 'noisy', command: [process.execPath, fakeServer, '--name', 'noisy', '--stderr-secret', '40000'] }] }),
      'logging_settings.conf': 'terminal = info\nsessions = debug\nconversations = debug\n',
    },
  });
  const chat = async (body) => {
    const res = await fetch(`${p.url}/api/chat/stream`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.ok(text.endsWith('event: message\ndata: [DONE]\n\n'), 'the stream ended normally');
    return events(text);
  };
  try {
    // An MCP server's stderr: a 40,000-character bearer credential on one line.
    assert.ok(await waitFor(() => p.output().includes('stderr-done'), 15000), 'the stderr line after it was logged');
    // User text (the conversation log redacts every turn), 40 KB and 1 MB.
    for (const n of [40000, 1 << 20]) {
      await up.script([{ content: ['ok'] }]);
      await chat({ messages: [userMsg('token ' + 'A'.repeat(n))] });
    }
    // An OpenAI-style inline image of 40 KB sent by an API client.
    await up.script([{ content: ['an image'] }]);
    await chat({ messages: [userMsg([{ type: 'text', text: 'look' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,' + 'iVBORw0K'.repeat(5000) } }])] });
    // Model output.
    await up.script([{ content: ['basic ', 'Q'.repeat(60000)] }]);
    await chat({ messages: [userMsg('say it')] });
    // An upstream error body.
    await up.script([{ status: 400, error_body: 'bearer ' + 'x'.repeat(100000) }]);
    const ev = await chat({ messages: [userMsg('fail please')] });
    assert.ok(ev.some((e) => e.event === 'error'));

    assert.equal(p.proc.exitCode, null, 'parley is still running');
    assert.equal(p.proc.signalCode, null, 'parley was not killed by a signal');
    assert.equal((await fetch(`${p.url}/health`)).status, 200);
    const logs = readTree(join(p.home, 'logs')) + p.output();
    assert.ok(logs.includes('[REDACTED]'), 'the credentials were masked');
    for (const run of ['A'.repeat(1000), 'Ab9+/'.repeat(200), 'Q'.repeat(1000), 'x'.repeat(1000), 'iVBORw0K'.repeat(100)]) {
      assert.ok(!logs.includes(run), `no long run of ${run.slice(0, 8)}… in the logs`);
    }
  } finally { await p.stop(); await up.stop(); }
});

test('known secrets echoed by the upstream or produced by the model never reach the client, the database, exports or logs', async () => {
  const up = await startFakeUpstream();
  const apiKey = 'sk-or-v1-' + 'k3y'.repeat(12);
  const authToken = 'parley-auth-' + 't0ken'.repeat(6);
  const deepgramKey = 'dg-' + 'd33pgr4m'.repeat(5);
  const s3Secret = 's3-' + 's3cr3t'.repeat(7);
  const p = await startParley({
    env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: apiKey, PARLEY_AUTH_TOKEN: authToken,
      DEEPGRAM_API_KEY: deepgramKey, S3_SECRET_ACCESS_KEY: s3Secret },
    files: { 'logging_settings.conf': 'terminal = debug\nsessions = debug\nconversations = debug\n' },
    keepHome: true,
  });
  const auth = { Authorization: `Bearer ${authToken}` };
  const secrets = [apiKey, authToken, deepgramKey, s3Secret];
  const assertClean = (text, where) => {
    for (const s of secrets) assert.ok(!text.includes(s), `${s.slice(0, 12)}… absent from ${where}`);
  };
  const chat = async (body) => {
    const res = await fetch(`${p.url}/api/chat/stream`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...auth }, body: JSON.stringify(body) });
    return res.text();
  };
  try {
    // Proxied error bodies (the model list first: chat turns fill its cache).
    await up.script([{ models_status: 401, echo_authorization: true }]);
    let res = await fetch(`${p.url}/api/models`, { headers: auth });
    assert.equal(res.status, 401);
    let body = await res.text();
    assertClean(body, '/api/models');
    assert.match(body, /\[REDACTED\]/);
    // The provider quotes the key in its 401 body: error event, "Error:" chunk, metadata.error.
    await up.script([{ status: 401, echo_authorization: true, message: 'Unauthorized.' }]);
    const failed = await chat({ messages: [userMsg('hello')] });
    assertClean(failed, 'the failed stream');
    const ev = events(failed);
    const sessionId = JSON.parse(ev.find((e) => e.event === 'session').data).session_id;
    const error = JSON.parse(ev.find((e) => e.event === 'error').data);
    assert.equal(error.status, 401);
    assert.match(error.message, /Incorrect API key provided: \[REDACTED\]/);
    const compat = ev.filter((e) => e.event === 'message').map((e) => e.data).find((d) => d.includes('Error: '));
    assert.match(compat, /\[REDACTED\]/);

    // The model repeats every secret (a tool result or a pasted text could carry them just the same).
    await up.script([{ content: ['keys: ', apiKey, ' ', authToken, ' ', deepgramKey, ' ', s3Secret, ' end'] }]);
    const echoed = await chat({ session_id: sessionId, messages: [userMsg(`mine is ${apiKey}`)] });
    assertClean(echoed, 'the streamed answer');
    assert.ok(echoed.includes('[REDACTED]'));

    const history = await (await fetch(`${p.url}/api/chat/session/${sessionId}/messages`, { headers: auth })).text();
    assertClean(history, 'the stored history');
    const stored = JSON.parse(history);
    const rows = stored.messages ?? stored;
    assert.ok(rows.some((m) => m.role === 'assistant' && JSON.stringify(m).includes('[REDACTED]')), 'the stored rows carry the mask');
    for (const format of ['markdown', 'json']) {
      const res = await fetch(`${p.url}/api/chat/session/${sessionId}/export?format=${format}`, { headers: auth });
      assert.equal(res.status, 200);
      assertClean(await res.text(), `the ${format} export`);
    }
    res = await fetch(`${p.url}/api/chat/generation/echo-key`, { headers: auth });
    assert.equal(res.status, 401);
    body = await res.text();
    assertClean(body, '/api/chat/generation');
    assert.match(body, /\[REDACTED\]/);
  } finally {
    await p.stop();
    await up.stop();
  }
  try {
    // After the stop: everything on disk, the database file and its WAL included.
    const logs = readTree(join(p.home, 'logs'));
    assert.ok(logs.includes('Incorrect API key provided'), 'the logs were read');
    assertClean(logs + p.output(), 'the logs');
    const data = readTree(join(p.home, 'data'));
    assert.ok(data.includes('Incorrect API key provided'), 'the database was read');
    assertClean(data, 'the data directory (database, WAL)');
  } finally { rmSync(p.home, { recursive: true, force: true }); }
});
