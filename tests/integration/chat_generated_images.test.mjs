// Generated images in the chat stream (api.md §3.3 "Generated images" and "Image reflection", §3.4): images the
// model sends in delta.images, delta.content arrays, message.images or as data:image URIs in text are stored as
// attachments of the session; the browser gets the rewritten chunk while every other chunk stays byte for byte;
// downloads obey IMAGE_DOWNLOAD_* and never reach private addresses unless listed; the next turn's upstream
// body attaches earlier images for "@last2". The fake upstream records the exact payloads it sent; a tiny HTTP
// server in this file plays the image host.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startParley } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';
import { within } from '../lib/http.mjs';
import { makePng, sql } from './uploads_helpers.mjs';

const MAX_ATTACHMENT = 4000;
const quiet = { 'data/mcp_servers.json': '{"servers":[]}' };
const env = (extra = {}) => ({ OPENROUTER_API_KEY: 'sk-test-images-0123456789', PARLEY_MAX_TOOL_HOPS: '0',
  ATTACHMENTS_MAX_SIZE_BYTES: String(MAX_ATTACHMENT), IMAGE_DOWNLOAD_TIMEOUT_SECONDS: '1', ...extra });
const dataUri = (buf) => `data:image/png;base64,${buf.toString('base64')}`;
const sessionId = (c) => c.repeat(32);

let up, p, listed, host;
const hits = {};
let markDripClosed;
const dripClosed = new Promise((resolve) => { markDripClosed = resolve; });

