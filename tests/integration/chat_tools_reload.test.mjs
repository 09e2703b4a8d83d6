// A hot reload while a chat's tool call runs (issue 6): changing another server leaves the call alone;
// changing the server of the call ends it as an error result the model can read, and the turn still finishes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startParley } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';
import { everythingEntry, filesystemEntry, waitForStatus } from './mcp_helpers.mjs';

const sandbox = mkdtempSync(join(tmpdir(), 'parley-reload-fs-'));
const servers = [
  { id: 'everything', command: [process.execPath, everythingEntry, 'stdio'] },
  { id: 'files', command: [process.execPath, filesystemEntry, sandbox] },
];
let up, p;
before(async () => {
  up = await startFakeUpstream();
  p = await startParley({
    env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-test-reload-0123456789' },
    // Debug on the terminal: the call's progress notifications show when the server is running it.
    files: { 'data/mcp_servers.json': JSON.stringify({ servers }), 'logging_settings.conf': 'terminal = debug\n' },
  });
  await waitForStatus(p, (s) => JSON.stringify(s).includes('trigger-long-running-operation') && JSON.stringify(s).includes('list_directory'), { what: 'both servers connected' });
});
after(async () => { await p?.stop(); await up?.stop(); rmSync(sandbox, { recursive: true, force: true }); });

// 2 s in four steps: a progress notification every 0.5 s while it runs.
const longCall = { index: 0, id: 'call_long', type: 'function', function: { name: 'trigger-long-running-operation', arguments: '{"duration":2,"steps":4}' } };

async function turnWhile(during) {
  const from = p.output().length;
  const res = fetch(`${p.url}/api/chat/stream`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'run the long operation' }] }) }).then((r) => r.text());
  // The server is running the call once it reports progress on it.
  await p.waitForOutput(/MCP server everything: tool trigger-long-running-operation progress 1/, 10000, from);
  const patch = await during();
  const text = await res;
  const tools = text.split('\n\n').filter((b) => b.startsWith('event: tool')).map((b) => JSON.parse(b.split('\ndata: ')[1]));
  return { tools, text, patch };
}

test('changing another server during a call does not disturb it', async () => {
  await up.script([{ tool_fragments: [longCall] }, { content: ['finished'] }]);
  const { tools, text, patch } = await turnWhile(() => fetch(`${p.url}/api/mcp/servers/files`, {
    method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ env: { RELOADED: '1' } }) }));
  assert.equal(patch.status, 200);
  const done = tools.find((t) => t.call_id === 'call_long' && t.status !== 'started');
  assert.equal(done.status, 'finished', JSON.stringify(done));
  assert.match(done.result, /Long running operation completed/i);
  assert.ok(text.trimEnd().endsWith('data: [DONE]'));
});

test('changing the server of a running call ends that call with an error result, and the turn finishes', async () => {
  await up.script([{ tool_fragments: [longCall] }, { content: ['the tool failed'] }]);
  const { tools, text, patch } = await turnWhile(() => fetch(`${p.url}/api/mcp/servers/everything`, {
    method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ env: { RELOADED: '2' } }) }));
  assert.equal(patch.status, 200);
  const done = tools.find((t) => t.call_id === 'call_long' && t.status !== 'started');
  assert.equal(done.status, 'error');
  assert.match(done.result, /^Tool error: /);
  assert.ok(text.trimEnd().endsWith('data: [DONE]'));
  await waitForStatus(p, (s) => JSON.stringify(s).includes('trigger-long-running-operation'), { what: 'everything back' });
});
