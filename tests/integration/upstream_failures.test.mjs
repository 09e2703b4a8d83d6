// Proxy routes when the upstream is missing, down or unconfigured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startParley } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';

async function closedPort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise((r) => s.close(r));
  return port;
}

test('an unreachable upstream gives 502 with a readable reason; no key gives 503 on generation', async () => {
  const port = await closedPort();
  const p = await startParley({ env: { OPENROUTER_BASE_URL: `http://127.0.0.1:${port}/api/v1` } });
  try {
    let res = await fetch(`${p.url}/api/models`);
    assert.equal(res.status, 502);
    assert.match((await res.json()).detail, /connection refused/);
    res = await fetch(`${p.url}/api/chat/generation/gen-1`);
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { detail: 'OPENROUTER_API_KEY is not configured' });
  } finally { await p.stop(); }
});

test('an upstream error status is mirrored with its error member as detail, and not cached', async () => {
  const up = await startFakeUpstream();
  const p = await startParley({ env: { OPENROUTER_BASE_URL: up.baseUrl } });
  try {
    await up.script([{ models_status: 503 }]);
    let res = await fetch(`${p.url}/api/models`);
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { detail: { message: 'models down' } });
    res = await fetch(`${p.url}/api/models`);
    assert.equal(res.status, 200, 'the failure was not cached');
    assert.equal(up.requests && (await up.requests()).filter((r) => r.path === '/models').length, 2);
  } finally { await p.stop(); await up.stop(); }
});
