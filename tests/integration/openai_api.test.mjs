// The OpenAI-compatible API (docs/openai-api.md) driven by the official `openai` npm package against the real
// binary, the fake upstream and a real MCP server (server-everything over stdio): models, non-streaming and
// streaming completions, tools run by parley (the §3.6 loop) and tools run by the client, OpenAI-shaped errors
// (401, 400, 404, 413, upstream failures), a client that leaves mid-stream (the upstream is closed), key
// revocation, the spending cap, the model allow-list, per-key MCP servers and stored history.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startParley } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';
import { everythingEntry, waitForStatus } from './mcp_helpers.mjs';

let up, p, key;
before(async () => {
  up = await startFakeUpstream();
  p = await startParley({
    env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-test-openai-0123456789', PARLEY_MAX_TOOL_HOPS: '2',
      PARLEY_CHAT_MAX_BODY_BYTES: '200000' },
    files: { 'data/mcp_servers.json': JSON.stringify({ servers: [{ id: 'everything', command: [process.execPath, everythingEntry, 'stdio'] }] }) },
  });
  await waitForStatus(p, (s) => JSON.stringify(s).includes('echo'), { what: 'everything connected' });
  key = await createKey({ name: 'tests' });
});
after(async () => { await p?.stop(); await up?.stop(); });

async function createKey(body) {
  const res = await fetch(`${p.url}/api/keys`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 201, await res.clone().text());
  return res.json();
}
const listKeys = async () => (await (await fetch(`${p.url}/api/keys`)).json()).keys;
const client = (apiKey = key.key) => new OpenAI({ apiKey, baseURL: `${p.url}/v1`, maxRetries: 0 });
const chatRequests = async () => (await up.requests()).filter((r) => r.path === '/chat/completions');
const call = (index, id, name, args) => ({ index, id, type: 'function', function: { name, arguments: args } });

async function collect(stream) {
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return chunks;
}

test('models.list gives the catalog in OpenAI shape, and a key is shown once and listed without its secret', async () => {
  const models = [];
  for await (const m of client().models.list()) models.push(m);
  assert.ok(models.some((m) => m.id === 'openai/gpt-4o-mini' && m.object === 'model' && m.owned_by === 'openai'));
  const one = await client().models.retrieve('anthropic/claude-3.5-sonnet');
  assert.equal(one.id, 'anthropic/claude-3.5-sonnet');
  assert.match(key.key, /^sk-parley-[A-Za-z0-9_-]{43}$/);
  const listed = (await listKeys()).find((k) => k.id === key.id);
  assert.equal(listed.name, 'tests');
  assert.ok(!JSON.stringify(listed).includes(key.key), 'the list never carries the key');
  assert.ok(key.key.startsWith(listed.key_prefix.split('...')[0]));
});

test('a non-streaming completion: the answer, one id, usage with cost, and the active settings fill the model', async () => {
  await up.reset();
  const r = await client().chat.completions.create({ messages: [{ role: 'user', content: 'hello' }], temperature: 0.3 });
  assert.equal(r.object, 'chat.completion');
  assert.match(r.id, /^chatcmpl-/);
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.equal(r.choices[0].message.content, 'Hello from the fake.');
  assert.equal(r.choices[0].finish_reason, 'stop');
  assert.deepEqual({ ...r.usage, cost: undefined }, { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19, cost: undefined });
  assert.ok(r.usage.cost > 0);
  const [sent] = await chatRequests();
  assert.equal(sent.body.model, 'openrouter/auto', 'the active model fills a request without one');
  assert.equal(sent.body.temperature, 0.3);
  assert.deepEqual(sent.body.messages.map((m) => m.role), ['system', 'user'], 'parley\'s system prompt, then the client\'s history');
  assert.doesNotMatch(sent.body.messages[0].content, /Current Date & Time Context/, 'no time-context block');
  assert.ok(sent.body.tools.some((t) => t.function.name === 'echo'), 'parley\'s tools are offered by default');
});

