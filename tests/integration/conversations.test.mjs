// The conversation routes against the real binary (api.md §2.5, §2.6, §8.1–§8.4). No route writes
// messages yet, so each test starts parley on a database built from the earlier server's schema
// (tests/fixtures/legacy_chat_sessions.sql, loaded with the sqlite3 command), which parley migrates in place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startParley, repoRoot, parleyBin } from '../lib/parley.mjs';

const fixture = readFileSync(join(repoRoot, 'tests', 'fixtures', 'legacy_chat_sessions.sql'), 'utf8');
const FR = 'session_0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const ZEBRA = 'session_ffffffffffffffffffffffffffffffff';

function legacyHome(extraSql = '') {
  const home = mkdtempSync(join(tmpdir(), 'parley-conv-'));
  mkdirSync(join(home, 'data'));
  execFileSync('sqlite3', [join(home, 'data', 'chat_sessions.db')], { input: fixture + extraSql });
  return home;
}

async function withParley(fn, { extraSql = '', env = {} } = {}) {
  const home = legacyHome(extraSql);
  const p = await startParley({ home, env: { PARLEY_TIMEZONE: 'America/New_York', ...env } });
  try {
    await fn(p, home);
  } finally {
    await p.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

const get = (p, path) => fetch(p.url + path);

test('lists conversations of the migrated database newest first with the §8.1 fields', async () => {
  await withParley(async (p) => {
    const res = await get(p, '/api/chat/conversations');
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.total, 2); // the system-only conversation is not listed
    assert.equal(body.limit, 50);
    assert.equal(body.offset, 0);
    assert.deepEqual(body.conversations.map((c) => c.session_id), [ZEBRA, FR]);
    assert.deepEqual(body.conversations[1], {
      session_id: FR,
      title: 'Où est le café Müller? Crème brûlée recipe',
      created_at: '2024-05-01T10:00:00Z',
      updated_at: '2024-05-01T10:00:06Z',
      message_count: 3,
      last_model: 'openai/gpt-4o-mini',
      snippet: null,
    });
    const page = await (await get(p, '/api/chat/conversations?limit=1&offset=1')).json();
    assert.equal(page.total, 2);
    assert.deepEqual(page.conversations.map((c) => c.session_id), [FR]);
  });
});

test('search: word prefixes, diacritics ignored, snippets, and query syntax is inert', async () => {
  await withParley(async (p) => {
    const search = async (q) => {
      const res = await get(p, '/api/chat/conversations?q=' + encodeURIComponent(q));
      assert.equal(res.status, 200, `q=${q}`);
      return res.json();
    };
    const creme = await search('CREME brul');
    assert.deepEqual(creme.conversations.map((c) => c.session_id), [FR]);
    assert.match(creme.conversations[0].snippet, /Crème brûlée/);
    assert.deepEqual((await search('zebr')).conversations.map((c) => c.session_id), [ZEBRA]);
    assert.equal((await search('ebra')).total, 0);
    for (const q of ['"', '*', 'NEAR(', "'; DROP TABLE messages; --", '-', '^', ':', 'a OR b', '(x', 'col:val', '%', '\\']) {
      const body = await search(q);
      assert.equal(typeof body.total, 'number', q);
    }
    assert.equal((await search("'; DROP TABLE messages; --")).total, 0);
    assert.equal((await search('cafe')).total, 1); // nothing was dropped
    const tooLong = await get(p, '/api/chat/conversations?q=' + 'x'.repeat(501));
    assert.equal(tooLong.status, 422);
    const badUtf8 = await get(p, '/api/chat/conversations?q=%FF%FE');
    assert.equal(badUtf8.status, 422);
    for (const bad of ['limit=0', 'limit=201', 'limit=abc', 'offset=-1', 'q=']) {
      const res = await get(p, '/api/chat/conversations?' + bad);
      assert.equal(res.status, 422, bad);
      const body = await res.json();
      assert.equal(body.detail[0].loc[0], 'query');
    }
  });
});

test('history returns every stored message object key, display-zone and UTC timestamps', async () => {
  await withParley(async (p) => {
    const res = await get(p, `/api/chat/session/${FR}/messages`);
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.session_id, FR);
    assert.equal(body.created_at, '2024-05-01T10:00:00Z');
    const [system, user, assistant, tool] = body.messages;
    assert.deepEqual(Object.keys(user).sort(), ['client_message_id', 'content', 'created_at', 'created_at_utc',
      'message_id', 'name', 'parent_client_message_id', 'role']);
    assert.equal(system.role, 'system');
    assert.equal(user.name, 'Zoë');
    assert.equal(user.created_at, '2024-05-01T06:00:01-04:00');
    assert.equal(user.created_at_utc, '2024-05-01T10:00:01Z');
    for (const k of ['finish_reason', 'model', 'usage', 'routing', 'meta', 'generation_id', 'reasoning', 'tool_calls', 'error']) {
      assert.ok(k in assistant, k);
    }
    assert.equal(assistant.model, 'openai/gpt-4o-mini');
    assert.equal(assistant.meta, null);
    assert.deepEqual(
      { tool_call_id: tool.tool_call_id, call_id: tool.call_id, name: tool.name, status: tool.status, result: tool.result },
      { tool_call_id: 'call_1', call_id: 'call_1', name: 'weather__lookup', status: 'finished', result: 'Paris weather: 18°C' });
    const structured = await (await get(p, `/api/chat/session/${ZEBRA}/messages?limit=1`)).json();
    assert.equal(structured.messages.length, 1);
    assert.equal(structured.messages[0].content[0].text, 'Describe this zebra photo');
    assert.ok(!('__structured_content__' in structured.messages[0]));
    const after = await (await get(p, `/api/chat/session/${FR}/messages?after_id=${user.message_id}`)).json();
    assert.deepEqual(after.messages.map((m) => m.role), ['assistant', 'tool']);
    const missing = await get(p, '/api/chat/session/nope/messages');
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { detail: 'Session not found' });
    assert.equal((await get(p, `/api/chat/session/${FR}/messages?limit=10001`)).status, 422);
  });
});

