// Two replicas on one PostgreSQL database whose connections are all dropped by the server at once (what a
// restart does to them; pg_terminate_backend here, so the shared test server of ./scripts/test keeps running
// for the other tests). Issue 16: the settings must survive the listener's reload (defect 1) and the first
// request after it must not fail on a dead pooled connection (defect 2).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startParley } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';

const baseUrl = process.env.PARLEY_TEST_POSTGRES_URL;
const dbName = `parley_faults_${process.pid}_${Date.now()}`;
let dbUrl, up, a, b;

const psql = (url, sql) => execFileSync('psql', [url, '-XAtqc', sql], { encoding: 'utf8' }).trim();
const json = (method, body) => ({ method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const get = async (p, path) => (await fetch(`${p.url}${path}`)).json();
async function within(ms, probe, what) {
  const start = Date.now();
  for (;;) {
    if (await probe()) return;
    if (Date.now() - start > ms) assert.fail(`${what}: not seen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const count = (text, re) => (text.match(re) ?? []).length;

// Ends every client connection of the test database and waits until the server has let them go (the
// replicas may open new ones meanwhile).
async function dropAllConnections() {
  const pids = psql(baseUrl, `SELECT string_agg(pid::text, ',') FROM pg_stat_activity WHERE datname = '${dbName}' AND backend_type = 'client backend'`);
  const list = pids.split(',').filter(Boolean);
  assert.ok(list.length >= 2, `open connections: ${list.length} (${psql(baseUrl, `SELECT string_agg(left(query, 40), ' | ') FROM pg_stat_activity WHERE datname = '${dbName}'`)})`);
  psql(baseUrl, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE pid IN (${pids})`);
  await within(5000, () => psql(baseUrl, `SELECT count(*) FROM pg_stat_activity WHERE pid IN (${pids})`) === '0', 'terminated backends gone');
}

before(async () => {
  assert.ok(baseUrl, 'PARLEY_TEST_POSTGRES_URL is set by ./scripts/test (tests/lib/postgres.sh)');
  psql(baseUrl, `CREATE DATABASE ${dbName}`);
  const u = new URL(baseUrl);
  u.pathname = `/${dbName}`;
  dbUrl = u.toString();
  up = await startFakeUpstream();
  const env = { PARLEY_DATABASE_URL: dbUrl, OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-test-faults-0123456789' };
  a = await startParley({ env, files: { 'data/mcp_servers.json': JSON.stringify({ servers: [] }) } });
  b = await startParley({ env });
});
after(async () => {
  await a?.stop();
  await b?.stop();
  await up?.stop();
  if (baseUrl) psql(baseUrl, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
});

test('dropped connections: settings survive the reload, nothing stale in /health, the next save keeps them', async () => {
  let res = await fetch(`${a.url}/api/settings/model`, json('PUT', { model: 'anthropic/claude-3.5-sonnet', parameters: { temperature: 0.2 } }));
  assert.equal(res.status, 200, await res.text());
  res = await fetch(`${a.url}/api/settings/system-prompt`, json('PUT', { system_prompt: 'Answer in French.' }));
  assert.equal(res.status, 200);
  await within(2000, async () => (await get(b, '/api/settings/system-prompt')).system_prompt === 'Answer in French.', 'prompt on B');
  const reconnects = [a, b].map((p) => count(p.output(), /Settings listener reconnected/g));

  await dropAllConnections();
  for (const [i, p] of [a, b].entries()) {
    await within(8000, () => count(p.output(), /Settings listener reconnected/g) > reconnects[i], 'listener reconnected');
    // Either the reload succeeded or (the defect) the failed read was taken for an invalid row.
    await within(8000, () => /Settings documents reloaded from PostgreSQL|settings row 'model_settings' is invalid/.test(p.output()), 'documents reloaded');
    const model = await get(p, '/api/settings/model');
    assert.equal(model.model, 'anthropic/claude-3.5-sonnet', 'the stored model, not the default');
    assert.equal(model.parameters.temperature, 0.2);
    assert.equal((await get(p, '/api/settings/system-prompt')).system_prompt, 'Answer in French.');
    const health = await get(p, '/health');
    assert.equal(health.status, 'ok');
    assert.deepEqual(health.warnings, [], 'no warning left about the settings row');
    assert.equal(health.active_model, 'anthropic/claude-3.5-sonnet');
  }
  // Saving one field writes the stored document with that field changed, never defaults.
  res = await fetch(`${b.url}/api/settings/system-prompt`, json('PUT', { system_prompt: 'Answer in German.' }));
  assert.equal(res.status, 200);
  assert.equal(psql(dbUrl, "SELECT document->>'model' FROM settings WHERE name = 'model_settings'"), 'anthropic/claude-3.5-sonnet');
  assert.equal(psql(dbUrl, "SELECT document->>'system_prompt' FROM settings WHERE name = 'model_settings'"), 'Answer in German.');
});

test('dropped connections: the first list and the first chat turn on each replica succeed', async () => {
  // Each replica has pooled connections open from earlier requests.
  for (const p of [a, b]) assert.equal((await fetch(`${p.url}/api/chat/conversations`)).status, 200);
  await dropAllConnections();
  for (const p of [a, b]) {
    const list = await fetch(`${p.url}/api/chat/conversations`);
    assert.equal(list.status, 200, await list.text());
  }
  await dropAllConnections();
  for (const [i, p] of [a, b].entries()) {
    const session = `${String(i + 1).repeat(8)}faultsfaultsfaultsfaults`;
    const res = await fetch(`${p.url}/api/chat/stream`, json('POST', {
      session_id: session, model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Still there?', client_message_id: `user_f${i}` }],
    }));
    const text = await res.text();
    assert.doesNotMatch(text, /event: error/, text);
    assert.equal(psql(dbUrl, `SELECT content FROM messages WHERE session_id = '${session}' AND role = 'assistant'`), 'Hello from the fake.');
    assert.equal(psql(dbUrl, `SELECT string_agg(role, ',' ORDER BY id) FROM messages WHERE session_id = '${session}'`), 'system,user,assistant');
  }
});

test('a settings read that fails keeps the last good copy, says so in /health, and is retried until it succeeds', async () => {
  let res = await fetch(`${a.url}/api/settings/model`, json('PUT', { model: 'openai/gpt-4o-mini' }));
  assert.equal(res.status, 200);
  res = await fetch(`${a.url}/api/settings/system-prompt`, json('PUT', { system_prompt: 'Kept through a failed read.' }));
  assert.equal(res.status, 200);
  res = await fetch(`${a.url}/api/mcp/servers`, json('PUT', { servers: [{ id: 'kept', enabled: false, command: ['true'] }] }));
  assert.equal(res.status, 200);
  await within(2000, async () => (await get(b, '/api/mcp/servers')).servers.some((s) => s.id === 'kept'), 'definitions on B');
  await within(2000, async () => (await get(b, '/api/settings/system-prompt')).system_prompt === 'Kept through a failed read.', 'prompt on B');

  // Every read of the settings table now fails; B is told that the documents changed.
  psql(dbUrl, 'ALTER TABLE settings RENAME TO settings_away');
  try {
    psql(dbUrl, "NOTIFY parley_settings, 'model_settings:1000000'; NOTIFY parley_settings, 'mcp_servers:1000000'");
    // (Taken for an invalid row, the defect, it would be reported too, with defaults served.)
    await within(5000, async () => (await get(b, '/health')).warnings.some((w) => w.includes("the PostgreSQL settings row 'model_settings'")), 'the failed read reported');
    assert.equal((await get(b, '/api/settings/model')).model, 'openai/gpt-4o-mini', 'the last good copy, not the defaults');
    assert.equal((await get(b, '/api/settings/system-prompt')).system_prompt, 'Kept through a failed read.');
    assert.ok((await get(b, '/health')).warnings.some((w) => w.startsWith("Cannot read the PostgreSQL settings row 'model_settings'")));
    await within(5000, () => /Cannot read the PostgreSQL settings row 'mcp_servers'/.test(b.output()), 'the failed definitions read');
    assert.deepEqual((await get(b, '/api/mcp/servers')).servers.map((s) => s.id), ['kept'], 'the MCP servers are not dropped');
    // Nothing is written over a document that could not be read.
    res = await fetch(`${b.url}/api/settings/system-prompt`, json('PUT', { system_prompt: 'Written blind.' }));
    assert.equal(res.status, 500);
  } finally {
    psql(dbUrl, 'ALTER TABLE settings_away RENAME TO settings');
  }
  // The retried read succeeds: the warning goes, the values are the stored ones.
  await within(5000, async () => (await get(b, '/health')).warnings.length === 0, 'warnings cleared');
  assert.equal((await get(b, '/api/settings/model')).model, 'openai/gpt-4o-mini');
  assert.equal(psql(dbUrl, "SELECT document->>'system_prompt' FROM settings WHERE name = 'model_settings'"), 'Kept through a failed read.');
  assert.deepEqual((await get(b, '/api/mcp/servers')).servers.map((s) => s.id), ['kept']);
});
