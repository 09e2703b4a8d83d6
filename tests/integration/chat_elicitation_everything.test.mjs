// Elicitation with the reference server (server-everything's trigger-elicitation-request, over stdio): the tool
// exists because parley declares the capability, its form reaches the chat as an `elicitation` event, and the
// person's answer (defaults of the form filled in) is what the server reports back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';
import { everythingEntry, waitForStatus, server, readSseEvents } from './mcp_helpers.mjs';

let up, p;
before(async () => {
  up = await startFakeUpstream();
  p = await startParley({
    env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-test-everything-0123456789' },
    files: { 'data/mcp_servers.json': JSON.stringify({ servers: [{ id: 'everything', command: [process.execPath, everythingEntry, 'stdio'] }] }) },
  });
  // trigger-url-elicitation is listed only to a client that declares URL-mode elicitation.
  await waitForStatus(p, (s) => ['trigger-elicitation-request', 'trigger-url-elicitation']
    .every((name) => server(s, 'everything')?.tools.some((t) => t.name === name)), { what: 'the elicitation tools listed' });
});
after(async () => { await p?.stop(); await up?.stop(); });

// Runs one turn whose model calls `tool` with `args`; `answer(question)` is posted for each open elicitation.
async function turnWithQuestions(tool, args, interactions, answer) {
  await up.script([{ tool_fragments: [{ index: 0, id: 'u1', type: 'function', function: { name: tool, arguments: JSON.stringify(args) } }] },
    { content: ['done'] }]);
  const headers = { 'Content-Type': 'application/json' };
  if (interactions) headers['Parley-Interactions'] = interactions;
  const res = await fetch(`${p.url}/api/chat/stream`, { method: 'POST', headers,
    body: JSON.stringify({ messages: [{ role: 'user', content: 'go' }] }) });
  const asked = [];
  const events = await readSseEvents(res, async (event, data) => {
    if (event !== 'elicitation' || JSON.parse(data).status !== 'open') return;
    const q = JSON.parse(data);
    asked.push(q);
    const r = await fetch(`${p.url}/api/chat/interactions/${q.id}`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(answer(q)) });
    assert.equal(r.status, 204);
  });
  const result = events.filter((e) => e.event === 'tool').map((e) => JSON.parse(e.data)).find((t) => t.status !== 'started');
  return { asked, result };
}

test('a URL-mode elicitation shows the link to a client that can show one, and opening it is the accept', async () => {
  const url = 'https://consent.example.com/start?flow=42';
  const { asked, result } = await turnWithQuestions('trigger-url-elicitation', { url, message: 'Connect your account', elicitationId: 'el-1' },
    'elicitation, elicitation-url, tool-approval', () => ({ action: 'accept' }));
  assert.equal(asked.length, 1);
  assert.equal(asked[0].mode, 'url');
  assert.equal(asked[0].url, url);
  assert.equal(asked[0].elicitation_id, 'el-1');
  assert.equal(asked[0].message, 'Connect your account');
  assert.equal(asked[0].requested_schema, undefined);
  assert.equal(result.status, 'finished', result.result);
  assert.match(result.result, /User completed the URL elicitation flow/);
  assert.match(result.result, /el-1/);
});

test('a URL-mode elicitation is declined without a question for a client that cannot show links, or for a plain http link', async () => {
  const formOnly = await turnWithQuestions('trigger-url-elicitation', { url: 'https://consent.example.com/a' }, 'elicitation',
    () => assert.fail('nothing may be asked'));
  assert.equal(formOnly.asked.length, 0);
  assert.match(formOnly.result.result, /User declined to open the URL/);
  const plain = await turnWithQuestions('trigger-url-elicitation', { url: 'http://consent.example.com/a' },
    'elicitation, elicitation-url', () => assert.fail('an http link to another machine is never offered'));
  assert.equal(plain.asked.length, 0);
  assert.match(plain.result.result, /User declined to open the URL/);
  const declined = await turnWithQuestions('trigger-url-elicitation', { url: 'https://consent.example.com/b' },
    'elicitation, elicitation-url', () => ({ action: 'decline' }));
  assert.equal(declined.asked.length, 1);
  assert.match(declined.result.result, /User declined to open the URL/);
});

test("server-everything's elicitation form is answered from the chat", async () => {
  const { asked, result } = await turnWithQuestions('trigger-elicitation-request', {}, 'elicitation',
    () => ({ action: 'accept', content: { name: 'Ada Lovelace', check: true } }));
  assert.equal(asked.length, 1, 'the form reached the chat');
  assert.deepEqual(asked[0].requested_schema.required, ['name']);
  assert.equal(result.status, 'finished', result.result);
  assert.match(result.result, /Ada Lovelace/);
  assert.match(result.result, /It was a dark and stormy night\./, 'the default of the form went back too');
});
