// Attachments in chat turns (api.md §3.2 step 5, §3.3 projection, §8.2): uploaded images and PDFs reach the
// model in their delivery form (inline data: URLs when the provider cannot reach parley, signed parley URLs on
// PARLEY_PUBLIC_URL when it can), are stored with their display URL (never a data: URL), are marked used, and
// an attachment that is gone or belongs to another session is named as unavailable. The fake upstream records
// the exact request bodies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';
import { upload, samples, sql } from './uploads_helpers.mjs';

let up, p, pub;
const env = (extra = {}) => ({ OPENROUTER_BASE_URL: undefined, OPENROUTER_API_KEY: 'sk-test-attach-0123456789', PARLEY_MAX_TOOL_HOPS: '0', ...extra });
const quiet = { 'data/mcp_servers.json': '{"servers":[]}' };

async function chat(server, body) {
  const res = await fetch(`${server.url}/api/chat/stream`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.match(text, /data: \[DONE\]/);
  return text;
}
async function lastUpstreamMessages() {
  const sent = (await up.requests()).filter((r) => r.path === '/chat/completions').at(-1);
  return sent.body.messages;
}
const imageFragment = (att, filename) => ({ type: 'image_url', image_url: { url: att.deliveryUrl, detail: 'high' }, metadata: { attachment_id: att.id, filename } });

before(async () => {
  up = await startFakeUpstream();
  p = await startParley({ env: env({ OPENROUTER_BASE_URL: up.baseUrl }), files: quiet });
  pub = await startParley({ env: env({ OPENROUTER_BASE_URL: up.baseUrl, PARLEY_PUBLIC_URL: 'http://127.0.0.1:1' }), files: quiet });
});
after(async () => { await p?.stop(); await pub?.stop(); await up?.stop(); });

test('an uploaded image reaches the model inline and is stored with its display URL', async () => {
  const session = 'a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0';
  const png = await upload(p.url, { sessionId: session, filename: 'cat.png' });
  assert.equal(png.status, 201, JSON.stringify(png.body));
  const att = png.body.attachment;
  // last_used_at has second precision: rather than wait for the clock, the upload is made a day old.
  sql(p.home, `UPDATE attachments SET last_used_at = datetime(last_used_at, '-1 day') WHERE attachment_id = '${att.id}'`);
  const before = sql(p.home, `SELECT last_used_at FROM attachments WHERE attachment_id = '${att.id}'`)[0];
  await chat(p, { session_id: session, messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, imageFragment(att, 'cat.png')] }] });

  const user = (await lastUpstreamMessages()).find((m) => m.role === 'user');
  assert.equal(user.content.length, 2);
  assert.deepEqual(user.content[0], { type: 'text', text: 'What is this?' });
  assert.deepEqual(Object.keys(user.content[1]).sort(), ['image_url', 'type'], 'metadata never goes upstream');
  assert.equal(user.content[1].image_url.url, `data:image/png;base64,${samples['image/png'].toString('base64')}`);
  assert.equal(user.content[1].image_url.detail, 'high', 'other image_url members are kept');

  const stored = JSON.parse(sql(p.home, `SELECT content FROM messages WHERE session_id = '${session}' AND role = 'user'`)[0]);
  assert.ok(!stored[1].image_url.url.startsWith('data:'), 'no data: URL is stored');
  assert.match(stored[1].image_url.url, new RegExp(`/api/files/.*${att.id}.*\\?exp=\\d+&sig=[0-9a-f]{64}$`));
  const after = sql(p.home, `SELECT last_used_at FROM attachments WHERE attachment_id = '${att.id}'`)[0];
  assert.notEqual(after, before, 'the attachment was marked used');

  // Served history re-signs the fragment on the request's host; the URL serves the bytes.
  const history = await (await fetch(`${p.url}/api/chat/session/${session}/messages`)).json();
  const frag = history.messages.find((m) => m.role === 'user').content[1];
  assert.ok(frag.image_url.url.startsWith(`${p.url}/api/files/`), frag.image_url.url);
  assert.equal(frag.metadata.display_url, frag.image_url.url);
  assert.match(frag.metadata.signed_url_expires_at, /Z$/);
  const file = await fetch(frag.image_url.url);
  assert.equal(file.status, 200);
  assert.deepEqual(Buffer.from(await file.arrayBuffer()), samples['image/png']);
});

test('a PDF becomes a file part; a foreign or missing attachment is named as unavailable', async () => {
  const session = 'b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1';
  const pdf = await upload(p.url, { sessionId: session, filename: 'report.pdf', type: 'application/pdf', data: samples['application/pdf'] });
  assert.equal(pdf.status, 201, JSON.stringify(pdf.body));
  const other = await upload(p.url, { sessionId: 'c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2c2', filename: 'other.png' });
  assert.equal(other.status, 201);
  await chat(p, { session_id: session, messages: [{ role: 'user', content: [
    { type: 'text', text: 'Summarise' },
    { type: 'image_url', image_url: { url: pdf.body.attachment.displayUrl }, metadata: { attachment_id: pdf.body.attachment.id, filename: 'report.pdf' } },
    imageFragment(other.body.attachment, 'other.png'),
    imageFragment({ id: 'f'.repeat(32), deliveryUrl: 'https://example.invalid/x.png' }, 'gone.png'),
  ] }] });
  const user = (await lastUpstreamMessages()).find((m) => m.role === 'user');
  assert.deepEqual(user.content[1], { type: 'file', file: { filename: 'report.pdf', file_data: `data:application/pdf;base64,${samples['application/pdf'].toString('base64')}` } });
  assert.deepEqual(user.content[2], { type: 'text', text: '[attachment no longer available: other.png]' });
  assert.deepEqual(user.content[3], { type: 'text', text: '[attachment no longer available: gone.png]' });
});

test('with PARLEY_PUBLIC_URL the model gets a signed parley URL instead of the bytes', async () => {
  const session = 'd3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3';
  const png = await upload(pub.url, { sessionId: session, filename: 'dog.png' });
  assert.equal(png.status, 201);
  await chat(pub, { session_id: session, messages: [{ role: 'user', content: [imageFragment(png.body.attachment, 'dog.png')] }] });
  const user = (await lastUpstreamMessages()).find((m) => m.role === 'user');
  const url = user.content[0].image_url.url;
  assert.match(url, /^http:\/\/127\.0\.0\.1:1\/api\/files\/.*\?exp=\d+&sig=[0-9a-f]{64}$/);
  // The same path and query are served by this parley (the public URL is only the address the provider uses).
  const local = `${pub.url}${new URL(url).pathname}${new URL(url).search}`;
  const res = await fetch(local);
  assert.equal(res.status, 200);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), samples['image/png']);
});
