// The tool loop of a chat turn (api.md §3.6) with the fake model calling tools of a real MCP server
// (server-everything over stdio): single, parallel and chained calls, split argument fragments, invalid JSON
// arguments, an unknown tool, the hop limit, the retry without tools, and the next hop's request body.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';
import { everythingEntry, getStatus, waitForStatus } from './mcp_helpers.mjs';

let up, p;
before(async () => {
  up = await startFakeUpstream();
  p = await startParley({
    env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-test-tools-0123456789', PARLEY_MAX_TOOL_HOPS: '2' },
    files: { 'data/mcp_servers.json': JSON.stringify({ servers: [{ id: 'everything', command: [process.execPath, everythingEntry, 'stdio'] }] }) },
  });
  await waitForStatus(p, (s) => JSON.stringify(s).includes('"echo"') || JSON.stringify(s).includes('echo'), { what: 'everything connected' });
});
after(async () => { await p?.stop(); await up?.stop(); });

const call = (index, id, name, args) => ({ index, id, type: 'function', function: { name, arguments: args } });
const frag = (index, args) => ({ index, function: { arguments: args } });

async function turn(body) {
  const res = await fetch(`${p.url}/api/chat/stream`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  return text.split('\n\n').filter((b) => b && !b.startsWith(':')).map((block) => {
    const event = /^event: (.*)$/m.exec(block)?.[1];
    const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
    return { event, data };
  });
}
const chatRequests = async () => (await up.requests()).filter((r) => r.path === '/chat/completions');

test('tools are offered; a call with split argument fragments runs and the next hop sees its result', async () => {
  await up.reset();
  await up.script([
    { tool_fragments: [call(0, 'call_echo', 'echo', ''), frag(0, '{"mess'), frag(0, 'age":"hi'), frag(0, ' there"}')] },
    { content: ['The tool said hi.'] },
  ]);
  const ev = await turn({ messages: [{ role: 'user', content: 'use echo' }], metadata: { client_assistant_message_id: 'assistant_t1' } });
  const tools = ev.filter((e) => e.event === 'tool').map((e) => JSON.parse(e.data));
  assert.deepEqual(tools[0], { status: 'started', name: 'echo', call_id: 'call_echo' });
  assert.equal(tools[1].status, 'finished');
  assert.match(tools[1].result, /hi there/);
  assert.ok(Number.isInteger(tools[1].message_id));
  assert.deepEqual(ev.filter((e) => e.event === 'metadata').length, 2, 'one metadata per hop');
  assert.equal(ev.at(-1).data, '[DONE]');
  const [first, second] = (await chatRequests()).slice(-2);
  assert.ok(first.body.tools.some((t) => t.function.name === 'echo'), 'the registry tools are attached');
  assert.equal(first.body.tool_choice, 'auto');
  const tail = second.body.messages.slice(-2);
  assert.equal(tail[0].role, 'assistant');
  assert.deepEqual(tail[0].tool_calls, [{ id: 'call_echo', type: 'function', function: { name: 'echo', arguments: '{"message":"hi there"}' } }]);
  assert.equal(tail[1].role, 'tool');
  assert.equal(tail[1].tool_call_id, 'call_echo');
  assert.match(tail[1].content, /hi there/);
});

test('parallel calls keep the model order; invalid arguments and unknown tools become error results', async () => {
  await up.script([
    { tool_fragments: [call(0, 'c_ok', 'echo', '{"message":"one"}'), call(1, 'c_bad', 'echo', '{not json'), call(2, 'c_unknown', 'no_such_tool', '{}'), call(3, 'c_arr', 'echo', '[1]')] },
    { content: ['done'] },
  ]);
  const ev = await turn({ messages: [{ role: 'user', content: 'parallel' }] });
  const terminal = ev.filter((e) => e.event === 'tool').map((e) => JSON.parse(e.data)).filter((t) => t.status !== 'started');
  assert.deepEqual(terminal.map((t) => t.call_id), ['c_ok', 'c_bad', 'c_unknown', 'c_arr']);
  assert.deepEqual(terminal.map((t) => t.status), ['finished', 'error', 'error', 'error']);
  assert.match(terminal[1].result, /^Invalid JSON arguments for tool echo: /);
  assert.equal(terminal[2].result, 'Tool error: Unknown tool: no_such_tool');
  assert.equal(terminal[3].result, 'Tool echo expected a JSON object for arguments but received array.');
  assert.ok(terminal[0].message_id < terminal[1].message_id && terminal[1].message_id < terminal[2].message_id, 'rows in the model order');
  const notices = ev.filter((e) => e.event === 'notice').map((e) => JSON.parse(e.data));
  assert.ok(notices.some((n) => n.reason === 'tool_error' && n.tool === 'no_such_tool' && n.confirmation_required === true));
});

test('the hop limit stops a model that keeps asking for tools', async () => {
  await up.script([
    { tool_fragments: [call(0, 'h1', 'echo', '{"message":"1"}')] },
    { tool_fragments: [call(0, 'h2', 'echo', '{"message":"2"}')] },
    { tool_fragments: [call(0, 'h3', 'echo', '{"message":"3"}')] },
  ]);
  const before = (await chatRequests()).length;
  const ev = await turn({ messages: [{ role: 'user', content: 'loop' }] });
  const last = ev.filter((e) => e.event === 'tool').map((e) => JSON.parse(e.data)).at(-1);
  assert.deepEqual(last, { status: 'error', name: 'system', message: 'Tool execution stopped after hop limit' });
  assert.equal((await chatRequests()).length - before, 3, 'with PARLEY_MAX_TOOL_HOPS=2 a turn makes at most 3 requests');
  assert.equal(ev.at(-1).data, '[DONE]');
});

test('a "tools unsupported" refusal is retried once without tools, with a notice', async () => {
  await up.script([
    { status: 404, error_body: { error: { code: 404, message: 'No endpoints found that support tool use.' } } },
    { content: ['answered without tools'] },
  ]);
  const ev = await turn({ messages: [{ role: 'user', content: 'refuse' }] });
  assert.deepEqual(JSON.parse(ev.find((e) => e.event === 'tool').data),
    { status: 'notice', name: 'system', message: 'Tools unavailable for this model; continuing without them.' });
  assert.ok(!ev.some((e) => e.event === 'error'));
  const [refused, retry] = (await chatRequests()).slice(-2);
  assert.ok(refused.body.tools);
  assert.equal(retry.body.tools, undefined);
  assert.equal(retry.body.tool_choice, undefined);
});

test('tool_choice "none" sends no tools', async () => {
  await up.script([{ content: ['plain'] }]);
  await turn({ messages: [{ role: 'user', content: 'no tools' }], tool_choice: 'none' });
  const last = (await chatRequests()).at(-1);
  assert.equal(last.body.tools, undefined);
  assert.equal(last.body.tool_choice, undefined);
  void getStatus;
});
