// Streamable HTTP recovery (api.md §7.3) against a server that fails on demand (tests/fakes/mcp/streamable_fake.mjs):
// a response stream that ends before its answer is resumed with GET + Last-Event-ID after the server's `retry:`;
// a 404 on an established session makes parley initialize a new session at once, and the call that met the
// 404 (which the server did not run) is made again on it: the model gets its answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startParley, parleyBin } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';
import { runParley, waitForStatus, server } from './mcp_helpers.mjs';
import { startStreamableFake } from '../fakes/mcp/streamable_fake.mjs';

test('a dropped response stream is resumed with Last-Event-ID and the answer arrives', async () => {
  const fake = await startStreamableFake({ dropStream: true });
  const home = mkdtempSync(join(tmpdir(), 'parley-resume-'));
  writeFileSync(join(home, 'data.json'), '{}');
  try {
    const r = await runParley(parleyBin, ['mcp', 'call', fake.url, 'add', '{"a":2,"b":3}'], { env: { PARLEY_HOME: home }, cwd: home });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).content[0].text, '5');
    const resumed = fake.events.find((e) => e.type === 'get' && e.lastEventId);
    assert.ok(resumed, JSON.stringify(fake.events));
    assert.match(resumed.lastEventId, /^ev-/);
    assert.equal(resumed.session, 'session-1');
  } finally {
    await fake.stop();
    rmSync(home, { recursive: true, force: true });
  }
});

test('a 404 on an established session starts a new session and the call is made again on it', async () => {
  const fake = await startStreamableFake();
  const up = await startFakeUpstream();
  const p = await startParley({
    env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-test-recovery-0123456789' },
    files: { 'data/mcp_servers.json': JSON.stringify({ servers: [{ id: 'remote', url: fake.url }] }) },
  });
  const turn = async (id) => {
    await up.script([{ tool_fragments: [{ index: 0, id, type: 'function', function: { name: 'add', arguments: '{"a":20,"b":22}' } }] },
      { content: ['ok'] }]);
    const res = await fetch(`${p.url}/api/chat/stream`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'add' }] }) });
    const text = await res.text();
    return text.split('\n\n').filter((b) => b.startsWith('event: tool')).map((b) => JSON.parse(b.split('\ndata: ')[1]))
      .find((t) => t.status !== 'started');
  };
  try {
    await waitForStatus(p, (s) => server(s, 'remote').state === 'connected', { what: 'connected' });
    assert.equal((await turn('t1')).result, '42');
    fake.expireSession();
    // The call meets the 404; parley starts a new session and calls again on it, within the same turn.
    const retried = await turn('t2');
    assert.equal(retried.status, 'finished', JSON.stringify(retried));
    assert.equal(retried.result, '42');
    const inits = fake.events.filter((e) => e.method === 'initialize');
    assert.equal(inits.length, 2);
    assert.equal(inits[1].session, undefined, 'a new initialize carries no old session id');
    const calls = fake.events.filter((e) => e.method === 'tools/call');
    assert.deepEqual(calls.slice(-2).map((c) => c.session), ['session-1', 'session-2'],
      'the refused call on the old session, then the same call on the new one');
    assert.equal(calls.length, 3);
    await waitForStatus(p, (s) => server(s, 'remote').state === 'connected', { what: 'connected again' });
    assert.equal((await turn('t3')).result, '42');
    assert.equal(fake.events.filter((e) => e.method === 'tools/call').at(-1).session, 'session-2');
  } finally {
    await p.stop();
    await up.stop();
    await fake.stop();
  }
});
