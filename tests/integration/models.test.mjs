// GET /api/models and GET /api/chat/generation/{id} against the fake OpenRouter (api.md §2.7, §2.8).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';

let up, p;
before(async () => {
  up = await startFakeUpstream();
  p = await startParley({ env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-test-models-0123456789' } });
});
after(async () => { await p.stop(); await up.stop(); });

test('the model list keeps every upstream field and adds the enrichment keys', async () => {
  const res = await fetch(`${p.url}/api/models`);
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.deepEqual(body.metadata, { total: 4, base_count: 4, count: 4 });
  const mini = body.data.find((m) => m.id === 'openai/gpt-4o-mini');
  assert.equal(mini.description, 'Small and fast.');
  assert.deepEqual(mini.top_provider, { context_length: 128000, is_moderated: true });
  assert.equal(mini.supports_tools, true);
  assert.deepEqual(mini.input_modalities, ['image', 'text']);
  assert.equal(mini.prompt_price_per_million, 0.15);
  assert.equal(mini.provider_prefix, 'openai');
  assert.ok(mini.series.includes('Other') && mini.series.includes('gpt'));
  const claude = body.data.find((m) => m.id === 'anthropic/claude-3.5-sonnet');
  assert.equal(claude.context_length, 200000);
  const gemini = body.data.find((m) => m.id.startsWith('google/'));
  assert.equal(gemini.supports_tools, false);
  assert.equal(gemini.prompt_price, undefined, 'an unparseable price adds no key');
  const seen = (await up.requests()).filter((r) => r.path === '/models');
  assert.equal(seen.at(-1).headers.authorization, 'Bearer sk-test-models-0123456789');
});

test('the list is cached: repeated and concurrent calls make one upstream request', async () => {
  const before = (await up.requests()).filter((r) => r.path === '/models').length;
  await Promise.all(Array.from({ length: 10 }, () => fetch(`${p.url}/api/models`).then((r) => r.json())));
  const after = (await up.requests()).filter((r) => r.path === '/models').length;
  assert.ok(after - before <= 1, `${after - before} upstream requests`);
});

test('tools_only, search and filters with operators', async () => {
  let body = await (await fetch(`${p.url}/api/models?tools_only=YES`)).json();
  assert.deepEqual(body.data.map((m) => m.id).sort(), ['anthropic/claude-3.5-sonnet', 'openai/gpt-4o-mini']);
  assert.deepEqual(body.metadata, { total: 4, base_count: 2, count: 2 });
  body = await (await fetch(`${p.url}/api/models?search=${encodeURIComponent('LLAMA instruct')}`)).json();
  assert.deepEqual(body.data.map((m) => m.id), ['meta-llama/llama-3-8b-instruct']);
  const q = (f) => fetch(`${p.url}/api/models?filters=${encodeURIComponent(JSON.stringify(f))}`).then((r) => r.json());
  body = await q({ 'architecture.input_modalities': 'IMAGE', context_length: { min: 100000 } });
  assert.deepEqual(body.data.map((m) => m.id).sort(), ['anthropic/claude-3.5-sonnet', 'openai/gpt-4o-mini']);
  body = await q({ prompt_price_per_million: { lte: 0.2 }, provider_prefix: { in: ['openai', 'meta-llama'] } });
  assert.deepEqual(body.data.map((m) => m.id).sort(), ['meta-llama/llama-3-8b-instruct', 'openai/gpt-4o-mini']);
  body = await q({ capabilities: { exists: true } });
  assert.deepEqual(body.data.map((m) => m.id), ['google/gemini-2.5-flash-image']);
  body = await q({ id: { contains: 'SONNET' }, name: { neq: 'x' } });
  assert.equal(body.data.length, 1);
  body = await q({ id: { bogus_operator: 1 } });
  assert.equal(body.data.length, 0);
});

test('bad query values: 422 for tools_only, 400 with the spec messages for filters', async () => {
  let res = await fetch(`${p.url}/api/models?tools_only=maybe`);
  assert.equal(res.status, 422);
  assert.deepEqual((await res.json()).detail[0].loc, ['query', 'tools_only']);
  res = await fetch(`${p.url}/api/models?filters=${encodeURIComponent('{"a":')}`);
  assert.equal(res.status, 400);
  assert.match((await res.json()).detail, /^Invalid filters parameter: /);
  res = await fetch(`${p.url}/api/models?filters=${encodeURIComponent('[1]')}`);
  assert.equal(res.status, 400);
  assert.deepEqual(await res.json(), { detail: 'Filters parameter must be a JSON object.' });
});

test('generation details are proxied unchanged, errors mirror the upstream status', async () => {
  // A chat request to the fake records a generation id it can answer for.
  const chat = await fetch(`${up.baseUrl}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', fake_scenario: { id: 'gen-known-1', content: ['x'] } }) });
  await chat.text();
  let res = await fetch(`${p.url}/api/chat/generation/gen-known-1`);
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.data.id, 'gen-known-1');
  assert.equal(body.data.total_cost, 0.0000123);
  res = await fetch(`${p.url}/api/chat/generation/gen-unknown`);
  assert.equal(res.status, 404);
  assert.deepEqual(await res.json(), { detail: { code: 404, message: 'Generation not found' } });
  const reqs = await up.requests();
  assert.equal(reqs.at(-1).query, '?id=gen-unknown');
});

test('models metadata describes the enriched catalog', async () => {
  const res = await fetch(`${p.url}/api/models/metadata`);
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.total, 4);
  assert.equal(body.base_count, 4);
  const paths = body.properties.map((x) => x.path);
  assert.deepEqual(paths, [...paths].sort());
  const tools = body.properties.find((x) => x.path === 'supports_tools');
  assert.deepEqual(tools.boolean_values, [false, true]);
  assert.equal(tools.count, 4);
  assert.deepEqual(body.facets.input_modalities, ['file', 'image', 'text']);
  assert.deepEqual(body.facets.context_length, { min: 8192, max: 200000 });
  assert.ok(body.facets.series.includes('Other'));
});