test('rename: trims, validates, removes, and 404s unknown sessions', async () => {
  await withParley(async (p) => {
    const patch = (id, body, raw) => fetch(`${p.url}/api/chat/session/${id}`, {
      method: 'PATCH', headers: { 'content-type': 'application/json' }, body: raw ?? JSON.stringify(body),
    });
    const renamed = await patch(FR, { title: '  Paris trip  ' });
    assert.equal(renamed.status, 200);
    const summary = await renamed.json();
    assert.equal(summary.title, 'Paris trip');
    assert.equal(summary.snippet, null);
    assert.notEqual(summary.updated_at, '2024-05-01T10:00:06Z');
    const list = await (await get(p, '/api/chat/conversations')).json();
    assert.equal(list.conversations[0].session_id, FR); // updated_at moved it to the top
    assert.equal((await (await get(p, '/api/chat/conversations?q=aris%20tr')).json()).total, 1); // title substring
    assert.equal((await patch(FR, { title: 'x'.repeat(201) })).status, 422);
    assert.equal((await patch(FR, { title: 'a\u0007b' })).status, 422);
    assert.equal((await patch(FR, { title: 'ok', extra: 1 })).status, 422);
    assert.equal((await patch(FR, { title: 5 })).status, 422);
    assert.equal((await patch(FR, null, '{"title":"\xff')).status, 422);
    const invalidUtf8 = await fetch(`${p.url}/api/chat/session/${FR}`, {
      method: 'PATCH', headers: { 'content-type': 'application/json' },
      body: Buffer.from([0x7b, 0x22, 0x74, 0x69, 0x74, 0x6c, 0x65, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]),
    });
    assert.equal(invalidUtf8.status, 422);
    const cleared = await (await patch(FR, { title: '   ' })).json();
    assert.equal(cleared.title, 'Où est le café Müller? Crème brûlée recipe');
    assert.equal((await patch('nope', { title: 'x' })).status, 404);
  });
});