// The image host: a PNG, another PNG, and one that drips a byte every 300 ms (each read is quick, the whole
// download never ends).
function startImageHost() {
  const server = http.createServer((req, res) => {
    hits[req.url] = (hits[req.url] ?? 0) + 1;
    if (req.url === '/pics/sunset.png' || req.url === '/pics/other.png') {
      const png = req.url === '/pics/sunset.png' ? makePng(12, 12) : makePng(10, 10);
      res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': png.length });
      return res.end(png);
    }
    if (req.url === '/drip.png') {
      const png = makePng(20, 20);
      res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': png.length });
      let i = 0;
      const timer = setInterval(() => { if (i < png.length) res.write(png.subarray(i, ++i)); }, 300);
      res.on('close', () => { clearInterval(timer); markDripClosed(); });
      return undefined;
    }
    res.writeHead(404);
    return res.end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

before(async () => {
  host = await startImageHost();
  up = await startFakeUpstream();
  p = await startParley({ env: env({ OPENROUTER_BASE_URL: up.baseUrl }), files: quiet });
  listed = await startParley({ env: env({ OPENROUTER_BASE_URL: up.baseUrl, IMAGE_DOWNLOAD_ALLOWED_HOSTS: '127.0.0.1' }), files: quiet });
});
after(async () => { await p?.stop(); await listed?.stop(); await up?.stop(); host?.close(); });

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

async function chat(server, body) {
  const res = await fetch(`${server.url}/api/chat/stream`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200);
  const text = await res.text();
  const ev = events(text);
  assert.equal(ev.at(-1).data, '[DONE]', text.slice(-500));
  assert.ok(!ev.some((e) => e.event === 'error'), text.slice(-500));
  return ev;
}

// The browser's message payloads against what the upstream sent: equal byte for byte except at `rewritten`.
async function compareWithUpstream(ev, rewritten = []) {
  const sent = await up.sent();
  const got = ev.filter((e) => e.event === 'message').map((e) => e.data);
  assert.equal(got.length, sent.length);
  for (let i = 0; i < sent.length; i++) {
    if (rewritten.includes(i)) assert.notEqual(got[i], sent[i], `chunk ${i} was rewritten`);
    else assert.equal(got[i], sent[i], `chunk ${i} is forwarded byte for byte`);
  }
  return { sent, got };
}

const assistantRows = (server, session) => sql(server.home, `SELECT json_object('content', content, 'metadata', json(metadata)) FROM messages WHERE session_id = '${session}' AND role = 'assistant' ORDER BY id`)
  .map((l) => { const r = JSON.parse(l); return { content: (() => { try { return JSON.parse(r.content); } catch { return r.content; } })(), metadata: r.metadata }; });
const attachmentRows = (server, session) => sql(server.home, `SELECT json_object('id', attachment_id, 'path', storage_path, 'mime', mime_type, 'size', size_bytes, 'backend', storage_backend, 'metadata', json(metadata)) FROM attachments WHERE session_id = '${session}' ORDER BY created_at, attachment_id`)
  .map((l) => JSON.parse(l));

function checkMetadata(meta, server, session, bytes, extra) {
  assert.deepEqual(Object.keys(meta), ['attachment_id', 'display_url', 'delivery_url', 'mime_type', 'size_bytes', 'session_id', 'uploaded_at',
    'expires_at', 'signed_url_expires_at', 'filename', 'source_fragment_type']);
  assert.match(meta.attachment_id, /^[0-9a-f]{32}$/);
  assert.ok(meta.display_url.startsWith(`${server.url}/api/files/`), meta.display_url);
  assert.match(meta.display_url, /\?exp=\d+&sig=[0-9a-f]{64}$/);
  assert.equal(meta.delivery_url, meta.display_url);
  assert.equal(meta.mime_type, 'image/png');
  assert.equal(meta.size_bytes, bytes.length);
  assert.equal(meta.session_id, session);
  for (const k of ['uploaded_at', 'expires_at', 'signed_url_expires_at']) assert.match(meta[k], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, k);
  for (const [k, v] of Object.entries(extra)) assert.equal(meta[k], v, k);
}

async function checkStored(server, session, meta, bytes) {
  const rows = attachmentRows(server, session).filter((r) => r.id === meta.attachment_id);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].path, `${session}/${meta.attachment_id}__${meta.filename}`);
  assert.equal(rows[0].mime, 'image/png');
  assert.equal(rows[0].size, bytes.length);
  assert.equal(rows[0].backend, 'local');
  assert.deepEqual(rows[0].metadata, { mime_type: 'image/png', size_bytes: bytes.length, filename: meta.filename });
  assert.deepEqual(readFileSync(join(server.home, 'data', 'blobs', rows[0].path)), bytes);
  const served = await fetch(meta.display_url);
  assert.equal(served.status, 200);
  assert.deepEqual(Buffer.from(await served.arrayBuffer()), bytes);
}

test('an inline image in delta.images is stored and rewritten; every other chunk is forwarded byte for byte', async () => {
  const session = sessionId('a');
  const png = makePng(16, 16);
  await up.script([{ content: ['Here is ', 'your square.'], deltas: [{ content: '', images: [{ type: 'image_url', image_url: { url: dataUri(png) }, index: 0 }] }] }]);
  const ev = await chat(p, { session_id: session, messages: [{ role: 'user', content: 'Draw a square' }] });

  const { sent, got } = await compareWithUpstream(ev, [3]);
  const original = JSON.parse(sent[3]);
  const rewritten = JSON.parse(got[3]);
  const frag = rewritten.choices[0].delta.images[0];
  assert.deepEqual(Object.keys(frag), ['type', 'image_url', 'metadata']);
  assert.equal(frag.type, 'image_url');
  assert.deepEqual(frag.image_url, { url: frag.metadata.display_url });
  checkMetadata(frag.metadata, p, session, png, { filename: 'generated-image.png', source_fragment_type: 'image_url' });
  original.choices[0].delta.images = [frag];
  assert.deepEqual(rewritten, original, 'nothing else in the chunk changed');
  await checkStored(p, session, frag.metadata, png);

  // The stored assistant row keeps the text and the rewritten fragment.
  const [row] = assistantRows(p, session);
  assert.deepEqual(row.content, [{ type: 'text', text: 'Here is your square.' }, frag]);
  assert.equal(row.metadata.__structured_content__, true);
  // The history serves it re-signed on the request's host.
  const history = await (await fetch(`${p.url}/api/chat/session/${session}/messages`)).json();
  const served = history.messages.find((m) => m.role === 'assistant').content[1];
  assert.equal(served.metadata.attachment_id, frag.metadata.attachment_id);
  assert.ok(served.image_url.url.startsWith(`${p.url}/api/files/`));
});

test('an image in a delta.content array and again in the final message is stored once, in text order', async () => {
  const session = sessionId('b');
  const png = makePng(8, 8);
  await up.script([{ deltas: [{ content: [{ type: 'text', text: 'Two views: ' }, { type: 'image_url', image_url: { url: dataUri(png) } }] }, { content: ' bye' }],
    final_message: { role: 'assistant', content: 'Two views:  bye', images: [{ type: 'image_url', image_url: { url: dataUri(png) } }] } }]);
  const ev = await chat(p, { session_id: session, messages: [{ role: 'user', content: 'Two views please' }] });
  const { got } = await compareWithUpstream(ev, [1, 3]);
  const inDelta = JSON.parse(got[1]).choices[0].delta.content;
  assert.deepEqual(inDelta[0], { type: 'text', text: 'Two views: ' }, 'text parts stay');
  const inMessage = JSON.parse(got[3]).choices[0].message.images[0];
  assert.equal(inDelta[1].metadata.attachment_id, inMessage.metadata.attachment_id);
  checkMetadata(inDelta[1].metadata, p, session, png, { source_fragment_type: 'image_url' });
  assert.equal(attachmentRows(p, session).length, 1, 'one attachment for the repeated image');
  await checkStored(p, session, inDelta[1].metadata, png);
  const [row] = assistantRows(p, session);
  assert.deepEqual(row.content, [{ type: 'text', text: 'Two views: ' }, inDelta[1], { type: 'text', text: ' bye' }]);
});

test('data:image URIs in streamed text are stored; the text chunks are forwarded untouched', async () => {
  const session = sessionId('c');
  const png = makePng(14, 14);
  const uri = dataUri(png);
  await up.script([{ content: ['Sure! ![a square](', uri.slice(0, 40), `${uri.slice(40)})`, ' Enjoy.'] }]);
  const ev = await chat(p, { session_id: session, messages: [{ role: 'user', content: 'inline please' }] });
  await compareWithUpstream(ev, []);
  const [att] = attachmentRows(p, session);
  assert.ok(att, 'the image became an attachment');
  assert.deepEqual(readFileSync(join(p.home, 'data', 'blobs', att.path)), png);
  const [row] = assistantRows(p, session);
  assert.equal(row.content.length, 3);
  assert.deepEqual(row.content[0], { type: 'text', text: 'Sure! ' });
  assert.deepEqual(row.content[2], { type: 'text', text: ' Enjoy.' });
  assert.equal(row.content[1].type, 'image_url');
  checkMetadata(row.content[1].metadata, p, session, png, { attachment_id: att.id, source_fragment_type: 'text' });
  assert.ok(!JSON.stringify(row.content).includes('base64'), 'no data: URL is stored');
});

test('images larger than ATTACHMENTS_MAX_SIZE_BYTES are left as they are', async () => {
  const session = sessionId('d');
  const big = makePng(100, 100);
  assert.ok(big.length > MAX_ATTACHMENT);
  await up.script([{ content: ['Too big.'], deltas: [{ content: '', images: [{ type: 'image_url', image_url: { url: dataUri(big) } }] }] },
    { content: [`Inline: ${dataUri(big)}`] }]);
  const ev = await chat(p, { session_id: session, messages: [{ role: 'user', content: 'big one' }] });
  await compareWithUpstream(ev, []);
  const ev2 = await chat(p, { session_id: session, messages: [{ role: 'user', content: 'inline big one' }] });
  await compareWithUpstream(ev2, []);
  assert.equal(attachmentRows(p, session).length, 0);
  const rows = assistantRows(p, session);
  assert.equal(rows[0].content, 'Too big.', 'an inline image that was not stored is not kept in the row');
  assert.equal(rows[1].content, `Inline: ${dataUri(big)}`, 'the text stays as the model wrote it');
});

test('an image URL on a private address is refused unless the host is listed', async () => {
  const port = host.address().port;
  const sunset = `http://127.0.0.1:${port}/pics/sunset.png`;
  const other = `http://localhost:${port}/pics/other.png`;
  const scenario = { content: ['Look.'], deltas: [{ content: '', images: [{ type: 'image_url', image_url: { url: sunset } }, { type: 'image_url', image_url: { url: other } }] }] };

  // Not listed: nothing is fetched (not even through the name "localhost"), the chunk is untouched.
  const refused = sessionId('e');
  await up.script([scenario]);
  const ev = await chat(p, { session_id: refused, messages: [{ role: 'user', content: 'fetch it' }] });
  await compareWithUpstream(ev, []);
  assert.equal(hits['/pics/sunset.png'] ?? 0, 0);
  assert.equal(hits['/pics/other.png'] ?? 0, 0);
  assert.equal(attachmentRows(p, refused).length, 0);
  assert.deepEqual(assistantRows(p, refused)[0].content, [{ type: 'text', text: 'Look.' },
    { type: 'image_url', image_url: { url: sunset } }, { type: 'image_url', image_url: { url: other } }], 'kept as plain URL fragments');

  // 127.0.0.1 listed: that image is downloaded and stored; "localhost" is still not listed.
  const allowed = sessionId('f');
  await up.script([scenario]);
  const ev2 = await chat(listed, { session_id: allowed, messages: [{ role: 'user', content: 'fetch it' }] });
  const { got } = await compareWithUpstream(ev2, [2]);
  assert.equal(hits['/pics/sunset.png'], 1);
  assert.equal(hits['/pics/other.png'] ?? 0, 0);
  const images = JSON.parse(got[2]).choices[0].delta.images;
  assert.deepEqual(images[1], { type: 'image_url', image_url: { url: other } });
  const png = makePng(12, 12);
  checkMetadata(images[0].metadata, listed, allowed, png, { filename: 'sunset.png', source_fragment_type: 'image_url' });
  await checkStored(listed, allowed, images[0].metadata, png);
});

test('a download that does not finish within IMAGE_DOWNLOAD_TIMEOUT_SECONDS is abandoned', async () => {
  const session = sessionId('9');
  const url = `http://127.0.0.1:${host.address().port}/drip.png`;
  await up.script([{ content: ['Slow.'], deltas: [{ content: '', images: [{ type: 'image_url', image_url: { url } }] }] }]);
  const started = Date.now();
  const ev = await chat(listed, { session_id: session, messages: [{ role: 'user', content: 'slow one' }] });
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 900 && elapsed < 4000, `took ${elapsed} ms`);
  assert.equal(hits['/drip.png'], 1);
  await compareWithUpstream(ev, []);
  assert.equal(attachmentRows(listed, session).length, 0);
  assert.ok(await within(dripClosed, 3000), 'the download connection was closed');
});