test('a streaming completion: chunks under one id, the text, one finish, the usage chunk and [DONE]', async () => {
  await up.reset();
  const stream = await client().chat.completions.create({ model: 'openai/gpt-4o-mini', stream: true, stream_options: { include_usage: true },
    messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }] });
  const chunks = await collect(stream);
  assert.equal(new Set(chunks.map((c) => c.id)).size, 1);
  assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk'));
  assert.equal(chunks.filter((c) => c.choices[0]?.delta?.role === 'assistant').length, 1, 'the role once');
  assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), 'Hello from the fake.');
  assert.deepEqual(chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean), ['stop']);
  const last = chunks.at(-1);
  assert.deepEqual(last.choices, []);
  assert.equal(last.usage.total_tokens, 19);
});

test('tools run by parley: the loop runs server-side, the client sees progress chunks it can skip, and the final answer', async () => {
  await up.reset();
  await up.script([{ tool_fragments: [call(0, 'call_e', 'echo', '{"message":"from parley"}')] }, { content: ['The echo said: from parley.'] }]);
  const chunks = await collect(await client().chat.completions.create({ model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'echo please' }] }));
  assert.ok(chunks.every((c) => !c.choices[0]?.delta?.tool_calls), 'no tool call reaches the client');
  assert.deepEqual(chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean), ['stop']);
  const progress = chunks.filter((c) => c.parley_tool).map((c) => c.parley_tool);
  assert.deepEqual(progress.map((t) => t.status), ['started', 'finished']);
  assert.equal(progress[1].name, 'echo');
  assert.match(progress[1].result, /from parley/);
  assert.ok(chunks.filter((c) => c.parley_tool).every((c) => Object.keys(c.choices[0].delta).length === 0), 'progress chunks carry an empty delta');
  assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), 'The echo said: from parley.');
  const second = (await chatRequests())[1];
  assert.equal(second.body.messages.at(-1).role, 'tool');
  assert.match(second.body.messages.at(-1).content, /from parley/);

  await up.script([{ tool_fragments: [call(0, 'call_f', 'echo', '{"message":"again"}')] }, { content: ['Done.'] }]);
  const r = await client().chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'echo' }] });
  assert.equal(r.choices[0].message.content, 'Done.');
  assert.equal(r.choices[0].message.tool_calls, undefined);
  assert.equal(r.usage.total_tokens, 38, 'usage summed over both hops');
  assert.equal(r.parley_tools[0].name, 'echo');
});

test('tools of the client: sent upstream instead of parley\'s, and the calls come back to the client unexecuted', async () => {
  await up.reset();
  const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
  await up.script([{ tool_fragments: [call(0, 'call_w', 'get_weather', '{"city":'), { index: 0, function: { arguments: '"Oslo"}' } }] }]);
  const r = await client().chat.completions.create({ model: 'openai/gpt-4o-mini', tools, messages: [{ role: 'user', content: 'weather?' }] });
  assert.equal(r.choices[0].finish_reason, 'tool_calls');
  assert.deepEqual(r.choices[0].message.tool_calls, [{ id: 'call_w', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }]);
  const [sent] = await chatRequests();
  assert.deepEqual(sent.body.tools.map((t) => t.function.name), ['get_weather']);
  assert.equal((await chatRequests()).length, 1, 'nothing was executed');

  // The client answers with the result; streaming shows the tool-call deltas as OpenAI sends them.
  await up.script([{ content: ['Sunny in Oslo.'] }]);
  const chunks = await collect(await client().chat.completions.create({ model: 'openai/gpt-4o-mini', tools, stream: true, messages: [
    { role: 'user', content: 'weather?' },
    { role: 'assistant', content: null, tool_calls: r.choices[0].message.tool_calls },
    { role: 'tool', tool_call_id: 'call_w', content: '{"sky":"sunny"}' },
  ] }));
  assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), 'Sunny in Oslo.');
  const sent2 = (await chatRequests())[1];
  assert.deepEqual(sent2.body.messages.map((m) => m.role), ['system', 'user', 'assistant', 'tool']);
  assert.equal(sent2.body.messages[3].tool_call_id, 'call_w');

  await up.script([{ tool_fragments: [call(0, 'call_s', 'get_weather', '{}')] }]);
  const streamed = await collect(await client().chat.completions.create({ model: 'openai/gpt-4o-mini', tools, stream: true, messages: [{ role: 'user', content: 'w' }] }));
  assert.equal(streamed.find((c) => c.choices[0]?.delta?.tool_calls)?.choices[0].delta.tool_calls[0].id, 'call_s');
  assert.deepEqual(streamed.map((c) => c.choices[0]?.finish_reason).filter(Boolean), ['tool_calls']);
});

