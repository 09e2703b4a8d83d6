// Export of all conversations and import of files (api.md §8.9, §8.10) against the real binary: a turn with web
// search citations round-trips through export and import; ChatGPT's conversations.json imports along
// current_node; malformed files import nothing and say why; the body limit applies; the bulk export is one JSON
// document streamed a conversation at a time; the static files an installed app needs have the right headers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';
import { rawExchange, parseResponse } from '../lib/http.mjs';

let up;
let p;
before(async () => {
  up = await startFakeUpstream();
  p = await startParley({
    env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-int-0123456789', PARLEY_CHAT_MAX_BODY_BYTES: '200000' },
    files: { 'data/mcp_servers.json': '{"servers":[]}' },
  });
});
after(async () => { await p?.stop(); await up?.stop(); });

async function turn(text, extra = {}) {
  const res = await fetch(`${p.url}/api/chat/stream`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: text, client_message_id: `user_${Date.now()}` }], ...extra }),
  });
  const body = await res.text();
  return JSON.parse(body.match(/event: session\ndata: (.*)\n/)[1]).session_id;
}
const importFile = (body, headers = { 'Content-Type': 'application/json' }) =>
  fetch(`${p.url}/api/chat/import`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
const history = async (id) => (await fetch(`${p.url}/api/chat/session/${id}/messages`)).json();

test('web search: the plugin reaches the upstream and the url citations are stored with the answer', async () => {
  await up.script([{ content: ['Lisbon is lovely.'], web_search: true }]);
  const id = await turn('Where to go?', { plugins: [{ id: 'web', max_results: 2 }], web_search_options: { search_context_size: 'high' } });
  const sent = (await up.requests()).filter((r) => r.path === '/chat/completions').at(-1).body;
  assert.deepEqual(sent.plugins, [{ id: 'web', max_results: 2 }]);
  assert.deepEqual(sent.web_search_options, { search_context_size: 'high' });
  const answer = (await history(id)).messages.find((m) => m.role === 'assistant');
  assert.deepEqual(answer.annotations.map((a) => a.url_citation.url), ['https://source1.example/page', 'https://source2.example/page']);
  const md = await (await fetch(`${p.url}/api/chat/session/${id}/export?format=markdown`)).text();
  assert.match(md, /Sources:\n\n1\. \[Source 1\]\(<https:\/\/source1\.example\/page>\)\n2\. \[Source 2\]/);
  // A turn without search has no annotations.
  const plain = (await history(await turn('no search'))).messages.find((m) => m.role === 'assistant');
  assert.equal(plain.annotations, null);
});

test('all conversations export as one streamed JSON document, which imports back as new conversations', async () => {
  await up.script([{ content: ['One.'] }, { content: ['Two.'] }]);
  const a = await turn('first conversation');
  const b = await turn('second conversation');
  const res = await fetch(`${p.url}/api/chat/export`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.match(res.headers.get('content-disposition'), /^attachment; filename="parley-conversations-\d{8}T\d{6}Z\.json"$/);
  const text = await res.text();
  assert.ok(!text.includes(': ping'), 'no SSE comments in the document');
  const bundle = JSON.parse(text);
  assert.equal(bundle.format, 'parley.conversations');
  assert.equal(bundle.version, 1);
  const ids = bundle.conversations.map((c) => c.session_id);
  assert.ok(ids.includes(a) && ids.includes(b));
  const listed = (await (await fetch(`${p.url}/api/chat/conversations?limit=200`)).json()).conversations.map((c) => c.session_id);
  assert.deepEqual(ids, listed, 'in the order of the conversation list');
  const before = (await (await fetch(`${p.url}/api/chat/conversations`)).json()).total;

  const imported = await importFile(bundle);
  assert.equal(imported.status, 200);
  const summary = await imported.json();
  assert.equal(summary.format, 'parley_bundle');
  assert.equal(summary.conversations_imported, bundle.conversations.length);
  assert.equal(summary.conversations_skipped, 0);
  assert.ok(summary.imported.every((c) => c.session_id && !ids.includes(c.session_id)), 'new session ids');
  const after = (await (await fetch(`${p.url}/api/chat/conversations`)).json()).total;
  assert.equal(after, before + bundle.conversations.length);
  const copy = summary.imported.find((c) => c.index === ids.indexOf(a));
  const copied = await history(copy.session_id);
  const original = await history(a);
  assert.deepEqual(copied.messages.map((m) => [m.role, m.content, m.created_at_utc]), original.messages.map((m) => [m.role, m.content, m.created_at_utc]));

  // HEAD: the same head, no body (the export is not produced).
  const head = await rawExchange(p.port, 'HEAD /api/chat/export HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  const parsed = parseResponse(head.data);
  assert.equal(parsed.status, 200);
  assert.equal(parsed.headers['content-type'], 'application/json');
  assert.ok(head.data.endsWith('\r\n\r\n'), 'nothing after the head');

  // One conversation's own export imports too.
  const single = await (await fetch(`${p.url}/api/chat/session/${a}/export`)).json();
  const one = await (await importFile(single)).json();
  assert.equal(one.format, 'parley');
  assert.equal(one.conversations_imported, 1);
});

test('a ChatGPT conversations.json imports the branch that was shown, with a summary of what was skipped', async () => {
  const chatgpt = [{
    title: 'Trip', create_time: 1700000000, current_node: 'c',
    mapping: {
      r: { id: 'r', parent: null, children: ['u'], message: null },
      u: { id: 'u', parent: 'r', children: ['x', 'c'], message: { author: { role: 'user' }, create_time: 1700000001, content: { content_type: 'text', parts: ['Where?'] } } },
      x: { id: 'x', parent: 'u', children: [], message: { author: { role: 'assistant' }, content: { content_type: 'text', parts: ['Old branch'] } } },
      c: { id: 'c', parent: 'u', children: [], message: { author: { role: 'assistant' }, create_time: 1700000002, content: { content_type: 'text', parts: ['Porto.'] }, metadata: { model_slug: 'gpt-4o' } } },
    },
  }, { title: 'Nothing', current_node: null, mapping: {} }];
  const res = await importFile(chatgpt);
  assert.equal(res.status, 200);
  const summary = await res.json();
  assert.equal(summary.format, 'chatgpt');
  assert.equal(summary.conversations_imported, 1);
  assert.deepEqual(summary.skipped, [{ index: 1, title: 'Nothing', reason: 'no user or assistant text along current_node' }]);
  const h = await history(summary.imported[0].session_id);
  assert.equal(h.title, 'Trip');
  assert.deepEqual(h.messages.map((m) => [m.role, m.content, m.created_at_utc]), [
    ['user', 'Where?', '2023-11-14T22:13:21Z'], ['assistant', 'Porto.', '2023-11-14T22:13:22Z']]);
  assert.equal(h.messages[1].model, 'gpt-4o');
  // It is searchable like any conversation.
  const found = await (await fetch(`${p.url}/api/chat/conversations?q=porto`)).json();
  assert.ok(found.conversations.some((c) => c.session_id === summary.imported[0].session_id));
});

test('malformed files import nothing and say why', async () => {
  const count = async () => (await (await fetch(`${p.url}/api/chat/conversations`)).json()).total;
  const before = await count();
  const cases = [
    ['{"messages": [', 'json_invalid'],
    ['"just text"', 'neither a parley export'],
    [JSON.stringify({ conversations: [{ messages: [{ role: 'user', content: 'ok' }] }, { messages: [{ role: 'wizard', content: 'x' }] }] }), 'role must be'],
    [JSON.stringify([{ title: 't', mapping: { a: { parent: 'b' }, b: { parent: 'a' } }, current_node: 'a' }]), 'cycle'],
  ];
  for (const [body, why] of cases) {
    const res = await importFile(body);
    assert.equal(res.status, 422, body.slice(0, 40));
    const detail = (await res.json()).detail;
    assert.ok(JSON.stringify(detail).includes(why), `${JSON.stringify(detail)} says ${why}`);
  }
  const wrongType = await importFile('{}', { 'Content-Type': 'text/plain' });
  assert.equal(wrongType.status, 422);
  const tooLarge = await importFile(JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(300000) }] }));
  assert.equal(tooLarge.status, 413);
  assert.equal(await count(), before);
});

test('the installable app: manifest, service worker and icons are served with the right types and caching', async () => {
  const manifest = await fetch(`${p.url}/manifest.webmanifest`);
  assert.equal(manifest.status, 200);
  assert.equal(manifest.headers.get('content-type'), 'application/manifest+json');
  assert.equal(manifest.headers.get('cache-control'), 'no-cache');
  const m = await manifest.json();
  assert.equal(m.start_url, '/');
  const sw = await fetch(`${p.url}/sw.js`);
  assert.equal(sw.status, 200);
  assert.equal(sw.headers.get('content-type'), 'text/javascript; charset=utf-8');
  assert.equal(sw.headers.get('cache-control'), 'no-cache', 'a new release is seen on the next load');
  for (const icon of m.icons) {
    const res = await fetch(`${p.url}${icon.src}`);
    assert.equal(res.status, 200, icon.src);
    assert.equal(res.headers.get('content-type'), 'image/png');
  }
  assert.equal((await fetch(`${p.url}/icons/missing.png`)).status, 404);
});