test('export as JSON and Markdown', async () => {
  await withParley(async (p) => {
    const json = await get(p, `/api/chat/session/${FR}/export`);
    assert.equal(json.status, 200);
    assert.match(json.headers.get('content-type'), /^application\/json/);
    assert.equal(json.headers.get('content-disposition'), `attachment; filename="parley-${FR}.json"`);
    const doc = await json.json();
    assert.deepEqual(Object.keys(doc), ['session_id', 'title', 'created_at', 'updated_at', 'exported_at', 'messages']);
    assert.equal(doc.messages.length, 4);
    assert.match(doc.exported_at, /Z$/);
    const md = await get(p, `/api/chat/session/${FR}/export?format=markdown`);
    assert.equal(md.headers.get('content-type'), 'text/markdown; charset=utf-8');
    assert.equal(md.headers.get('content-disposition'), `attachment; filename="parley-${FR}.md"`);
    const text = await md.text();
    assert.ok(text.startsWith('# Où est le café Müller? Crème brûlée recipe\n'));
    assert.match(text, /## User\n/);
    assert.match(text, /## Assistant \(openai\/gpt-4o-mini\)\n/);
    assert.match(text, /## Tool: weather__lookup \(finished\)\n/);
    const zebra = await (await get(p, `/api/chat/session/${ZEBRA}/export?format=markdown`)).text();
    assert.match(zebra, /!\[image\]\(https:\/\/storage\.googleapis\.com\/b\/k\.png\)/);
    assert.equal((await get(p, `/api/chat/session/${FR}/export?format=pdf`)).status, 422);
    assert.equal((await get(p, '/api/chat/session/nope/export')).status, 404);
  });
});

test('message delete cascades through parent ids; 404 when nothing matched', async () => {
  const turn = `
    INSERT INTO messages (session_id, role, content, metadata, client_message_id, parent_client_message_id)
      VALUES ('${FR}', 'user', 'second question', NULL, 'user_2', NULL),
             ('${FR}', 'assistant', 'calling a tool', '{"model":"m"}', 'assistant_2', 'user_2'),
             ('${FR}', 'tool', 'tool says hi', '{"tool_name":"t"}', NULL, 'assistant_2'),
             ('${FR}', 'assistant', 'final', '{"model":"m"}', 'assistant_2', 'user_2');`;
  // The columns exist only after migration: add them the way parley would, then insert the turn.
  const extraSql = `ALTER TABLE messages ADD COLUMN client_message_id TEXT;
    ALTER TABLE messages ADD COLUMN parent_client_message_id TEXT;` + turn;
  await withParley(async (p) => {
    const del = (ref, id = FR) => fetch(`${p.url}/api/chat/session/${id}/messages/${encodeURIComponent(ref)}`, { method: 'DELETE' });
    const before = (await (await get(p, `/api/chat/session/${FR}/messages`)).json()).messages;
    assert.equal(before.length, 8);
    const finalRow = before.at(-1);
    // Deleting the last assistant row by id takes the tool row of its client id with it, not the other hop.
    const r1 = await del(String(finalRow.message_id));
    assert.equal(r1.status, 204);
    assert.equal(await r1.text(), '');
    let rows = (await (await get(p, `/api/chat/session/${FR}/messages`)).json()).messages;
    assert.deepEqual(rows.slice(4).map((m) => m.content), ['second question', 'calling a tool']);
    assert.equal((await del('user_2')).status, 204);
    rows = (await (await get(p, `/api/chat/session/${FR}/messages`)).json()).messages;
    assert.equal(rows.length, 4);
    const missing = await del('user_2');
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { detail: 'Message not found' });
    assert.equal((await del('user_2', 'no-such-session')).status, 404);
  }, { extraSql });
});

test('session delete is always 204 and removes the conversation from list and search', async () => {
  await withParley(async (p, home) => {
    const res = await fetch(`${p.url}/api/chat/session/${ZEBRA}`, { method: 'DELETE' });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('content-type'), null);
    assert.equal((await fetch(`${p.url}/api/chat/session/never-existed`, { method: 'DELETE' })).status, 204);
    assert.equal((await get(p, `/api/chat/session/${ZEBRA}/messages`)).status, 404);
    assert.equal((await (await get(p, '/api/chat/conversations?q=zebra')).json()).total, 0);
    const db = join(home, 'data', 'chat_sessions.db');
    const tombstones = execFileSync('sqlite3', [db, 'SELECT storage_backend, storage_key FROM blob_tombstones'], { encoding: 'utf8' });
    assert.equal(tombstones.trim(), `gcs|${ZEBRA}/0123456789abcdef0123456789abcdef__zebra.png`);
    assert.equal(execFileSync('sqlite3', [db, 'PRAGMA integrity_check'], { encoding: 'utf8' }).trim(), 'ok');
  });
});

test('parley migrate and parley backup', async () => {
  const home = legacyHome();
  try {
    const env = { ...process.env, PARLEY_HOME: home };
    const migrated = execFileSync(parleyBin, ['migrate'], { env, encoding: 'utf8' });
    assert.match(migrated, /Applied 7 migration/); // every migration of store/migrations_sqlite.cpp
    assert.match(execFileSync(parleyBin, ['migrate'], { env, encoding: 'utf8' }), /Applied 0 migration/);
    const copy = join(home, 'backup.db');
    execFileSync(parleyBin, ['backup', copy], { env, encoding: 'utf8' });
    assert.ok(existsSync(copy));
    assert.equal(execFileSync('sqlite3', [copy, 'SELECT count(*) FROM messages'], { encoding: 'utf8' }).trim(), '7');
    assert.throws(() => execFileSync(parleyBin, ['backup', copy], { env, stdio: 'pipe' })); // refuses to overwrite
    assert.throws(() => execFileSync(parleyBin, ['backup', copy + '2'], {
      env: { ...env, PARLEY_DATABASE_URL: 'postgresql://u@127.0.0.1:1/x' }, stdio: 'pipe',
    }), /pg_dump/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('an unreachable database is a clear start-up error', async () => {
  const p = await startParley({ env: { PARLEY_DATABASE_URL: 'postgresql://u@127.0.0.1:1/none' }, expectExit: true });
  assert.notEqual(p.code, 0);
  assert.match(p.output(), /Cannot open the PostgreSQL database postgresql:\/\/u@127\.0\.0\.1:1\/none/);
});
