// An upstream event over parley's 32 MiB SSE event cap: the chat turn fails with an error that says so (not
// "the upstream closed the stream"), and an MCP server over HTTP that sends one gets a last_error that says so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startParley } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';
import { getStatus, server } from './mcp_helpers.mjs';
import { waitFor } from '../lib/http.mjs';

const overCap = 33 * 1024 * 1024;
const capMessage = 'Upstream sent an event larger than 32 MiB; parley stopped reading the stream';

let up, p;
before(async () => {
  up = await startFakeUpstream();
  p = await startParley({
    env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-test-cap-0123456789' },
    files: { 'data/mcp_servers.json': JSON.stringify({ servers: [] }) },
  });
});
after(async () => { await p?.stop(); await up?.stop(); });

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

test('an upstream event over 32 MiB fails the turn with upstream_event_too_large, after what came before it', async () => {
  await up.script([{ content: ['Before', ' the big one.'], oversized_event_bytes: overCap }]);
  const res = await fetch(`${p.url}/api/chat/stream`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'send a huge event' }] }),
  });
  assert.equal(res.status, 200);
  const ev = events(await res.text());
  const chunks = ev.filter((e) => e.event === 'message' && e.data.startsWith('{')).map((e) => JSON.parse(e.data));
  assert.equal(chunks.map((c) => c.choices?.[0]?.delta?.content ?? '').join(''), `Before the big one.Error: ${capMessage}`,
    'the text before the oversized event was relayed, then the compatibility error text');
  const error = ev.find((e) => e.event === 'error');
  assert.ok(error, 'an error event is sent');
  assert.deepEqual(JSON.parse(error.data), { message: capMessage, status: 502, code: 'upstream_event_too_large', retryable: false });
  const names = ev.map((e) => e.event);
  assert.deepEqual(names.slice(-4), ['metadata', 'error', 'message', 'message'], 'metadata, error, Error: text, [DONE] (§3.7)');
  assert.equal(JSON.parse(ev.at(-4).data).finish_reason, 'error');
  assert.equal(ev.at(-1).data, '[DONE]');
  assert.ok(!ev.some((e) => e.data.includes('xxxxxxxx')), 'nothing of the oversized event is forwarded');
  assert.ok(await waitFor(() => p.output().includes(`failed: ${capMessage}`), 5000), 'the failed turn is logged with the reason');
});

test('an MCP server over HTTP that sends an event over 32 MiB fails with a last_error that says so', async () => {
  // Answers every POST (the first is initialize) with an event stream whose only event is too large.
  const mcp = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.end(`event: message\ndata: {"jsonrpc":"2.0","id":0,"result":{"pad":"${'y'.repeat(overCap)}"}}\n\n`);
    });
  });
  await new Promise((r) => mcp.listen(0, '127.0.0.1', r));
  try {
    const res = await fetch(`${p.url}/api/mcp/servers`, {
      method: 'PUT', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ servers: [{ id: 'huge', url: `http://127.0.0.1:${mcp.address().port}/mcp` }] }),
    });
    assert.equal(res.status, 200);
    const status = await waitFor(async () => {
      const s = server(await getStatus(p), 'huge');
      return s?.state === 'failed' ? s : null;
    }, 20000);
    assert.ok(status, 'the server fails');
    assert.match(status.last_error, /the server sent an event larger than 32 MiB; parley stopped reading the stream/);
    assert.match(p.output(), /MCP server huge: start failed: .*larger than 32 MiB/);
  } finally {
    await fetch(`${p.url}/api/mcp/servers`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ servers: [] }) });
    await new Promise((r) => mcp.close(r));
  }
});
