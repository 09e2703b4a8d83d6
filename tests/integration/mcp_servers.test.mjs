// /api/mcp/servers against real MCP servers (server-everything over stdio, Streamable HTTP and SSE,
// server-filesystem over stdio) and scripted fakes: listing with pagination, naming, PATCH/PUT rules,
// list_changed, crashes and restarts, servers that never initialize or write garbage, hot reload, and no
// zombie or leaked process afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startParley } from '../lib/parley.mjs';
import { waitFor } from '../lib/http.mjs';
import {
  fakeServer, everythingEntry, filesystemEntry, getStatus, server, waitForStatus, childrenOf,
  allProcesses, startEverythingHttp,
} from './mcp_helpers.mjs';

const node = process.execPath;
const sandbox = mkdtempSync(join(tmpdir(), 'parley-mcp-fs-'));
writeFileSync(join(sandbox, 'hello.txt'), 'hello from the sandbox\n');

let p;
let watcher;
const seenChildren = new Map();  // pid -> cmdline of every child parley started during the suite
let httpEverything;
let sseEverything;

const put = (servers) => fetch(`${p.url}/api/mcp/servers`, {
  method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ servers }),
});
const patch = (id, body) => fetch(`${p.url}/api/mcp/servers/${encodeURIComponent(id)}`, {
  method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
});
const fake = (id, ...flags) => ({ id, command: [node, fakeServer, '--name', id, ...flags] });

before(async () => {
  p = await startParley({ files: { 'data/mcp_servers.json': JSON.stringify({ servers: [] }) } });
  watcher = setInterval(() => {
    for (const c of childrenOf(p.proc.pid)) seenChildren.set(c.pid, c.cmdline);
  }, 50);
  httpEverything = await startEverythingHttp('streamableHttp');
  sseEverything = await startEverythingHttp('sse');
});

after(async () => {
  // Leave servers running so that shutdown itself has to stop and reap them.
  await put([fake('last'), { id: 'everything', command: [node, everythingEntry, 'stdio'] }]);
  await waitForStatus(p, (s) => s.servers.every((x) => x.state === 'connected'), { what: 'final servers' });
  clearInterval(watcher);
  for (const c of childrenOf(p.proc.pid)) seenChildren.set(c.pid, c.cmdline);
  await p.stop();
  await httpEverything?.stop();
  await sseEverything?.stop();
  rmSync(sandbox, { recursive: true, force: true });
  // Every child parley started during the suite is gone (not running, not a zombie) once parley stopped.
  assert.ok(seenChildren.size >= 10, `the suite saw parley's children (${seenChildren.size})`);
  const alive = allProcesses().filter((q) => seenChildren.has(q.pid) && seenChildren.get(q.pid) === q.cmdline);
  assert.deepEqual(alive, [], 'no MCP server process outlives parley');
});

test('an empty stored list stays empty and both slash forms answer the status', async () => {
  for (const path of ['/api/mcp/servers', '/api/mcp/servers/']) {
    const res = await fetch(`${p.url}${path}`);
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.deepEqual(body.servers, []);
    assert.match(body.updated_at, /Z$/);
  }
});

test('PUT validates: duplicate ids, the transport rule, unknown modules, extra keys', async () => {
  let res = await put([fake('a'), fake('a')]);
  assert.equal(res.status, 422);
  assert.deepEqual(await res.json(), { detail: 'Duplicate MCP server id: a' });
  res = await put([{ id: 'x', command: ['true'], url: 'http://127.0.0.1:1/' }]);
  assert.equal(res.status, 422);
  assert.deepEqual(await res.json(), { detail: "Define exactly one of 'module', 'command' or 'url' for MCP server 'x'" });
  res = await put([{ id: 'x', module: 'nope' }]);
  assert.equal(res.status, 422);
  assert.deepEqual(await res.json(), { detail: 'Unknown built-in MCP server module: nope' });
  res = await put([{ id: 'x', command: 'true', colour: 'red' }]);
  assert.equal(res.status, 422);
  const body = await res.json();
  assert.equal(body.detail[0].type, 'extra_forbidden');
  assert.deepEqual(body.detail[0].loc, ['body', 'servers', 0, 'colour']);
  res = await put([{ id: 'x', command: ['true'], headers: { a: 'b' } }]);
  assert.equal(res.status, 422);
});