test('errors in OpenAI\'s shape: no key, a wrong key, invalid bodies, an unknown model, a body too large', async () => {
  const noKey = await fetch(`${p.url}/v1/chat/completions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  assert.equal(noKey.status, 401);
  assert.equal(noKey.headers.get('www-authenticate'), 'Bearer');
  assert.equal((await noKey.json()).error.type, 'invalid_request_error');
  await assert.rejects(client('sk-parley-wrongwrongwrong').chat.completions.create({ messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof OpenAI.AuthenticationError && e.status === 401 && e.code === 'invalid_api_key' && !e.message.includes('wrongwrong'));
  await assert.rejects(client().chat.completions.create({ messages: [] }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'messages');
  await assert.rejects(client().chat.completions.create({ messages: [{ role: 'wizard', content: 'x' }] }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'messages[0].role');
  await assert.rejects(client().chat.completions.create({ messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'a', type: 'function', function: { arguments: '{}' } }] }] }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'messages[0].tool_calls[0].function.name');
  await assert.rejects(client().chat.completions.create({ messages: [{ role: 'user', content: 'x' }], temperature: 'hot' }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'temperature');
  await assert.rejects(client().chat.completions.create({ model: 'nobody/nothing', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof OpenAI.NotFoundError && e.code === 'model_not_found');
  const notJson = await fetch(`${p.url}/v1/chat/completions`, { method: 'POST', headers: { Authorization: `Bearer ${key.key}`, 'Content-Type': 'application/json' }, body: '{"messages": [' });
  assert.equal(notJson.status, 400);
  assert.match((await notJson.json()).error.message, /could not parse the JSON body/);
  await assert.rejects(client().chat.completions.create({ messages: [{ role: 'user', content: 'x'.repeat(300000) }] }),
    (e) => e.status === 413 && e.error?.message === 'Request body too large');
  const unknown = await fetch(`${p.url}/v1/embeddings`, { method: 'POST', headers: { Authorization: `Bearer ${key.key}` }, body: '{}' });
  assert.equal(unknown.status, 404);
  assert.equal((await unknown.json()).error.message, 'Not Found');
});

test('upstream failures: an HTTP error is an error response, and mid-stream an error chunk the SDK throws', async () => {
  await up.reset();
  await up.script([{ status: 500, message: 'provider exploded' }]);
  await assert.rejects(client().chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 502 && e.type === 'upstream_error' && /provider exploded/.test(e.message));
  await up.script([{ status: 400, message: 'bad parameter for this provider' }]);
  await assert.rejects(client().chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof OpenAI.BadRequestError && /bad parameter/.test(e.message));
  await up.script([{ content: ['partial'], in_band_error: { code: 502, message: 'provider went away' } }]);
  const stream = await client().chat.completions.create({ model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'x' }] });
  await assert.rejects(collect(stream), (e) => e instanceof OpenAI.APIError && /provider went away/.test(e.message));
});

test('a client that leaves mid-stream: parley closes the upstream connection', async () => {
  await up.reset();
  await up.script([{ content: Array.from({ length: 200 }, (_, i) => `w${i} `), delay_ms: 50 }]);
  const controller = new AbortController();
  const stream = await client().chat.completions.create({ model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'long' }] },
    { signal: controller.signal });
  let seen = 0;
  try {
    for await (const c of stream) {
      if (c.choices[0]?.delta?.content) seen++;
      if (seen === 2) controller.abort();
    }
  } catch (e) {
    assert.ok(e instanceof OpenAI.APIUserAbortError || e.name === 'AbortError', String(e));
  }
  assert.equal(seen, 2);
  const counts = await up.waitFor({ closed_early: 1 });
  assert.equal(counts.finished, 0);
});

test('a client that leaves a non-streaming request: the upstream is closed too', async () => {
  await up.reset();
  await up.script([{ content: Array.from({ length: 200 }, (_, i) => `w${i} `), delay_ms: 50 }]);
  const controller = new AbortController();
  const pending = client().chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'long' }] }, { signal: controller.signal });
  await up.waitFor({ requests: 1 });
  controller.abort();
  await assert.rejects(pending);
  const counts = await up.waitFor({ closed_early: 1 });
  assert.equal(counts.finished, 0);
});

test('a revoked key is refused at once', async () => {
  const k = await createKey({ name: 'short-lived' });
  await up.reset();
  assert.equal((await client(k.key).chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] })).object, 'chat.completion');
  assert.equal((await fetch(`${p.url}/api/keys/${k.id}`, { method: 'DELETE' })).status, 204);
  assert.equal((await fetch(`${p.url}/api/keys/${k.id}`, { method: 'DELETE' })).status, 404);
  await assert.rejects(client(k.key).chat.completions.create({ messages: [{ role: 'user', content: 'x' }] }), (e) => e.status === 401);
  assert.ok((await listKeys()).find((x) => x.id === k.id).revoked_at);
});

test('usage and cost are recorded per key, and the spending cap refuses requests once reached', async () => {
  const k = await createKey({ name: 'capped', spending_cap_usd: 0.00002 });
  await up.reset();
  for (let i = 0; i < 2; i++) await client(k.key).chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] });
  const listed = (await listKeys()).find((x) => x.id === k.id);
  assert.equal(listed.usage.requests, 2);
  assert.equal(listed.usage.prompt_tokens, 24);
  assert.equal(listed.usage.completion_tokens, 14);
  assert.ok(Math.abs(listed.usage.cost_usd - 0.0000246) < 1e-12, String(listed.usage.cost_usd));
  await assert.rejects(client(k.key).chat.completions.create({ messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 429 && e.code === 'insufficient_quota');
  assert.equal((await chatRequests()).length, 2, 'the refused request never reached the upstream');
});

test('per-key settings: a model allow-list, MCP servers, and history stored as a parley conversation', async () => {
  const k = await createKey({ name: 'narrow', models: ['openai/gpt-4o-mini'], mcp_servers: [], store_history: true });
  const models = [];
  for await (const m of client(k.key).models.list()) models.push(m.id);
  assert.deepEqual(models, ['openai/gpt-4o-mini']);
  await assert.rejects(client(k.key).chat.completions.create({ model: 'anthropic/claude-3.5-sonnet', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e.status === 404 && e.code === 'model_not_found');
  await up.reset();
  await client(k.key).chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'remember this exchange' }] });
  const [sent] = await chatRequests();
  assert.equal(sent.body.tools, undefined, 'no MCP server for this key');
  const list = await (await fetch(`${p.url}/api/chat/conversations?q=${encodeURIComponent('remember this exchange')}`)).json();
  const found = list.conversations.find((c) => /remember this exchange/.test(JSON.stringify(c)));
  assert.ok(found, JSON.stringify(list));
  const history = await (await fetch(`${p.url}/api/chat/session/${found.session_id}/messages`)).json();
  assert.deepEqual(history.messages.map((m) => m.role), ['system', 'user', 'assistant']);
  assert.equal(history.messages[2].content, 'Hello from the fake.');
});
