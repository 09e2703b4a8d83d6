// Elicitation with the reference server (server-everything's trigger-elicitation-request, over stdio): the tool
// exists because parley declares the capability, its form reaches the chat as an `elicitation` event, and the
// person's answer (defaults of the form filled in) is what the server reports back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';
import { everythingEntry, waitForStatus, server } from './mcp_helpers.mjs';

let up, p;
before(async () => {
  up = await startFakeUpstream();
  p = await startParley({
    env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-test-everything-0123456789' },
    files: { 'data/mcp_servers.json': JSON.stringify({ servers: [{ id: 'everything', command: [process.execPath, everythingEntry, 'stdio'] }] }) },
  });
  await waitForStatus(p, (s) => server(s, 'everything')?.tools.some((t) => t.name === 'trigger-elicitation-request'),
    { what: 'the elicitation tool listed' });
});
after(async () => { await p?.stop(); await up?.stop(); });

test("server-everything's elicitation form is answered from the chat", async () => {
  await up.script([{ tool_fragments: [{ index: 0, id: 'e1', type: 'function', function: { name: 'trigger-elicitation-request', arguments: '{}' } }] },
    { content: ['done'] }]);
  const res = await fetch(`${p.url}/api/chat/stream`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'Parley-Interactions': 'elicitation' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'ask me' }] }),
  });
  let asked = null;
  let buffer = '';
  const events = [];
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      events.push({ event, data });
      if (event === 'elicitation' && JSON.parse(data).status === 'open') {
        asked = JSON.parse(data);
        const r = await fetch(`${p.url}/api/chat/interactions/${asked.id}`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ action: 'accept', content: { name: 'Ada Lovelace', check: true } }) });
        assert.equal(r.status, 204);
      }
    }
  }
  assert.ok(asked, 'the form reached the chat');
  assert.deepEqual(asked.requested_schema.required, ['name']);
  const result = events.filter((e) => e.event === 'tool').map((e) => JSON.parse(e.data)).find((t) => t.status !== 'started');
  assert.equal(result.status, 'finished', result.result);
  assert.match(result.result, /Ada Lovelace/);
  assert.match(result.result, /It was a dark and stormy night\./, 'the default of the form went back too');
});
