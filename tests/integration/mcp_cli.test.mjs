// `parley mcp tools|call` against real servers: every content type of tools/call, errors as isError, a server
// that dies mid-call, and the three transports.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parleyBin } from '../lib/parley.mjs';
import { fakeServer, everythingEntry, filesystemEntry, runParley, startEverythingHttp } from './mcp_helpers.mjs';

const node = process.execPath;
const home = mkdtempSync(join(tmpdir(), 'parley-mcp-cli-'));
const sandbox = join(home, 'sandbox');
mkdirSync(sandbox);
writeFileSync(join(sandbox, 'note.txt'), 'a note for the filesystem server\n');
const env = { PARLEY_HOME: home };
let httpEverything;
let sseEverything;

const call = (tool, args, ...server) =>
  runParley(parleyBin, ['mcp', 'call', tool, JSON.stringify(args), '--', ...server], { env, cwd: home });

before(async () => {
  httpEverything = await startEverythingHttp('streamableHttp');
  sseEverything = await startEverythingHttp('sse');
  writeFileSync(join(home, 'data.json'), '{}');
  mkdirSync(join(home, 'data'), { recursive: true });
  writeFileSync(join(home, 'data', 'mcp_servers.json'), JSON.stringify({
    servers: [{ id: 'fake', command: [node, fakeServer, '--page-size', '2'] }],
  }));
});

after(async () => {
  await httpEverything?.stop();
  await sseEverything?.stop();
  rmSync(home, { recursive: true, force: true });
});

test('mcp tools by configured id reads every page', async () => {
  const r = await runParley(parleyBin, ['mcp', 'tools', 'fake'], { env, cwd: home });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.tools.length, 10);
  assert.equal(out.transport, 'stdio');
  assert.equal(out.protocol_version, '2025-11-25');
});

test('text, image, resource_link, embedded resource and structuredContent from server-everything', async () => {
  const ev = [node, everythingEntry, 'stdio'];
  let r = await call('echo', { message: 'hi' }, ...ev);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).content[0].type, 'text');
  assert.match(JSON.parse(r.stdout).content[0].text, /hi/);
  r = await call('get-tiny-image', {}, ...ev);
  assert.ok(JSON.parse(r.stdout).content.some((c) => c.type === 'image' && c.mimeType === 'image/png' && c.data.length > 10));
  r = await call('get-resource-links', { count: 2 }, ...ev);
  assert.ok(JSON.parse(r.stdout).content.some((c) => c.type === 'resource_link' && c.uri));
  r = await call('get-resource-reference', { resourceType: 'Text', resourceId: 1 }, ...ev);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.ok(JSON.parse(r.stdout).content.some((c) => c.type === 'resource' && c.resource.uri));
  r = await call('get-structured-content', { location: 'New York' }, ...ev);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.equal(typeof JSON.parse(r.stdout).structuredContent.temperature, 'number');
});

test('audio content and isError results (exit code 1) from the fake', async () => {
  let r = await call('audio', {}, node, fakeServer);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).content[0].type, 'audio');
  r = await call('fail', {}, node, fakeServer);
  assert.equal(r.code, 1);
  assert.equal(JSON.parse(r.stdout).isError, true);
});

test('a server that dies in the middle of a call is an error, not a hang', async () => {
  const started = Date.now();
  const r = await call('die', {}, node, fakeServer);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /exited with status 3|connection to the server was lost/);
  assert.ok(Date.now() - started < 10000);
});

// The limit itself is tested, and it has no setting to shorten it (api.md §7.3: 30 s).
test('a server that never answers initialize fails after the 30 s initialization limit', async () => {
  const r = await runParley(parleyBin, ['mcp', 'tools', '--', node, fakeServer, '--never-initialize'], { env, cwd: home, timeoutMs: 45000 });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /initialize failed: initialize timed out after 30 s/);
});

test('server-filesystem over stdio reads a file', async () => {
  const r = await call('read_text_file', { path: join(sandbox, 'note.txt') }, node, filesystemEntry, sandbox);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(JSON.parse(r.stdout).content[0].text, /a note for the filesystem server/);
});

test('Streamable HTTP and legacy SSE by URL', async () => {
  let r = await runParley(parleyBin, ['mcp', 'call', `http://127.0.0.1:${httpEverything.port}/mcp`, 'get-sum', '{"a":2,"b":3}'], { env, cwd: home });
  assert.equal(r.code, 0, r.stderr);
  assert.match(JSON.parse(r.stdout).content[0].text, /5/);
  r = await runParley(parleyBin, ['mcp', 'tools', `http://127.0.0.1:${sseEverything.port}/sse`], { env, cwd: home });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).transport, 'sse');
});

test('bad usage is exit code 2 with a message', async () => {
  const r = await runParley(parleyBin, ['mcp', 'call', 'fake', 'echo', 'not json'], { env, cwd: home });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /must be a JSON object/);
});
