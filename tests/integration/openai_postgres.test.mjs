// The OpenAI-compatible API's keys with PostgreSQL across two replicas: a key made on one works on the other,
// usage from both adds up in one row, the cap counts what both charged, and a revoke on one is refused by the
// other at once; only the key's hash is in the database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import OpenAI from 'openai';
import { startParley } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';

const baseUrl = process.env.PARLEY_TEST_POSTGRES_URL;
const dbName = `parley_openai_${process.pid}_${Date.now()}`;
let dbUrl, up, a, b;
const psql = (sql) => execFileSync('psql', [dbUrl, '-XAtqc', sql], { encoding: 'utf8' }).trim();

before(async () => {
  assert.ok(baseUrl, 'PARLEY_TEST_POSTGRES_URL is set by ./scripts/test (tests/lib/postgres.sh)');
  execFileSync('psql', [baseUrl, '-XAtqc', `CREATE DATABASE ${dbName}`]);
  const u = new URL(baseUrl);
  u.pathname = `/${dbName}`;
  dbUrl = u.toString();
  up = await startFakeUpstream();
  const env = { PARLEY_DATABASE_URL: dbUrl, OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-test-pg-openai-0123456789' };
  const files = { 'data/mcp_servers.json': '{"servers":[]}' };
  a = await startParley({ env, files });
  b = await startParley({ env, files });
});
after(async () => {
  await a?.stop();
  await b?.stop();
  await up?.stop();
  if (baseUrl) execFileSync('psql', [baseUrl, '-XAtqc', `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`]);
});

const ask = (p, key) => new OpenAI({ apiKey: key, baseURL: `${p.url}/v1`, maxRetries: 0 })
  .chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] });

test('a key made on one replica works on the other; usage adds up; the cap and a revoke hold on both', async () => {
  const res = await fetch(`${a.url}/api/keys`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'shared', spending_cap_usd: 0.00003 }) });
  const key = await res.json();
  assert.equal(psql(`SELECT count(*) FROM api_keys WHERE key_hash LIKE '%${key.key.slice(10, 20)}%'`), '0', 'only the hash is stored');
  assert.equal((await ask(b, key.key)).choices[0].message.content, 'Hello from the fake.');
  await ask(a, key.key);
  const listed = (await (await fetch(`${b.url}/api/keys`)).json()).keys[0];
  assert.equal(listed.usage.requests, 2);
  assert.equal(listed.usage.prompt_tokens, 24);
  await ask(b, key.key);  // 3 × 0.0000123 ≥ 0.00003 afterwards
  await assert.rejects(ask(a, key.key), (e) => e.status === 429 && e.code === 'insufficient_quota');

  const other = await (await fetch(`${b.url}/api/keys`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'other' }) })).json();
  await ask(a, other.key);
  assert.equal((await fetch(`${b.url}/api/keys/${other.id}`, { method: 'DELETE' })).status, 204);
  await assert.rejects(ask(a, other.key), (e) => e.status === 401);
});
