// The OpenAI-compatible API from a plain `curl` transcript (the README's commands): a key made with
// `parley keys create`, the model list, a non-streaming and a streaming completion, a revoked key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startParley, parleyBin } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';

const run = promisify(execFile);
let up, p, key, env;
before(async () => {
  up = await startFakeUpstream();
  p = await startParley({ env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-test-curl-0123456789' } });
  env = { PATH: process.env.PATH, PARLEY_HOME: p.home, LANG: 'C.UTF-8' };
  const created = await run(parleyBin, ['keys', 'create', '--name', 'curl', '--no-tools', '--cap', '1'], { env, cwd: p.home });
  key = created.stdout.trim();
  assert.match(key, /^sk-parley-/);
  assert.match(created.stderr, /shown only now/);
});
after(async () => { await p?.stop(); await up?.stop(); });

const curl = async (...args) => (await run('curl', ['-sS', '-N', ...args])).stdout;

test('curl: models, a completion, a stream, and the key listed with its usage', async () => {
  const models = JSON.parse(await curl(`${p.url}/v1/models`, '-H', `Authorization: Bearer ${key}`));
  assert.equal(models.object, 'list');
  assert.ok(models.data.some((m) => m.id === 'openai/gpt-4o-mini'));

  const body = JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
  const completion = JSON.parse(await curl(`${p.url}/v1/chat/completions`, '-H', `Authorization: Bearer ${key}`,
    '-H', 'Content-Type: application/json', '-d', body));
  assert.equal(completion.choices[0].message.content, 'Hello from the fake.');

  const streamed = await curl(`${p.url}/v1/chat/completions`, '-H', `Authorization: Bearer ${key}`,
    '-H', 'Content-Type: application/json', '-d', JSON.stringify({ ...JSON.parse(body), stream: true }));
  const events = streamed.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6));
  assert.equal(events.at(-1), '[DONE]');
  assert.ok(!streamed.includes('event:'), 'plain data events, as OpenAI sends them');
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
  assert.equal(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join(''), 'Hello from the fake.');

  const listed = JSON.parse((await run(parleyBin, ['keys', 'list', '--json'], { env, cwd: p.home })).stdout);
  assert.equal(listed[0].name, 'curl');
  assert.equal(listed[0].usage.requests, 2);
  assert.deepEqual(listed[0].mcp_servers, []);
  assert.equal(listed[0].spending_cap_usd, 1);
  assert.ok(!JSON.stringify(listed).includes(key));
});

test('curl: a revoked key gets OpenAI\'s 401', async () => {
  const [{ id }] = JSON.parse((await run(parleyBin, ['keys', 'list', '--json'], { env, cwd: p.home })).stdout);
  await run(parleyBin, ['keys', 'revoke', id], { env, cwd: p.home });
  const out = await curl('-i', `${p.url}/v1/models`, '-H', `Authorization: Bearer ${key}`);
  assert.match(out, /^HTTP\/1\.1 401/);
  assert.match(out, /"code":"invalid_api_key"/);
  assert.ok(!out.includes(key));
  await assert.rejects(run(parleyBin, ['keys', 'revoke', id], { env, cwd: p.home }), /no active key/);
});
