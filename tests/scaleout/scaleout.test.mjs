// The scale-out rig (issue 16): two parley replicas on one private PostgreSQL, nginx in front with
// deploy/nginx/parley.conf, attachments in s3rver (then in a shared local folder), the fake OpenRouter. Each
// scenario breaks something for real - PostgreSQL restarted and stopped, a replica SIGKILLed mid-stream, the
// database blinking during a settings change - and checks what the client got and what is stored.
// Scenarios run in order and share the deployment; waits are on log lines, HTTP answers and stored rows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync, mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, startS3, startNginx, startFakeUpstream, makeReplica, until, sleep, BUCKET } from './cluster.mjs';

let pg, s3, up, nginx, r1, r2, blobDir;
const replicas = () => [r1, r2];

const json = (method, body) => ({ method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
const get = async (base, path) => (await fetch(`${base}${path}`)).json();
const rows = (session) => {
  const out = pg.psql(`SELECT role || ':' || coalesce(content, '') FROM messages WHERE session_id = '${session}' AND role <> 'system' ORDER BY id`);
  return out === '' ? [] : out.split('\n');
};
let sessionCounter = 0;
const newSession = (tag) => `${tag}${String(++sessionCounter).padStart(4, '0')}`.padEnd(32, '0').slice(0, 32);

const quick = (text) => ({ content: [text] });
const slow = (pieces, delay = 300) => ({ content: pieces, delay_ms: delay });

/**
 * One chat turn against `base`: resolves with what the client got. `onFirstPiece` runs when the first
 * upstream piece reached the client. A connection cut mid-stream resolves with cut: true.
 */
async function chat(base, session, text, scenario, onFirstPiece) {
  const startedAt = Date.now();
  const res = await fetch(`${base}/api/chat/stream`, json('POST', {
    session_id: session, model: 'openai/gpt-4o-mini', fake_scenario: scenario,
    messages: [{ role: 'user', content: text, client_message_id: `user_${session}_${startedAt}` }],
  }));
  let body = '';
  let cut = false;
  let told = false;
  try {
    for await (const chunk of res.body) {
      body += Buffer.from(chunk).toString('utf8');
      if (!told && /"content":"[^"]/.test(body)) { told = true; onFirstPiece?.(); }
    }
  } catch {
    cut = true;
  }
  const content = [...body.matchAll(/"delta":\{[^{}]*?"content":"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`)).join('');
  return { status: res.status, body, cut, done: /data: \[DONE\]/.test(body), error: /event: error/.test(body), content, startedAt, endedAt: Date.now() };
}

before(async () => {
  const started = Date.now();
  [pg, s3, up] = await Promise.all([startPostgres(), startS3(), startFakeUpstream()]);
  const env = {
    PARLEY_DATABASE_URL: pg.url, OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-test-scaleout-0123456789',
    PARLEY_TRUST_PROXY: '1', PARLEY_STORAGE: 's3', S3_ENDPOINT: s3.url, S3_BUCKET: BUCKET, S3_REGION: 'us-east-1',
    // s3rver checks only the key id; a secret of its own keeps redaction away from the key id in URLs.
    S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'parley-rig-s3-secret-key', S3_FORCE_PATH_STYLE: 'true',
  };
  r1 = await makeReplica('r1', env);
  r2 = await makeReplica('r2', env);
  // No MCP servers: the rig is about the database, the storage and the proxy.
  mkdirSync(join(r1.home, 'data'), { recursive: true });
  writeFileSync(join(r1.home, 'data', 'mcp_servers.json'), '{"servers":[]}');
  await r1.start();  // first: it imports the settings files and takes the retention lock
  await r2.start();
  nginx = await startNginx([r1.port, r2.port]);
  console.log(`scale-out rig up in ${Date.now() - started} ms`);
});

after(async () => {
  for (const r of [r1, r2]) {
    if (r?.process) await r.process.stop();
    r?.destroy();
  }
  await nginx?.stop();
  await up?.stop();
  await s3?.close();
  pg?.destroy();
  if (blobDir) rmSync(blobDir, { recursive: true, force: true });
});

test('through nginx: events of a chat stream arrive one by one, both replicas answer, X-Forwarded-* reach parley', async () => {
  const session = newSession('aa');
  let firstAt = null;
  const r = await chat(nginx.url, session, 'hello through nginx', slow(['One ', 'two ', 'three.'], 400), () => { firstAt = Date.now(); });
  assert.equal(r.status, 200);
  assert.ok(r.done && !r.error, r.body);
  assert.equal(r.content, 'One two three.');
  assert.ok(r.endedAt - firstAt >= 700, `the first piece came ${r.endedAt - firstAt} ms before the end: not buffered`);
  assert.deepEqual(rows(session), ['user:hello through nginx', 'assistant:One two three.']);
  // Round robin: successive requests reach both replicas (their request logs show them).
  const before = replicas().map((x) => (x.output().match(/GET \/health 200/g) ?? []).length);
  for (let i = 0; i < 4; i++) assert.equal((await fetch(`${nginx.url}/health`)).status, 200);
  replicas().forEach((x, i) => assert.ok((x.output().match(/GET \/health 200/g) ?? []).length > before[i], `${x.name} got traffic`));
  // The client's address as nginx saw it is the one parley logs.
  assert.match(r1.output() + r2.output(), /POST \/api\/chat\/stream 200 .*client=127\.0\.0\.1/);
});

test('PostgreSQL restarted, then stopped for 10 s, under chat traffic', async () => {
  let res = await fetch(`${r1.url}/api/settings/model`, json('PUT', { model: 'anthropic/claude-3.5-sonnet', parameters: { temperature: 0.4 } }));
  assert.equal(res.status, 200);
  res = await fetch(`${r1.url}/api/settings/system-prompt`, json('PUT', { system_prompt: 'Scale-out rig.' }));
  assert.equal(res.status, 200);
  await until(async () => (await get(r2.url, '/api/settings/system-prompt')).system_prompt === 'Scale-out rig.', 2000, 'settings on r2');

  // Two clients keep chatting through nginx, one turn after the other, until told to stop.
  const turns = [];
  let traffic = true;
  const client = async (name) => {
    while (traffic) {
      const session = newSession(name);
      const r = await chat(nginx.url, session, `turn ${session}`, slow(['Still ', 'here.'], 100));
      turns.push({ session, ...r });
    }
  };
  const clients = [client('ba'), client('bb')];
  await until(() => turns.length >= 4, 20000, 'turns before the restart');

  pg.restart();
  const restartedAt = Date.now();
  // The first requests on each replica after the restart find dead pooled connections: they must not fail.
  for (const r of replicas()) {
    const list = await fetch(`${r.url}/api/chat/conversations`);
    assert.equal(list.status, 200, `${r.name}: first list after the restart: ${await list.text()}`);
    const session = newSession('bc');
    const turn = await chat(r.url, session, 'first turn after the restart', quick('Back.'));
    assert.ok(turn.done && !turn.error, `${r.name}: first turn after the restart: ${turn.body}`);
    assert.deepEqual(rows(session), ['user:first turn after the restart', 'assistant:Back.']);
  }

  pg.stop();
  const stoppedAt = Date.now();
  // While the database is down: /health says so within its 2 s, settings are still the last good copy.
  for (const r of replicas()) {
    const h = await fetch(`${r.url}/health`);
    const body = await h.json();
    assert.equal(h.status, 503, JSON.stringify(body));
    assert.equal(body.status, 'error');
    assert.ok(body.warnings.length > 0);
    assert.equal((await get(r.url, '/api/settings/model')).model, 'anthropic/claude-3.5-sonnet');
  }
  // The outage's length is the scenario (issue 16: stopped for 10 s under traffic), not a wait for an event.
  await sleep(10000 - (Date.now() - stoppedAt));
  pg.start();
  const backAt = Date.now();
  for (const r of replicas()) {
    await until(async () => (await fetch(`${r.url}/health`)).status === 200, 10000, `${r.name} healthy again`);
    // Warnings about the database or unreadable settings go once things work again.
    await until(async () => (await get(r.url, '/health')).warnings.length === 0, 10000, `${r.name} warnings cleared`);
  }
  const countBack = turns.length;
  await until(() => turns.filter((t) => t.startedAt > backAt).length >= 4 && turns.length >= countBack + 4, 30000, 'turns after the outage');
  traffic = false;
  await Promise.all(clients);

  console.log(`scale-out traffic: ${turns.length} turns: ${turns.filter((t) => !t.error).length} completed, ${turns.filter((t) => t.error).length} failed; restart at +${restartedAt - turns[0].startedAt} ms, outage ${backAt - stoppedAt} ms`);
  for (const t of turns) {
    // Every client got a whole stream: a turn either completed or failed in-stream (§3.7), none hung or was cut.
    assert.equal(t.status, 200);
    assert.ok(t.done && !t.cut, `${t.session}: ${t.body}`);
    if (!t.error) {
      assert.equal(t.content, 'Still here.');
      assert.deepEqual(rows(t.session), [`user:turn ${t.session}`, 'assistant:Still here.'], `${t.session} stored once, whole`);
    } else {
      assert.ok(rows(t.session).length <= 2, `${t.session}: nothing stored twice`);
    }
    if (t.startedAt > backAt) assert.ok(!t.error, `${t.session} started after the outage and failed: ${t.body}`);
  }
  // The settings came through both faults on both replicas and in the row, and chats used them.
  for (const r of replicas()) {
    const model = await get(r.url, '/api/settings/model');
    assert.equal(model.model, 'anthropic/claude-3.5-sonnet');
    assert.equal(model.parameters.temperature, 0.4);
    assert.equal((await get(r.url, '/api/settings/system-prompt')).system_prompt, 'Scale-out rig.');
  }
  assert.equal(pg.psql("SELECT document->>'model' FROM settings WHERE name = 'model_settings'"), 'anthropic/claude-3.5-sonnet');
  const last = turns.at(-1).session;
  assert.match(pg.psql(`SELECT content FROM messages WHERE session_id = '${last}' AND role = 'system'`), /Scale-out rig\.$/);
});

test('a replica killed with SIGKILL mid-stream: the other takes the session at once, nginx routes around it, it comes back', async () => {
  const session = newSession('ca');
  let piece;
  const gotPiece = new Promise((r) => { piece = r; });
  const streaming = chat(r1.url, session, 'to be killed', slow(['Never ', 'finished ', 'answer.'], 1000), piece);
  await gotPiece;
  await r1.kill('SIGKILL');
  const killed = await streaming;
  assert.ok(killed.cut || !killed.done, 'the client saw the stream end without [DONE]');
  assert.ok(!killed.done);

  // The dead replica's turn lock went with its connection: the next turn of the session runs at once.
  const next = await chat(r2.url, session, 'after the kill', quick('Answered by r2.'));
  assert.ok(next.done && !next.error, next.body);
  assert.ok(next.endedAt - next.startedAt < 5000, `took ${next.endedAt - next.startedAt} ms`);
  assert.deepEqual(rows(session), ['user:to be killed', 'user:after the kill', 'assistant:Answered by r2.']);

  // Through nginx everything keeps working while r1 is down: a refused connection is passed to r2.
  for (let i = 0; i < 4; i++) assert.equal((await fetch(`${nginx.url}/health`)).status, 200);
  const viaNginx = newSession('cb');
  const r = await chat(nginx.url, viaNginx, 'r1 is down', quick('Fine.'));
  assert.ok(r.done && !r.error, r.body);
  assert.deepEqual(rows(viaNginx), ['user:r1 is down', 'assistant:Fine.']);

  await r1.start();
  const history = await get(r1.url, `/api/chat/session/${session}/messages`);
  assert.deepEqual(history.messages.filter((m) => m.role !== 'system').map((m) => m.content), ['to be killed', 'after the kill', 'Answered by r2.']);
  await until(async () => (await fetch(`${nginx.url}/health`)).status === 200, 5000, 'nginx');
});

test('a settings change on one replica is seen on the other, and nothing is lost when the database blinks during it', async () => {
  let res = await fetch(`${r2.url}/api/settings/model`, json('PUT', { model: 'openai/gpt-4o-mini', parameters: { temperature: 0.9 } }));
  assert.equal(res.status, 200);
  await until(async () => (await get(r1.url, '/api/settings/model')).model === 'openai/gpt-4o-mini', 2000, 'model on r1 within 2 s');

  res = await fetch(`${r1.url}/api/settings/system-prompt`, json('PUT', { system_prompt: 'Changed before the blink.' }));
  assert.equal(res.status, 200);
  pg.restart();  // the notification may or may not have reached r2's listener
  for (const r of replicas()) {
    await until(async () => (await get(r.url, '/api/settings/system-prompt')).system_prompt === 'Changed before the blink.', 10000, `prompt on ${r.name}`);
    const model = await get(r.url, '/api/settings/model');
    assert.equal(model.model, 'openai/gpt-4o-mini', `${r.name} kept the model`);
    assert.equal(model.parameters.temperature, 0.9);
    await until(async () => (await get(r.url, '/health')).warnings.length === 0, 10000, `${r.name} warnings cleared`);
  }
  // The next save of one field keeps the others in the row.
  res = await fetch(`${r2.url}/api/settings/system-prompt`, json('PUT', { system_prompt: 'After the blink.' }));
  assert.equal(res.status, 200);
  assert.equal(pg.psql("SELECT document->>'model' || ' ' || (document->'parameters'->>'temperature') || ' ' || (document->>'system_prompt') FROM settings WHERE name = 'model_settings'"), 'openai/gpt-4o-mini 0.9 After the blink.');
  await until(async () => (await get(r1.url, '/api/settings/system-prompt')).system_prompt === 'After the blink.', 2000, 'r1 after the blink');
});

test('a conversation deleted on one replica while the other streams into it: the delete waits, nothing survives', async () => {
  const session = newSession('da');
  const { upload } = await import('../integration/uploads_helpers.mjs');
  const u = await upload(r1.url, { sessionId: session });
  assert.equal(u.status, 201, JSON.stringify(u.body));
  const key = `${session}/${u.body.attachment.id}__cat.png`;
  assert.ok(await s3.object(key), 'the upload is in the bucket');

  let lastPieceAt = null;
  let piece;
  const gotPiece = new Promise((r) => { piece = r; });
  const streaming = chat(r1.url, session, 'streaming while deleted', slow(['Long ', 'answer ', 'being ', 'deleted.'], 400), piece);
  await gotPiece;
  const del = await fetch(`${r2.url}/api/chat/session/${session}`, { method: 'DELETE' });
  const deletedAt = Date.now();
  assert.equal(del.status, 204);
  const r = await streaming;
  lastPieceAt = r.endedAt;
  assert.ok(r.done && !r.error, 'the streaming client got its whole answer');
  assert.equal(r.content, 'Long answer being deleted.');
  assert.ok(deletedAt >= lastPieceAt - 400, `the delete answered ${lastPieceAt - deletedAt} ms before the stream's end`);
  assert.deepEqual(rows(session), []);
  for (const table of ['conversations', 'attachments']) {
    assert.equal(pg.psql(`SELECT count(*) FROM ${table} WHERE session_id = '${session}'`), '0', table);
  }
  assert.equal(pg.psql(`SELECT count(*) FROM blob_tombstones WHERE storage_key = '${key}'`), '0');
  assert.equal(await s3.object(key), null, 'the object is gone from the bucket');
  const signed = await fetch(u.body.attachment.displayUrl);
  const answer = await signed.text();
  assert.equal(signed.status, 404, `its presigned URL stops working: ${answer}`);
  assert.match(answer, /NoSuchKey/);
});

test('local attachments: an upload through one replica is served through the other with either replica\'s signed URL', async () => {
  // Both replicas move to local storage on a shared folder; neither has PARLEY_SIGNING_KEY, so the key comes
  // from the settings row both share.
  blobDir = mkdtempSync(join(tmpdir(), 'parley-scaleout-blobs-'));
  for (const r of replicas()) await r.kill('SIGTERM');
  for (const r of replicas()) await r.start({ PARLEY_STORAGE: 'local', PARLEY_BLOB_DIR: blobDir });
  const session = newSession('ea');
  const { upload, samples } = await import('../integration/uploads_helpers.mjs');
  const u = await upload(r1.url, { sessionId: session });
  assert.equal(u.status, 201, JSON.stringify(u.body));
  const url = new URL(u.body.attachment.displayUrl);
  assert.equal(url.origin, r1.url, 'signed by r1 for its own address');
  const viaR2 = await fetch(`${r2.url}${url.pathname}${url.search}`);
  assert.equal(viaR2.status, 200, 'r1\'s signature is valid on r2');
  assert.deepEqual(Buffer.from(await viaR2.arrayBuffer()), samples['image/png']);
  // Uploaded through nginx the URL is on nginx's address (X-Forwarded-Host/Proto), valid whichever replica serves it.
  const v = await upload(nginx.url, { sessionId: session });
  assert.equal(v.status, 201);
  assert.ok(v.body.attachment.displayUrl.startsWith(`${nginx.url}/api/files/`), v.body.attachment.displayUrl);
  for (let i = 0; i < 4; i++) {
    const f = await fetch(v.body.attachment.displayUrl);
    assert.equal(f.status, 200);
    await f.arrayBuffer();
  }
  assert.equal(pg.psql("SELECT count(*) FROM settings WHERE name = 'signing_key'"), '1');
  for (const r of replicas()) assert.equal(existsSync(join(r.home, 'data', 'signing.key')), false, `${r.name} keeps no key file of its own`);
});

test('the retention job\'s lock is handed over when its replica dies', async () => {
  // r1 was started first, so it holds the lock; r2 waits for it.
  await until(() => /another replica holds the retention lock/.test(r2.process.output()), 10000, 'r2 waiting for the lock');
  const session = newSession('fa');
  const { upload } = await import('../integration/uploads_helpers.mjs');
  const u = await upload(r2.url, { sessionId: session });
  assert.equal(u.status, 201);
  const id = u.body.attachment.id;
  const key = decodeURIComponent(new URL(u.body.attachment.displayUrl).pathname.slice('/api/files/'.length));
  assert.ok(existsSync(join(blobDir, key)));
  pg.psql(`UPDATE attachments SET expires_at = now() - interval '1 day' WHERE attachment_id = '${id}'`);

  await r1.kill('SIGKILL');
  await until(() => /this replica now holds the retention lock/.test(r2.process.output()), 10000, 'r2 taking the lock over');
  await until(() => pg.psql(`SELECT count(*) FROM attachments WHERE attachment_id = '${id}'`) === '0', 10000, 'expired row deleted by r2');
  assert.equal(existsSync(join(blobDir, key)), false, 'and its object');
  await until(() => /Retention: deleted 1 expired attachments/.test(r2.process.output()), 10000, 'r2 reporting its run');

  await r1.start({ PARLEY_STORAGE: 'local', PARLEY_BLOB_DIR: blobDir });
  await until(() => /another replica holds the retention lock/.test(r1.process.output()), 10000, 'r1 back, waiting its turn');
});