test('real servers over stdio: pagination, every tool listed, names qualified only where they clash', async () => {
  const res = await put([
    fake('fake', '--page-size', '3'),
    { id: 'everything', command: [node, everythingEntry, 'stdio'] },
    { id: 'files', command: [node, filesystemEntry, sandbox] },
  ]);
  assert.equal(res.status, 200);
  const status = await waitForStatus(p, (s) => s.servers.every((x) => x.state === 'connected'), { what: 'all connected' });
  const f = server(status, 'fake');
  assert.equal(f.transport, 'stdio');
  assert.equal(f.connected, true);
  assert.equal(f.last_error, null);
  assert.equal(f.tools.length, 10, 'all pages of tools/list were read');
  assert.deepEqual(f.tools.map((t) => t.name), [...f.tools.map((t) => t.name)].sort());
  const echoFake = f.tools.find((t) => t.name === 'echo');
  assert.equal(echoFake.qualified_name, 'fake__echo');
  const ev = server(status, 'everything');
  assert.ok(ev.tools.length >= 8);
  assert.equal(ev.tools.find((t) => t.name === 'echo').qualified_name, 'everything__echo');
  assert.equal(ev.tools.find((t) => t.name === 'get-tiny-image').qualified_name, 'get-tiny-image');
  const files = server(status, 'files');
  assert.ok(files.tools.some((t) => t.name === 'read_text_file' || t.name === 'read_file'));
  assert.equal(files.tool_count, files.tools.length);
  for (const s of status.servers) {
    for (const t of s.tools) assert.match(t.qualified_name, /^[A-Za-z0-9_-]{1,64}$/);
  }
  // Every key of the status shape is present.
  assert.deepEqual(Object.keys(f).sort(), ['command', 'connected', 'contexts', 'cwd', 'disabled_tools', 'enabled', 'env',
    'headers', 'id', 'last_error', 'module', 'state', 'tool_count', 'tool_overrides', 'tool_prefix', 'tools',
    'transport', 'url'].sort());
});

test('PATCH: disabled_tools sorted and hidden, nulls ignored, unknown id 404, id forbidden', async () => {
  let res = await patch('fake', { disabled_tools: ['slow', 'add'], enabled: null });
  assert.equal(res.status, 200);
  let f = server(await res.json(), 'fake');
  assert.deepEqual(f.disabled_tools, ['add', 'slow']);
  assert.equal(f.enabled, true);
  assert.equal(f.tools.find((t) => t.name === 'add').enabled, false);
  assert.equal(f.tools.find((t) => t.name === 'echo').enabled, true);
  assert.equal(f.tool_count, 8);
  res = await patch('nope', { enabled: false });
  assert.equal(res.status, 404);
  assert.deepEqual(await res.json(), { detail: 'Unknown MCP server id: nope' });
  res = await patch('fake', { id: 'other' });
  assert.equal(res.status, 422);
  const file = JSON.parse(readFileSync(join(p.home, 'data', 'mcp_servers.json'), 'utf8'));
  assert.deepEqual(file.servers.find((s) => s.id === 'fake').disabled_tools, ['add', 'slow']);
  res = await patch('fake', { disabled_tools: [] });
  f = server(await res.json(), 'fake');
  assert.equal(f.tool_count, 10);
});

test('hot reload: changing one server restarts only that one; the others keep their process', async () => {
  const before = childrenOf(p.proc.pid).filter((c) => c.state !== 'Z');
  const evPid = before.find((c) => c.cmdline.includes(everythingEntry)).pid;
  const fakePid = before.find((c) => c.cmdline.includes(fakeServer)).pid;
  // A new tool_prefix only renames; a new command restarts the fake.
  let res = await patch('everything', { tool_prefix: 'ev' });
  let status = await res.json();
  assert.equal(server(status, 'everything').tools.find((t) => t.name === 'echo').qualified_name, 'ev__echo');
  assert.equal(server(status, 'everything').tools.find((t) => t.name === 'get-sum').qualified_name, 'ev__get-sum');
  res = await patch('fake', { command: [node, fakeServer, '--name', 'fake', '--page-size', '4'] });
  status = await res.json();
  assert.equal(server(status, 'fake').state, 'connected');
  // The old process is stopped in the background (stdin closed, then signals after 2 s each): wait for it.
  const oldGone = await waitFor(() => !childrenOf(p.proc.pid).some((c) => c.pid === fakePid && c.state !== 'Z'), 8000);
  assert.ok(oldGone, 'the changed server was restarted');
  const after = childrenOf(p.proc.pid).filter((c) => c.state !== 'Z');
  assert.ok(after.some((c) => c.pid === evPid), 'everything kept its process');
  assert.ok(after.some((c) => c.cmdline.includes(fakeServer)));
});

test('disable stops the process but keeps the tool list; enable starts it again', async () => {
  let res = await patch('files', { enabled: false });
  let f = server(await res.json(), 'files');
  assert.equal(f.state, 'disabled');
  assert.equal(f.connected, false);
  assert.equal(f.tool_count, 0);
  assert.ok(f.tools.length > 0 && f.tools.every((t) => !t.enabled));
  const stopped = await waitFor(() => !childrenOf(p.proc.pid).some((c) => c.cmdline.includes(sandbox) && c.state !== 'Z'), 8000);
  assert.ok(stopped, 'the disabled server\'s process was stopped');
  res = await patch('files', { enabled: true });
  f = server(await res.json(), 'files');
  assert.equal(f.state, 'connected');
});

