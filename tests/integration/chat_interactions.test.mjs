// Questions of a running turn (docs/mcp.md): a server's elicitation/create during a tool call becomes an
// `elicitation` event and the answer posted to /api/chat/interactions/{id} goes back to the server; a tool set
// to "ask" waits for a `tool_approval` answer, and a denial is the result the model reads; "deny" never runs;
// clients without the Parley-Interactions header get declines and denials at once; nobody answering cannot hold
// a turn past the tool timeout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';
import { fakeServer, waitForStatus, server, readSseEvents } from './mcp_helpers.mjs';

let up, p;
const overrides = { wipe: { approval: 'ask' }, echo: { approval: 'deny' } };
before(async () => {
  up = await startFakeUpstream();
  p = await startParley({
    env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-test-interact-0123456789', PARLEY_TOOL_TIMEOUT_SECONDS: '3' },
    files: { 'data/mcp_servers.json': JSON.stringify({ servers: [
      { id: 'fake', command: [process.execPath, fakeServer, '--interactive'], tool_overrides: overrides }] }) },
  });
  await waitForStatus(p, (s) => server(s, 'fake')?.state === 'connected', { what: 'fake connected' });
});
after(async () => { await p?.stop(); await up?.stop(); });

const call = (id, name, args) => ({ tool_fragments: [{ index: 0, id, type: 'function', function: { name, arguments: args } }] });

