// GET /metrics (api.md §8.6) on the real binary: behind the bearer token when auth is on, valid Prometheus
// text, and the series of a chat turn with a tool call (real MCP server-everything over stdio), an upstream
// error and an upload move; the Grafana dashboard in deploy/ only asks for series the server exposes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startParley, repoRoot } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';
import { everythingEntry } from './mcp_helpers.mjs';
import { upload } from './uploads_helpers.mjs';

const TOKEN = 'tok-metrics-' + '0f1e2d3c4b5a'.repeat(3);
const auth = { Authorization: `Bearer ${TOKEN}` };

let up, p;
before(async () => {
  up = await startFakeUpstream();
  p = await startParley({
    env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-test-metrics-0123456789', PARLEY_AUTH_TOKEN: TOKEN },
    files: { 'data/mcp_servers.json': JSON.stringify({ servers: [{ id: 'everything', command: [process.execPath, everythingEntry, 'stdio'] }] }) },
  });
});
after(async () => { await p?.stop(); await up?.stop(); });

// One exposition line: `name{labels} value` or `name value`; label values are quoted with \\, \" and \n escapes.
function parseLine(line) {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*\})? (\S+)$/.exec(line);
  if (!m) return null;
  const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : m[3] === 'Nan' || m[3] === 'NaN' ? NaN : Number(m[3]);
  if (Number.isNaN(value) && !/^nan$/i.test(m[3])) return null;
  return { name: m[1], labels: m[2] ? m[2].slice(1, -1) : '', value };
}

function parseExposition(text) {
  const samples = [];
  const types = new Map();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const t = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      if (t) types.set(t[1], t[2]);
      else assert.match(line, /^# HELP \S+ /, `a comment is HELP or TYPE: ${line}`);
      continue;
    }
    const s = parseLine(line);
    assert.ok(s, `malformed exposition line: ${JSON.stringify(line)}`);
    samples.push(s);
  }
  const get = (name, labels = '') => samples.find((s) => s.name === name && s.labels === labels)?.value;
  return { samples, types, get };
}

async function scrape() {
  const res = await fetch(`${p.url}/metrics`, { headers: auth });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(await res.text());
}

async function until(what, predicate, ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const m = await scrape();
    if (predicate(m)) return m;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function turn(body) {
  const res = await fetch(`${p.url}/api/chat/stream`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...auth }, body: JSON.stringify(body) });
  assert.equal(res.status, 200);
  return res.text();
}

test('/metrics needs the bearer token when auth is on', async () => {
  let res = await fetch(`${p.url}/metrics`);
  assert.equal(res.status, 401);
  assert.equal(res.headers.get('www-authenticate'), 'Bearer');
  res = await fetch(`${p.url}/metrics`, { headers: { Authorization: 'Bearer wrong' } });
  assert.equal(res.status, 401);
  const m = await scrape();
  assert.equal(m.types.get('parley_chat_turns_total'), 'counter');
  assert.equal(m.types.get('parley_chat_turn_duration_seconds'), 'histogram');
  assert.ok(m.get('process_resident_memory_bytes') > 1e6, 'RSS read from /proc/self');
  assert.ok(m.get('process_open_fds') >= 3);
  const start = m.get('process_start_time_seconds');
  assert.ok(start > Date.now() / 1000 - 600 && start <= Date.now() / 1000 + 1, `start time ${start}`);
  assert.equal(m.get('parley_build_info', `version="${JSON.parse(await (await fetch(`${p.url}/health`)).text()).version}"`), 1);
});

