// GET /api/settings/model/active-provider (api.md §2.12) against the fake OpenRouter's /providers and
// /models/{author}/{slug}/endpoints.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startParley } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';

let up, p;
const json = (method, body) => ({ method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const active = async () => {
  const res = await fetch(`${p.url}/api/settings/model/active-provider`);
  assert.equal(res.status, 200);
  return res.json();
};
const save = async (model, provider) => {
  const res = await fetch(`${p.url}/api/settings/model`, json('PUT', { model, provider }));
  assert.equal(res.status, 200, await res.text());
};
const endpoint = (provider_name, tag, completion, extra = {}) => ({
  name: `${provider_name}: model`, provider_name, tag, context_length: 128000,
  pricing: { prompt: '0.000001', completion, request: '0', image: '0' }, ...extra,
});

before(async () => {
  up = await startFakeUpstream();
  p = await startParley({ env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-test-active-0123456789' } });
});
after(async () => { await p.stop(); await up.stop(); });

test('no provider preferences: default routing over the model endpoints', async () => {
  await up.setEndpoints({ 'openai/gpt-4o-mini': [endpoint('OpenAI', 'openai', '0.0000006'), endpoint('Azure', 'azure', '0.0000005')] });
  await save('openai/gpt-4o-mini', null);
  assert.deepEqual(await active(), {
    provider: 'OpenRouter default routing', provider_type: 'default', model_id: 'openai/gpt-4o-mini',
    total_providers: 2, available_providers: 2, routing_strategy: 'default',
    note: 'No provider preferences set', has_model_endpoints: true,
  });
  const seen = (await up.requests()).filter((r) => r.path.startsWith('/models/openai/') || r.path === '/providers');
  assert.deepEqual(seen.map((r) => r.path).sort(), ['/models/openai/gpt-4o-mini/endpoints', '/providers']);
  assert.equal(seen[0].headers.authorization, 'Bearer sk-test-active-0123456789');
});

test('explicit order selects an endpoint and describes it', async () => {
  await up.setEndpoints({
    'anthropic/claude-3.5-sonnet': [
      endpoint('Anthropic', 'anthropic', '0.000015', { latency_last_30m: { p50: 640.2 }, throughput_last_30m: { p50: 55.5 } }),
      endpoint('Amazon Bedrock', 'amazon-bedrock/us', '0.000015', { region: 'us-west-2' }),
    ],
  });
  await save('anthropic/claude-3.5-sonnet', { order: ['Google', 'Amazon Bedrock'], allow_fallbacks: false });
  const body = await active();
  assert.equal(body.provider_type, 'explicit_order');
  assert.equal(body.routing_strategy, 'dynamic');
  assert.deepEqual(body.provider_order, ['Google', 'Amazon Bedrock']);
  assert.equal(body.provider_id, 'amazon-bedrock');
  assert.equal(body.provider, 'Amazon Bedrock (amazon-bedrock) · us-west-2 · $15.00/m completion');
  assert.deepEqual(body.selected_endpoint.pricing, { prompt: 1, completion: 15, request: 0, image: 0 });
  assert.equal(body.allow_fallbacks, false);
  assert.equal(body.require_parameters, null);
  assert.deepEqual(body.filters_applied, []);
});

test('sort with filters; every candidate filtered away names the strategy', async () => {
  await save('anthropic/claude-3.5-sonnet', { sort: 'throughput', ignore: ['Amazon Bedrock'] });
  let body = await active();
  assert.equal(body.provider_type, 'dynamic_sort');
  assert.equal(body.sort_strategy, 'throughput');
  assert.equal(body.provider, 'Anthropic · $15.00/m completion · 56 tok/s · 640 ms latency');
  assert.deepEqual(body.filters_applied, ['ignoring: Amazon Bedrock']);
  await save('anthropic/claude-3.5-sonnet', { sort: 'price', data_collection: 'deny' });
  body = await active();
  assert.equal(body.available_providers, 0);
  assert.equal(body.provider, 'Dynamic (lowest cost provider)');
  assert.deepEqual(body.filters_applied, ['zero-data retention only']);
});

test('upstream failures count as empty lists and the route still answers 200', async () => {
  await up.setProviders(503);
  await up.setEndpoints({ 'anthropic/claude-3.5-sonnet': 500 });
  await save('anthropic/claude-3.5-sonnet', { order: ['Anthropic'] });
  let body = await active();
  assert.equal(body.has_model_endpoints, false);
  assert.equal(body.total_providers, 0);
  assert.equal(body.provider, 'Anthropic', 'no match: the first order entry');
  await up.setProviders('malformed');
  body = await active();
  assert.equal(body.total_providers, 0);
  await up.setProviders([{ name: 'Anthropic', slug: 'anthropic' }]);
  body = await active();
  assert.equal(body.total_providers, 1);
  assert.equal(body.provider_id, 'anthropic');
});

test('models without an author/slug form are not looked up', async () => {
  await up.reset();
  for (const model of ['openrouter/auto', 'local-model']) {
    await save(model, null);
    const body = await active();
    assert.equal(body.model_id, model);
    assert.equal(body.total_providers, 2, 'the provider list stands in');
  }
  const paths = (await up.requests()).map((r) => r.path);
  assert.ok(!paths.some((x) => x.endsWith('/endpoints')), paths.join(','));
});