// Runs a turn, reading the stream as it comes; `onEvent(event, data)` may answer questions. Returns the events.
async function turn(body, { interactive = true, onEvent = async () => {} } = {}) {
  const headers = { 'Content-Type': 'application/json' };
  if (interactive) headers['Parley-Interactions'] = 'elicitation, tool-approval';
  const res = await fetch(`${p.url}/api/chat/stream`, { method: 'POST', headers, body: JSON.stringify(body) });
  return readSseEvents(res, onEvent);
}
const answer = (id, body) => fetch(`${p.url}/api/chat/interactions/${id}`,
  { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const toolResults = (events) => events.filter((e) => e.event === 'tool').map((e) => JSON.parse(e.data)).filter((t) => t.status !== 'started');

test('status shows approval and the destructive hint per tool', async () => {
  const s = server(await waitForStatus(p, () => true), 'fake');
  const wipe = s.tools.find((t) => t.name === 'wipe');
  assert.equal(wipe.destructive, true);
  assert.equal(wipe.approval, 'ask');
  assert.equal(s.tools.find((t) => t.name === 'add').approval, 'allow');
  assert.equal(s.tools.find((t) => t.name === 'add').destructive, false);
  assert.deepEqual(s.tool_overrides.wipe, { contexts: null, approval: 'ask' });
});

test('an elicitation during a tool call is answered from the chat', async () => {
  await up.reset();
  await up.script([call('c1', 'ask_user', '{}'), { content: ['thanks'] }]);
  let asked;
  const events = await turn({ messages: [{ role: 'user', content: 'ask me' }] }, {
    onEvent: async (event, data) => {
      if (event !== 'elicitation') return;
      const q = JSON.parse(data);
      if (q.status !== 'open') return;
      asked = q;
      const r = await answer(q.id, { action: 'accept', content: { colour: 'green' } });
      assert.equal(r.status, 204);
      assert.equal((await answer(q.id, { action: 'accept', content: { colour: 'red' } })).status, 404, 'one answer only');
    },
  });
  assert.equal(asked.call_id, 'c1');
  assert.equal(asked.name, 'ask_user');
  assert.equal(asked.server, 'fake');
  assert.equal(asked.message, 'Which colour should the report use?');
  assert.deepEqual(asked.requested_schema.required, ['colour']);
  const closed = events.filter((e) => e.event === 'elicitation').map((e) => JSON.parse(e.data)).find((q) => q.status === 'closed');
  assert.deepEqual(closed, { id: asked.id, status: 'closed', outcome: 'answered' });
  const [result] = toolResults(events);
  assert.equal(result.status, 'finished');
  // Defaults filled in (SEP-1034) before the answer went back to the server.
  assert.deepEqual(JSON.parse(result.result.replace('elicitation: ', '')), { action: 'accept', content: { colour: 'green', count: 2, urgent: false } });
});

test('an answer that does not fit the form is declined; a client that cannot answer declines at once', async () => {
  await up.reset();
  await up.script([call('c2', 'ask_user', '{}'), { content: ['ok'] }]);
  let events = await turn({ messages: [{ role: 'user', content: 'ask' }] }, {
    onEvent: async (event, data) => {
      const q = JSON.parse(data === '[DONE]' ? '{}' : data);
      if (event === 'elicitation' && q.status === 'open') await answer(q.id, { action: 'accept', content: { colour: 'purple' } });
    },
  });
  assert.match(toolResults(events)[0].result, /"action":"decline"/);

  await up.script([call('c3', 'ask_user', '{}'), { content: ['ok'] }]);
  events = await turn({ messages: [{ role: 'user', content: 'ask' }] }, { interactive: false });
  assert.ok(!events.some((e) => e.event === 'elicitation'), 'no question to a client that cannot answer');
  assert.match(toolResults(events)[0].result, /"action":"decline"/);
});

test('nobody answering ends the question before the tool timeout', async () => {
  await up.reset();
  await up.script([call('c4', 'ask_user', '{}'), { content: ['ok'] }]);
  const started = Date.now();
  const events = await turn({ messages: [{ role: 'user', content: 'ask' }] });
  assert.ok(Date.now() - started < 3000 + 1500, 'bounded by the 3 s tool timeout');
  const closed = events.filter((e) => e.event === 'elicitation').map((e) => JSON.parse(e.data)).find((q) => q.status === 'closed');
  assert.equal(closed.outcome, 'timeout');
  assert.match(toolResults(events)[0].result, /"action":"cancel"/);
  assert.equal(events.at(-1).data, '[DONE]');
});

test('tool approval: ask waits for the person; a denial is the result; deny never runs', async () => {
  await up.reset();
  await up.script([call('a1', 'wipe', '{"target":"disk"}'), { content: ['done'] }]);
  let asked;
  let events = await turn({ messages: [{ role: 'user', content: 'wipe' }] }, {
    onEvent: async (event, data) => {
      if (event !== 'tool_approval') return;
      const q = JSON.parse(data);
      if (q.status === 'open') { asked = q; await answer(q.id, { approved: true }); }
    },
  });
  assert.deepEqual(asked.arguments, { target: 'disk' });
  assert.equal(asked.name, 'wipe');
  assert.equal(toolResults(events)[0].status, 'finished');
  assert.equal(toolResults(events)[0].result, 'wiped disk');

  await up.script([call('a2', 'wipe', '{"target":"disk"}'), { content: ['done'] }]);
  events = await turn({ messages: [{ role: 'user', content: 'wipe' }] }, {
    onEvent: async (event, data) => {
      const q = event === 'tool_approval' ? JSON.parse(data) : null;
      if (q?.status === 'open') await answer(q.id, { approved: false });
    },
  });
  assert.equal(toolResults(events)[0].status, 'error');
  assert.match(toolResults(events)[0].result, /the user did not allow this call of wipe \(denied\)/);
  const next = (await up.requests()).filter((r) => r.path === '/chat/completions').at(-1);
  assert.match(next.body.messages.at(-1).content, /did not allow/, 'the model reads the denial');

  await up.script([call('a3', 'wipe', '{"target":"disk"}'), { content: ['done'] }]);
  events = await turn({ messages: [{ role: 'user', content: 'wipe' }] }, { interactive: false });
  assert.match(toolResults(events)[0].result, /this client cannot ask/);

  await up.script([call('d1', 'echo', '{"message":"x"}'), { content: ['done'] }]);
  events = await turn({ messages: [{ role: 'user', content: 'echo' }] });
  assert.ok(!events.some((e) => e.event === 'tool_approval'));
  assert.match(toolResults(events)[0].result, /set to deny/);
});

test('answers to unknown questions are 404, malformed ones 422', async () => {
  assert.equal((await answer('nope', { approved: true })).status, 404);
  const r = await fetch(`${p.url}/api/chat/interactions/x`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '[1]' });
  assert.equal(r.status, 422);
});
