// Settings documents in PostgreSQL's settings table, shared by replicas (api.md §5.5, decision 14): import from
// the files on first start, versioned writes with NOTIFY, every replica applying another's change within 2 s,
// and a replica whose listener connection was lost catching up after reconnecting. Two real parley processes
// share one database of the private PostgreSQL server that ./scripts/test starts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startParley } from '../lib/parley.mjs';

const baseUrl = process.env.PARLEY_TEST_POSTGRES_URL;
const dbName = `parley_settings_${process.pid}_${Date.now()}`;
let dbUrl, a, b;

const psql = (url, sql) => execFileSync('psql', [url, '-XAtqc', sql], { encoding: 'utf8' }).trim();
const json = (method, body) => ({ method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const get = async (p, path) => (await fetch(`${p.url}${path}`)).json();
// Polls `probe` until it returns truthy; the elapsed milliseconds, or a failure after `ms`.
async function within(ms, probe, what) {
  const start = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - start;
    if (Date.now() - start > ms) assert.fail(`${what}: not seen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  assert.ok(baseUrl, 'PARLEY_TEST_POSTGRES_URL is set by ./scripts/test (tests/lib/postgres.sh)');
  psql(baseUrl, `CREATE DATABASE ${dbName}`);
  const u = new URL(baseUrl);
  u.pathname = `/${dbName}`;
  dbUrl = u.toString();
  const env = { PARLEY_DATABASE_URL: dbUrl };
  // Replica A comes with the files of an earlier single-machine install; they are imported on first start.
  a = await startParley({
    env,
    files: {
      'data/model_settings.json': JSON.stringify({ model: 'anthropic/claude-3.5-sonnet', system_prompt: 'From the file.', updated_at: '2025-01-02T03:04:05Z' }),
      'data/suggestions.json': JSON.stringify({ suggestions: [{ label: 'Imported', text: 'An imported suggestion' }] }),
      'data/mcp_servers.json': JSON.stringify({ servers: [] }),
    },
  });
  b = await startParley({ env });
});
after(async () => {
  await a?.stop();
  await b?.stop();
  if (baseUrl) psql(baseUrl, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
});

test('first start imports the files into the settings table; another replica reads them from there', async () => {
  const rows = psql(dbUrl, 'SELECT name || \'=\' || version FROM settings ORDER BY name').split('\n');
  assert.deepEqual(rows, ['mcp_servers=1', 'model_settings=1', 'signing_key=1', 'suggestions=1']);
  for (const p of [a, b]) {
    assert.equal((await get(p, '/api/settings/model')).model, 'anthropic/claude-3.5-sonnet');
    assert.equal((await get(p, '/api/settings/system-prompt')).system_prompt, 'From the file.');
    assert.deepEqual((await get(p, '/api/suggestions')).suggestions, [{ label: 'Imported', text: 'An imported suggestion' }]);
    assert.deepEqual((await get(p, '/api/mcp/servers')).servers, [], 'the stored empty list is not supplemented');
  }
  assert.match(a.output(), /Imported .*model_settings\.json into the PostgreSQL settings row 'model_settings'/);
  for (const f of ['model_settings.json', 'suggestions.json', 'mcp_servers.json']) {
    assert.equal(existsSync(join(b.home, 'data', f)), false, `replica B wrote no ${f}: the table is the store`);
  }
});

test('a change on one replica reaches the other within 2 seconds, in both directions', async () => {
  let res = await fetch(`${a.url}/api/settings/model`, json('PUT', { model: 'openai/gpt-4o-mini', parameters: { temperature: 0.3 } }));
  assert.equal(res.status, 200);
  const ms = await within(2000, async () => (await get(b, '/api/settings/model')).model === 'openai/gpt-4o-mini', 'model on B');
  assert.equal((await get(b, '/api/settings/model')).parameters.temperature, 0.3);
  assert.equal(psql(dbUrl, "SELECT version FROM settings WHERE name = 'model_settings'"), '2');
  assert.equal(psql(dbUrl, "SELECT document->>'model' FROM settings WHERE name = 'model_settings'"), 'openai/gpt-4o-mini');

  res = await fetch(`${b.url}/api/suggestions`, json('POST', { label: 'From B', text: 'Written on replica B' }));
  assert.ok(res.ok, await res.text());
  await within(2000, async () => (await get(a, '/api/suggestions')).suggestions.some((s) => s.label === 'From B'), 'suggestion on A');

  res = await fetch(`${b.url}/api/presets`, json('POST', { name: 'shared' }));
  assert.ok(res.ok, await res.text());
  await within(2000, async () => (await get(a, '/api/presets')).some((p) => p.name === 'shared'), 'preset on A');
  assert.equal((await get(a, '/api/presets/shared')).model, 'openai/gpt-4o-mini', 'the snapshot B took');

  res = await fetch(`${a.url}/api/mcp/servers`, json('PUT', { servers: [{ id: 'later', enabled: false, command: ['true'] }] }));
  assert.ok(res.ok, await res.text());
  await within(2000, async () => (await get(b, '/api/mcp/servers')).servers.some((s) => s.id === 'later'), 'MCP definitions on B');
  assert.ok(ms <= 2000);
});

test('concurrent saves on both replicas: versions count every write and both end with the same document', async () => {
  const before = Number(psql(dbUrl, "SELECT version FROM settings WHERE name = 'model_settings'"));
  const puts = [];
  for (let i = 0; i < 10; i++) {
    const p = i % 2 ? a : b;
    puts.push(fetch(`${p.url}/api/settings/system-prompt`, json('PUT', { system_prompt: `prompt ${i}` })));
  }
  for (const r of await Promise.all(puts)) assert.equal(r.status, 200);
  assert.equal(Number(psql(dbUrl, "SELECT version FROM settings WHERE name = 'model_settings'")), before + 10);
  const stored = psql(dbUrl, "SELECT document->>'system_prompt' FROM settings WHERE name = 'model_settings'");
  await within(2000, async () => {
    const [pa, pb] = [await get(a, '/api/settings/system-prompt'), await get(b, '/api/settings/system-prompt')];
    return pa.system_prompt === stored && pb.system_prompt === stored;
  }, 'both replicas on the last write');
});

test('a replica whose listener connection was killed reconnects and catches up', async () => {
  const killed = psql(dbUrl, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query = 'LISTEN parley_settings'");
  assert.ok(Number(killed) >= 2, `listeners terminated: ${killed}`);
  // Written while nobody listens: the notification is lost, the reconnect's reload must find it.
  const res = await fetch(`${a.url}/api/settings/model`, json('PUT', { model: 'meta-llama/llama-3-8b-instruct' }));
  assert.equal(res.status, 200);
  await within(8000, async () => (await get(b, '/api/settings/model')).model === 'meta-llama/llama-3-8b-instruct', 'model on B after reconnect');
  await within(8000, () => /Settings listener reconnected/.test(b.output()), 'reconnect logged');
});

test('`parley mcp tools <id>` looks configured ids up in the settings table', async () => {
  const { spawnSync } = await import('node:child_process');
  const { parleyBin } = await import('../lib/parley.mjs');
  const run = spawnSync(parleyBin, ['mcp', 'tools', 'no-such-server'], {
    env: { ...process.env, PARLEY_HOME: b.home, PARLEY_DATABASE_URL: dbUrl }, encoding: 'utf8', timeout: 30000,
  });
  assert.notEqual(run.status, 0);
  assert.match(run.stderr + run.stdout, /no MCP server with id 'no-such-server' in the PostgreSQL settings row 'mcp_servers'/);
});
