// POST /api/chat/stream against the fake OpenRouter: event catalogue and order, byte-for-byte relay, failures as
// in-stream errors, cancellation reaching the upstream, and what the next hop's request contains (api.md §3).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startParley } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';
import { parseResponse, dechunk, waitFor } from '../lib/http.mjs';

let up, p;
before(async () => {
  up = await startFakeUpstream();
  p = await startParley({ env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-test-chat-0123456789', OPENROUTER_TIMEOUT: '2', PARLEY_TIMEZONE: 'America/New_York' } });
});
after(async () => { await p?.stop(); await up?.stop(); });

async function chat(body) {
  const res = await fetch(`${p.url}/api/chat/stream`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { res, text: await res.text() };
}

function events(text) {
  return text.split('\n\n').filter((b) => b && !b.startsWith(':')).map((block) => {
    const lines = block.split('\n');
    const ev = { event: null, data: [], id: null };
    for (const l of lines) {
      if (l.startsWith('event: ')) ev.event = l.slice(7);
      else if (l.startsWith('data: ')) ev.data.push(l.slice(6));
      else if (l.startsWith('id: ')) ev.id = l.slice(4);
    }
    return { event: ev.event, data: ev.data.join('\n'), id: ev.id };
  });
}

const userMsg = (text, id = 'user_' + Math.random().toString(16).slice(2)) => ({ role: 'user', content: text, client_message_id: id });

test('a new conversation: session, the upstream chunks verbatim, metadata, [DONE]', async () => {
  await up.reset();
  const { res, text } = await chat({ model: 'openai/gpt-4o-mini', messages: [userMsg('Hello?', 'user_1')],
    metadata: { client_assistant_message_id: 'assistant_1', client_parent_message_id: 'user_1' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  assert.ok(!text.includes('OPENROUTER PROCESSING'), 'upstream comments are dropped');
  assert.ok(!text.includes('\r'), 'LF only');
  const ev = events(text);
  assert.equal(ev[0].event, 'session');
  const sessionId = JSON.parse(ev[0].data).session_id;
  assert.match(sessionId, /^[0-9a-f]{32}$/);
  const messages = ev.filter((e) => e.event === 'message');
  assert.equal(messages.at(-1).data, '[DONE]');
  assert.equal(ev.at(-1).event, 'message');
  const chunks = messages.slice(0, -1).map((m) => JSON.parse(m.data));
  assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), 'Hello from the fake.');
  assert.deepEqual(chunks.at(-1).choices, [], 'the usage-only last chunk is forwarded');
  assert.equal(chunks.at(-1).usage.cost, 0.0000123);
  const meta = JSON.parse(ev.find((e) => e.event === 'metadata').data);
  assert.deepEqual(Object.keys(meta), ['role', 'finish_reason', 'model', 'usage', 'routing', 'meta', 'generation_id', 'reasoning', 'tool_calls', 'client_message_id', 'message_id', 'created_at', 'created_at_utc']);
  assert.equal(meta.finish_reason, 'stop');
  assert.equal(meta.meta, null);
  assert.equal(meta.client_message_id, 'assistant_1');
  assert.equal(meta.routing['openrouter-provider'], 'FakeProvider');
  assert.match(meta.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[45]:00$/);
  assert.match(meta.created_at_utc, /\+00:00$/);
  assert.ok(Number.isInteger(meta.message_id));

  const sent = (await up.requests()).filter((r) => r.path === '/chat/completions').at(-1);
  assert.equal(sent.headers.authorization, 'Bearer sk-test-chat-0123456789');
  assert.equal(sent.headers.accept, 'text/event-stream');
  assert.equal(sent.body.stream, true);
  assert.deepEqual(sent.body.usage, { include: true });
  assert.equal(sent.body.session_id, undefined);
  assert.equal(sent.body.messages[0].role, 'system');
  assert.match(sent.body.messages[0].content, /^# Current Date & Time Context\n- Today's date: \d{4}-\d\d-\d\d \(\w+day\)\n- Current time: \d\d:\d\d:\d\d E[SD]T\n- Timezone: America\/New_York/);
  assert.ok(sent.body.messages[0].content.endsWith('complying with safety policies.'));
  assert.deepEqual(sent.body.messages[1], { role: 'user', content: 'Hello?' });

  // A second turn: no session event; the upstream sees the stored history.
  const second = await chat({ session_id: sessionId, messages: [userMsg('And then?')] });
  const ev2 = events(second.text);
  assert.notEqual(ev2[0].event, 'session');
  const sent2 = (await up.requests()).filter((r) => r.path === '/chat/completions').at(-1);
  assert.deepEqual(sent2.body.messages.map((m) => m.role), ['system', 'user', 'assistant', 'user']);
  assert.equal(sent2.body.messages[2].content, 'Hello from the fake.');
});

test('events split at every few bytes are relayed byte for byte', async () => {
  await up.script([{ content: ['ünïcödé ', 'and "quotes"', '\\n'], split_bytes: 3 }]);
  const { text } = await chat({ messages: [userMsg('split')] });
  const chunks = events(text).filter((e) => e.event === 'message' && e.data !== '[DONE]').map((e) => JSON.parse(e.data));
  assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), 'ünïcödé and "quotes"\\n');
});

test('an upstream HTTP error becomes metadata, error, the compatibility chunk and [DONE]', async () => {
  await up.script([{ status: 429, retry_after: 3, error_body: { error: { code: 429, message: 'Rate limit exceeded' } } }]);
  const { res, text } = await chat({ messages: [userMsg('limited')] });
  assert.equal(res.status, 200);
  const ev = events(text).filter((e) => e.event !== 'session');
  assert.deepEqual(ev.map((e) => e.event), ['metadata', 'error', 'message', 'message']);
  assert.equal(JSON.parse(ev[0].data).finish_reason, 'error');
  assert.deepEqual(JSON.parse(ev[1].data), { message: 'Rate limit exceeded', status: 429, code: 429, retryable: true });
  assert.deepEqual(JSON.parse(ev[2].data), { choices: [{ delta: { content: 'Error: {"code":429,"message":"Rate limit exceeded"}' } }] });
  assert.equal(ev[3].data, '[DONE]');
});

test('an in-band error chunk is forwarded first, then the failure events', async () => {
  await up.script([{ content: ['partial'], in_band_error: { code: 502, message: 'Provider returned error', metadata: { error_type: 'provider_unavailable' } } }]);
  const { text } = await chat({ messages: [userMsg('inband')] });
  const ev = events(text).filter((e) => e.event !== 'session');
  const errorChunk = ev.findIndex((e) => e.event === 'message' && e.data.includes('"error"'));
  assert.ok(errorChunk >= 0);
  assert.deepEqual(ev.slice(errorChunk + 1).map((e) => e.event), ['metadata', 'error', 'message', 'message']);
  assert.deepEqual(JSON.parse(ev[errorChunk + 2].data), { message: 'Provider returned error', status: null, code: 502, retryable: true });
});

test('a dropped connection, a stall and an unreachable upstream have their own error codes', async () => {
  await up.script([{ content: ['a', 'b'], drop_after: 2 }]);
  let ev = events((await chat({ messages: [userMsg('drop')] })).text);
  assert.equal(JSON.parse(ev.find((e) => e.event === 'error').data).code, 'upstream_disconnected');

  // Time is what is tested: OPENROUTER_TIMEOUT is 2 s here (1 s would leave a loaded machine too little for
  // ordinary turns), the stall outlasts it.
  await up.script([{ stall_ms: 3500 }]);
  const started = Date.now();
  ev = events((await chat({ messages: [userMsg('stall')] })).text);
  assert.deepEqual(JSON.parse(ev.find((e) => e.event === 'error').data),
    { message: 'Upstream did not respond within 2 seconds', status: 504, code: 'upstream_timeout', retryable: true });
  assert.ok(Date.now() - started < 3400, 'the timeout fired, not the end of the stall');
});

test('malformed upstream data is skipped; a final event without a blank line still counts', async () => {
  await up.script([{ content: ['ok'], raw_after: ['data: {not json}\n\n', 'event: custom\ndata: {"x":1}\n\n'], no_done: true }]);
  const ev = events((await chat({ messages: [userMsg('malformed')] })).text);
  assert.ok(!ev.some((e) => e.data === '{not json}'));
  assert.ok(ev.some((e) => e.event === 'custom' && e.data === '{"x":1}'), 'other event names are forwarded');
  assert.ok(!ev.some((e) => e.event === 'error'), 'a finish reason before the end means complete');
});

test('the browser leaving aborts the upstream within 100 ms and keeps the partial answer', async () => {
  await up.script([{ content: Array.from({ length: 100 }, (_, i) => `w${i} `), delay_ms: 50 }]);
  const before = await up.closed();
  const socket = net.connect(p.port, '127.0.0.1');
  let got = '';
  socket.on('data', (d) => { got += d; });
  const body = JSON.stringify({ messages: [userMsg('cancel me')], metadata: { client_assistant_message_id: 'assistant_c' } });
  socket.write(`POST /api/chat/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  await waitFor(() => got.includes('w3 '), 5000);
  const sessionId = JSON.parse(events(dechunk(parseResponse(got).body))[0].data).session_id;
  const leftAt = Date.now();
  socket.destroy();
  const closed = await up.waitFor({ closed_early: before.closed_early + 1 }, 3000);
  assert.ok(closed.closed_at - leftAt <= 100, `upstream closed ${closed.closed_at - leftAt} ms after the browser left`);
  // The partial answer is stored once the turn has wound down; the next turn's request shows it.
  const stored = await waitFor(async () => {
    const history = await (await fetch(`${p.url}/api/chat/session/${sessionId}/messages`)).json();
    return history.messages?.find((m) => m.role === 'assistant');
  }, 5000);
  assert.ok(stored, 'the partial answer was stored');
  await chat({ session_id: sessionId, messages: [userMsg('after cancel')] });
  const sent = (await up.requests()).filter((r) => r.path === '/chat/completions').at(-1);
  const partial = sent.body.messages.find((m) => m.role === 'assistant');
  assert.match(partial.content, /^w0 w1 w2 w3 /);
});

test('a browser\'s next turn reuses the connection of the last stream', async () => {
  // As a browser does after a whole chunked response: the second turn goes over the same socket.
  await up.reset();
  const socket = net.connect(p.port, '127.0.0.1');
  let got = '';
  socket.on('data', (d) => { got += d; });
  let closed = false;
  socket.on('close', () => { closed = true; });
  const send = (body) => socket.write(`POST /api/chat/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  const ends = () => got.split('\r\n0\r\n\r\n').length - 1;
  try {
    send(JSON.stringify({ messages: [userMsg('first turn')] }));
    await waitFor(() => ends() === 1 || closed, 5000);
    assert.equal(ends(), 1, `the first stream did not end with its last chunk: ${got.slice(-200)}`);
    const first = parseResponse(got);
    assert.equal(first.status, 200);
    assert.notEqual(first.headers.connection, 'close');
    const sessionId = JSON.parse(events(dechunk(first.body))[0].data).session_id;
    const firstLength = got.length;
    send(JSON.stringify({ session_id: sessionId, messages: [userMsg('second turn')] }));
    await waitFor(() => ends() === 2 || closed, 5000);
    assert.equal(ends(), 2, `no second answer on the same connection (closed: ${closed})`);
    const second = parseResponse(got.slice(firstLength));
    assert.equal(second.status, 200);
    const evs = events(dechunk(second.body));
    assert.equal(evs.at(-1).data, '[DONE]');
    const history = await (await fetch(`${p.url}/api/chat/session/${sessionId}/messages`)).json();
    assert.deepEqual(history.messages.filter((m) => m.role !== 'system').map((m) => m.role), ['user', 'assistant', 'user', 'assistant']);
  } finally { socket.destroy(); }
});

test('a client that sent something during the stream and then left still cancels the turn', async () => {
  // The watch leaves unread bytes for the next request; it must still see the client go (api.md §3.8).
  await up.script([{ content: Array.from({ length: 100 }, (_, i) => `w${i} `), delay_ms: 50 }]);
  const before = await up.closed();
  const socket = net.connect(p.port, '127.0.0.1');
  let got = '';
  socket.on('data', (d) => { got += d; });
  const body = JSON.stringify({ messages: [userMsg('cancel me too')] });
  socket.write(`POST /api/chat/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  await waitFor(() => got.includes('w3 '), 5000);
  socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  const leftAt = Date.now();
  socket.destroy();
  const closed = await up.waitFor({ closed_early: before.closed_early + 1 }, 3000);
  assert.ok(closed.closed_at - leftAt <= 100, `upstream closed ${closed.closed_at - leftAt} ms after the client left`);
});

test('validation errors are 422 JSON before streaming; an empty message list fails in-stream', async () => {
  let r = await chat({ messages: [{ role: 'bot', content: 'x' }] });
  assert.equal(r.res.status, 422);
  assert.equal(JSON.parse(r.text).detail[0].type, 'literal_error');
  r = await chat({ messages: [] });
  assert.equal(r.res.status, 200);
  const ev = events(r.text);
  assert.deepEqual(ev.map((e) => e.event), ['error', 'message', 'message'], 'no session event, nothing stored');
  assert.equal(JSON.parse(ev[0].data).code, 'invalid_request');
});

test('without OPENROUTER_API_KEY the turn fails with not_configured and the upstream is not contacted', async () => {
  const q = await startParley({ env: { OPENROUTER_BASE_URL: up.baseUrl } });
  try {
    const before = (await up.requests()).length;
    const res = await fetch(`${q.url}/api/chat/stream`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ messages: [userMsg('hi')] }) });
    const ev = events(await res.text());
    assert.deepEqual(ev.map((e) => e.event), ['session', 'metadata', 'error', 'message', 'message']);
    assert.equal(JSON.parse(ev[2].data).code, 'not_configured');
    assert.equal((await up.requests()).length, before);
  } finally { await q.stop(); }
});

test('each turn writes a conversation snapshot under logs/conversations/YYYY-MM-DD/, without secrets', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  await up.script([{ content: ['logged answer'] }]);
  const { text } = await chat({ messages: [userMsg('please log this turn')] });
  const sessionId = JSON.parse(events(text)[0].data).session_id;
  const dir = join(p.home, 'logs', 'conversations');
  const day = readdirSync(dir).find((d) => /^\d{4}-\d\d-\d\d$/.test(d));
  assert.ok(day, 'a dated folder');
  const file = readdirSync(join(dir, day)).find((f) => f.endsWith(`_${sessionId}.log`));
  assert.match(file, /^session_\d\d-\d\d-\d\d_E[SD]T_[0-9a-f]{32}\.log$/);
  const content = readFileSync(join(dir, day, file), 'utf8');
  assert.ok(content.includes('please log this turn') && content.includes('logged answer'));
  assert.ok(!content.includes('sk-test-chat-0123456789'));
});

test('later turns of a conversation are appended to its log of the day, each row once, not a new copy of the whole history per turn', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  await up.script([{ content: ['answer one'] }, { content: ['answer two'] }, { content: ['answer three'] }]);
  let session = null;
  const requestIds = [];
  for (const q of ['question one', 'question two', 'question three']) {
    const { res, text } = await chat({ ...(session ? { session_id: session } : {}), messages: [userMsg(q)] });
    assert.equal(res.status, 200);
    session ??= JSON.parse(events(text)[0].data).session_id;
    requestIds.push(res.headers.get('x-request-id'));
  }
  assert.ok(requestIds.every(Boolean), 'every response names its request');
  const dir = join(p.home, 'logs', 'conversations');
  const logs = readdirSync(dir).flatMap((day) => readdirSync(join(dir, day)).filter((f) => f.endsWith(`_${session}.log`)).map((f) => join(dir, day, f)));
  assert.equal(logs.length, 1, `one log file for the conversation: ${logs}`);
  const content = readFileSync(logs[0], 'utf8');
  const count = (s) => content.split(s).length - 1;
  for (const s of ['question one', 'answer one', 'question two', 'answer two', 'question three', 'answer three']) assert.equal(count(s), 1, `${s} once in\n${content}`);
  for (const id of requestIds) assert.equal(count(`request: ${id}\n`), 1, `turn ${id} logged`);
  assert.ok(content.indexOf('answer one') < content.indexOf('question two') && content.indexOf('answer two') < content.indexOf('question three'));
  assert.equal(count('new messages: 2\n'), 2, 'each later turn added its user and assistant rows');
});

test('after a message is deleted, the next turn logs the conversation as it is now (without the deleted rows)', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  await up.script([{ content: ['kept answer'] }, { content: ['doomed answer'] }, { content: ['third answer'] }]);
  let session = null, lastRequest = null;
  for (const [i, q] of ['kept question', 'doomed question', 'third question'].entries()) {
    if (i === 2) {
      const del = await fetch(`${p.url}/api/chat/session/${session}/messages/user_doomed_${session}`, { method: 'DELETE' });
      assert.equal(del.status, 204);
    }
    const id = i === 1 ? `user_doomed_${session}` : `user_${i}_${Math.random().toString(16).slice(2)}`;
    const { res, text } = await chat({ ...(session ? { session_id: session } : {}), messages: [userMsg(q, id)],
      metadata: { client_assistant_message_id: `assistant_${id}`, client_parent_message_id: id } });
    assert.equal(res.status, 200);
    session ??= JSON.parse(events(text)[0].data).session_id;
    lastRequest = res.headers.get('x-request-id');
  }
  const dir = join(p.home, 'logs', 'conversations');
  const logs = readdirSync(dir).flatMap((day) => readdirSync(join(dir, day)).filter((f) => f.endsWith(`_${session}.log`)).map((f) => readFileSync(join(dir, day, f), 'utf8')));
  const last = logs.filter((t) => t.includes(`request: ${lastRequest}\n`));
  assert.equal(last.length, 1, 'the last turn is logged once');
  for (const s of ['kept question', 'kept answer', 'third question', 'third answer']) assert.ok(last[0].includes(s), `${s} in\n${last[0]}`);
  for (const s of ['doomed question', 'doomed answer']) assert.ok(!last[0].includes(s), `${s} deleted, yet in\n${last[0]}`);
  assert.ok(last[0].startsWith('session: '), 'the log was started again, whole');
});