test('a killed server is marked disconnected and restarted with back-off', async () => {
  const victim = childrenOf(p.proc.pid).find((c) => c.cmdline.includes(fakeServer) && c.state !== 'Z');
  process.kill(victim.pid, 'SIGKILL');
  const down = await waitForStatus(p, (s) => server(s, 'fake').state !== 'connected', { what: 'fake down' });
  assert.ok(['disconnected', 'connecting'].includes(server(down, 'fake').state));
  const up = await waitForStatus(p, (s) => server(s, 'fake').state === 'connected', { what: 'fake restarted' });
  assert.equal(server(up, 'fake').last_error, null);
  const fresh = childrenOf(p.proc.pid).find((c) => c.cmdline.includes(fakeServer) && c.state !== 'Z');
  assert.notEqual(fresh.pid, victim.pid);
  assert.ok(!childrenOf(p.proc.pid).some((c) => c.state === 'Z'), 'the killed child was reaped');
});

test('list_changed from a server refreshes its tools without a refresh call', async () => {
  const res = await put([fake('grower', '--grow-after-list')]);
  assert.equal(res.status, 200);
  const status = await waitForStatus(p, (s) => server(s, 'grower')?.tools.length === 11, { what: 'the added tool' });
  assert.ok(server(status, 'grower').tools.some((t) => t.name === 'added_10'));
});

test('garbage on stdout is skipped; a server that never answers initialize does not hold up the others', async () => {
  const started = Date.now();
  const res = await put([fake('noisy', '--garbage'), fake('mute', '--never-initialize')]);
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.ok(Date.now() - started < 12000, 'the response came after at most 10 s');
  assert.equal(server(body, 'noisy').state, 'connected');
  assert.equal(server(body, 'noisy').tools.length, 10);
  assert.equal(server(body, 'mute').state, 'connecting');
  // Failed after the 30 s initialization limit (api.md §7.3), which has no setting to shorten it.
  const failed = await waitForStatus(p, (s) => server(s, 'mute').state === 'failed', { timeoutMs: 40000, what: 'mute failed' });
  assert.match(server(failed, 'mute').last_error, /initialize/);
});

test('a built-in server that cannot start is failed with a readable last_error, not a crash', async () => {
  const res = await put([{ id: 'calc', module: 'backend.mcp_servers.calculator_server' }, { id: 'bad', command: ['/nonexistent/mcp-server'] }]);
  assert.equal(res.status, 200);
  const status = await waitForStatus(p, (s) => s.servers.every((x) => x.state === 'failed' || x.state === 'connected'), { what: 'settled' });
  assert.match(server(status, 'bad').last_error, /cannot start \/nonexistent\/mcp-server/);
  const calc = server(status, 'calc');
  if (calc.state === 'failed') assert.ok(calc.last_error.length > 0);
  assert.equal(calc.module, 'backend.mcp_servers.calculator_server');
  const file = JSON.parse(readFileSync(join(p.home, 'data', 'mcp_servers.json'), 'utf8'));
  assert.equal(file.servers[0].module, 'backend.mcp_servers.calculator_server', 'legacy module written back unchanged');
  // parley is still serving.
  assert.equal((await fetch(`${p.url}/health`)).status, 200);
});

test('Streamable HTTP and the legacy SSE fallback against server-everything on 127.0.0.1', async () => {
  const res = await put([
    { id: 'remote', url: `http://127.0.0.1:${httpEverything.port}/mcp`, headers: { 'X-Test': 'yes' } },
    { id: 'legacy', url: `http://127.0.0.1:${sseEverything.port}/sse` },
  ]);
  assert.equal(res.status, 200);
  const status = await waitForStatus(p, (s) => s.servers.every((x) => x.state === 'connected'), { what: 'http connected' });
  assert.equal(server(status, 'remote').transport, 'streamable-http');
  assert.equal(server(status, 'legacy').transport, 'sse');
  assert.ok(server(status, 'remote').tools.some((t) => t.name === 'echo'));
  assert.ok(server(status, 'legacy').tools.some((t) => t.name === 'echo'));
  assert.deepEqual(server(status, 'remote').headers, { 'X-Test': 'yes' });
  const refreshed = await (await fetch(`${p.url}/api/mcp/servers/refresh`, { method: 'POST' })).json();
  assert.equal(server(refreshed, 'remote').state, 'connected');
});

test('after removing every server no child process or zombie is left', async () => {
  const res = await put([]);
  assert.equal(res.status, 200);
  // Stopping is in the background (stdin closed, then signals 2 s apart): wait until every child is reaped.
  await waitFor(() => childrenOf(p.proc.pid).length === 0, 8000);
  const kids = childrenOf(p.proc.pid);
  assert.deepEqual(kids.map((k) => `${k.pid} ${k.state} ${k.cmdline}`), []);
});