test('a chat turn with a tool call moves the turn, upstream, tool, MCP, HTTP and database series', async () => {
  const before = await until('everything connected', (m) => m.get('parley_mcp_server_state', 'server="everything",state="connected"') === 1);
  assert.ok(before.get('parley_mcp_servers', 'state="connected"') >= 1);
  const count = (m, name, labels = '') => m.get(name, labels) ?? 0;

  await up.script([
    { tool_fragments: [{ index: 0, id: 'call_m1', type: 'function', function: { name: 'echo', arguments: '{"message":"metered"}' } }] },
    { content: ['The tool said metered.'] },
  ]);
  const text = await turn({ messages: [{ role: 'user', content: 'use echo' }] });
  assert.match(text, /metered/);
  assert.match(text, /\[DONE\]/);

  // The turn's record happens before its last frames are flushed: wait for it rather than assume.
  const after = await until('the turn recorded', (m) => count(m, 'parley_chat_turns_total', 'outcome="completed"') === count(before, 'parley_chat_turns_total', 'outcome="completed"') + 1);
  const delta = (name, labels = '') => count(after, name, labels) - count(before, name, labels);
  assert.equal(delta('parley_chat_turn_duration_seconds_count'), 1);
  assert.ok(delta('parley_chat_turn_duration_seconds_sum') > 0);
  assert.equal(delta('parley_upstream_first_token_seconds_count'), 2, 'one first delta per hop');
  assert.equal(delta('parley_upstream_requests_total', 'status="200"'), 2);
  assert.equal(delta('parley_tool_calls_total', 'server="everything",status="finished",tool="echo"'), 1);
  assert.equal(delta('parley_tool_call_duration_seconds_count', 'server="everything"'), 1);
  assert.equal(delta('parley_http_requests_total', 'method="POST",route="/api/chat/stream",status="200"'), 1);
  assert.ok(delta('parley_db_operation_duration_seconds_count', 'kind="write"') >= 2, 'the user, assistant and tool rows');
  assert.equal(count(after, 'parley_chat_streams_active'), 0);
  assert.ok(count(after, 'parley_http_connections_open') >= 1, 'the scrape itself is on an open connection');
  assert.equal(count(after, 'parley_sse_streams_open'), 0);
  // Histogram buckets are cumulative and end at the count.
  assert.equal(after.get('parley_chat_turn_duration_seconds_bucket', 'le="+Inf"'), after.get('parley_chat_turn_duration_seconds_count'));
});

test('an upstream error counts by class and status, and its turn as an error', async () => {
  const before = await scrape();
  await up.script([{ status: 503, message: 'overloaded' }]);
  const text = await turn({ messages: [{ role: 'user', content: 'fail please' }] });
  assert.match(text, /event: error/);
  const after = await until('the failed turn recorded', (m) => (m.get('parley_chat_turns_total', 'outcome="error"') ?? 0) > (before.get('parley_chat_turns_total', 'outcome="error"') ?? 0));
  const delta = (name, labels) => (after.get(name, labels) ?? 0) - (before.get(name, labels) ?? 0);
  assert.equal(delta('parley_upstream_requests_total', 'status="503"'), 1);
  assert.equal(delta('parley_upstream_errors_total', 'class="http_status",status="503"'), 1);
  assert.equal(delta('parley_chat_turns_total', 'outcome="error"'), 1);
});

test('an upload counts in the attachment and blob series', async () => {
  const before = await scrape();
  const r = await upload(p.url, { headers: auth });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const after = await scrape();
  const delta = (name, labels) => (after.get(name, labels) ?? 0) - (before.get(name, labels) ?? 0);
  assert.equal(delta('parley_attachments_uploaded_total', 'storage="local"'), 1);
  assert.ok(delta('parley_attachment_bytes_uploaded_total', 'storage="local"') > 0);
  assert.equal(delta('parley_blob_operations_total', 'backend="local",operation="put",outcome="ok"'), 1);
});

test('request paths never become labels: unknown paths share one series', async () => {
  for (const path of ['/api/nope-1', '/api/nope-2', '/api/presets/some-secret-name']) await fetch(`${p.url}${path}`, { headers: auth });
  const m = await scrape();
  for (const s of m.samples) assert.doesNotMatch(s.labels, /nope-|some-secret-name/, `${s.name}{${s.labels}}`);
  assert.ok(m.get('parley_http_requests_total', 'method="GET",route="/api/presets/{name}",status="404"') >= 1);
});

test('the Grafana dashboard only queries series the server exposes', async () => {
  const dashboard = JSON.parse(readFileSync(join(repoRoot, 'deploy', 'grafana', 'parley.json'), 'utf8'));
  const exprs = [];
  const walk = (v) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) { if ((k === 'expr' || k === 'query') && typeof x === 'string') exprs.push(x); else walk(x); }
  };
  walk(dashboard);
  assert.ok(exprs.length >= 10, `the dashboard has its panels (${exprs.length} queries)`);
  const m = await scrape();
  const exposed = new Set(m.types.keys());
  const used = new Set();
  for (const e of exprs) for (const [name] of e.matchAll(/\b(?:parley|process)_[a-zA-Z0-9_]*/g)) used.add(name);
  assert.ok(used.size >= 15, `the dashboard covers the metrics (${[...used].join(', ')})`);
  for (const name of used) {
    const family = name.replace(/_(bucket|sum|count)$/, '');
    const known = exposed.has(name) || (family !== name && m.types.get(family) === 'histogram');
    assert.ok(known, `the dashboard queries ${name}, which /metrics does not expose`);
  }
});