test('the next turn attaches the last two generated images for @last2 (in the upstream body only)', async () => {
  const session = sessionId('7');
  const first = makePng(9, 9);
  const second = makePng(11, 11);
  await up.script([
    { content: ['First.'], deltas: [{ content: '', images: [{ type: 'image_url', image_url: { url: dataUri(first) } }] }] },
    { deltas: [{ content: [{ type: 'text', text: 'Second.' }, { type: 'image_url', image_url: { url: dataUri(second) } }] }] },
    { content: ['They differ in size.'] },
  ]);
  await chat(p, { session_id: session, messages: [{ role: 'user', content: 'one' }] });
  await chat(p, { session_id: session, messages: [{ role: 'user', content: 'two' }] });
  await chat(p, { session_id: session, messages: [{ role: 'user', content: 'Compare @last2 please' }] });

  const sentBody = (await up.requests()).filter((r) => r.path === '/chat/completions').at(-1).body;
  const last = sentBody.messages.at(-1);
  assert.equal(last.role, 'user');
  assert.deepEqual(last.content, [
    { type: 'text', text: 'Compare please' },
    { type: 'image_url', image_url: { url: dataUri(first) } },
    { type: 'image_url', image_url: { url: dataUri(second) } },
  ], 'oldest first, in their delivery form (inline: the provider cannot reach this parley)');
  const assistants = sentBody.messages.filter((m) => m.role === 'assistant');
  assert.deepEqual(assistants[0].content, [{ type: 'text', text: 'First.' }, { type: 'image_url', image_url: { url: dataUri(first) } }]);
  assert.deepEqual(assistants[1].content, [{ type: 'text', text: 'Second.' }, { type: 'image_url', image_url: { url: dataUri(second) } }]);
  const storedUser = sql(p.home, `SELECT content FROM messages WHERE session_id = '${session}' AND role = 'user' ORDER BY id DESC LIMIT 1`)[0];
  assert.equal(storedUser, 'Compare @last2 please', 'reflection is never stored');

  // A user message with its own image gets nothing added.
  await chat(p, { session_id: session, messages: [{ role: 'user', content: [{ type: 'text', text: '@last2 and this' }, { type: 'image_url', image_url: { url: 'https://example.com/mine.png' } }] }] });
  const again = (await up.requests()).filter((r) => r.path === '/chat/completions').at(-1).body.messages.at(-1);
  assert.deepEqual(again.content, [{ type: 'text', text: '@last2 and this' }, { type: 'image_url', image_url: { url: 'https://example.com/mine.png' } }]);
});
