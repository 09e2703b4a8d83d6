// Turns of one session on two replicas sharing a PostgreSQL database (api.md §3.2 step 1, §2.5, §2.6; issue
// 16 defect 4): a turn on replica B waits until replica A's turn of the same session has stored its rows, and a
// delete on B waits for A's turn too. Turns of other sessions do not wait.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startParley } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';

const baseUrl = process.env.PARLEY_TEST_POSTGRES_URL;
const dbName = `parley_turns_${process.pid}_${Date.now()}`;
let dbUrl, up, a, b;

const psql = (sql) => execFileSync('psql', [dbUrl, '-XAtqc', sql], { encoding: 'utf8' }).trim();
async function within(ms, probe, what) {
  const start = Date.now();
  for (;;) {
    if (await probe()) return;
    if (Date.now() - start > ms) assert.fail(`${what}: not seen within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Starts a turn and resolves with { text, finishedAt } once its stream ends; `firstBytes` resolves when the
// response began (the user row is stored before the first upstream chunk is relayed).
function turn(p, session, text, scenario) {
  let began;
  const firstBytes = new Promise((r) => { began = r; });
  const done = (async () => {
    const res = await fetch(`${p.url}/api/chat/stream`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ session_id: session, model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: text, client_message_id: `user_${text}` }], fake_scenario: scenario }),
    });
    let body = '';
    let lastPieceAt = null;
    for await (const chunk of res.body) {
      body += Buffer.from(chunk).toString('utf8');
      if (/Slow /.test(body) || /Quick/.test(body)) began();
      if (lastPieceAt === null && /"content":"A\."/.test(body)) lastPieceAt = Date.now();
    }
    return { text: body, finishedAt: Date.now(), lastPieceAt };
  })();
  return { firstBytes, done };
}
const slow = { content: ['Slow ', 'answer ', 'from ', 'A.'], delay_ms: 400 };
const quick = { content: ['Quick answer.'] };

before(async () => {
  assert.ok(baseUrl, 'PARLEY_TEST_POSTGRES_URL is set by ./scripts/test (tests/lib/postgres.sh)');
  execFileSync('psql', [baseUrl, '-XAtqc', `CREATE DATABASE ${dbName}`]);
  const u = new URL(baseUrl);
  u.pathname = `/${dbName}`;
  dbUrl = u.toString();
  up = await startFakeUpstream();
  const env = { PARLEY_DATABASE_URL: dbUrl, OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-test-turns-0123456789' };
  a = await startParley({ env, files: { 'data/mcp_servers.json': '{"servers":[]}' } });
  b = await startParley({ env });
});
after(async () => {
  await a?.stop();
  await b?.stop();
  await up?.stop();
  if (baseUrl) execFileSync('psql', [baseUrl, '-XAtqc', `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`]);
});

test('a turn on replica B waits for the running turn of the same session on replica A', async () => {
  const session = 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1';
  const first = turn(a, session, 'first', slow);
  await first.firstBytes;
  const second = turn(b, session, 'second', quick);
  let secondOver = false;
  second.done.then(() => { secondOver = true; });
  // B says it waits (or, without the cross-replica lock, simply runs its turn at once).
  await within(5000, () => secondOver || /waiting for its turn running on another replica/.test(b.output()), 'B waiting');
  // Another session on B is not held up meanwhile.
  const other = await turn(b, 'b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2', 'other', quick).done;
  const [r1, r2] = await Promise.all([first.done, second.done]);
  assert.ok(other.finishedAt < r1.finishedAt, 'the other session finished while A still streamed');
  assert.ok(r2.finishedAt >= r1.finishedAt, 'B finished after A');
  for (const r of [r1, r2]) assert.doesNotMatch(r.text, /event: error/, r.text);
  const rows = psql(`SELECT role || ':' || coalesce(content, '') FROM messages WHERE session_id = '${session}' AND role <> 'system' ORDER BY id`).split('\n');
  assert.deepEqual(rows, ['user:first', 'assistant:Slow answer from A.', 'user:second', 'assistant:Quick answer.']);
});

test('a delete on replica B waits for the turn streaming on replica A, and nothing of it survives', async () => {
  const session = 'c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3';
  const streaming = turn(a, session, 'doomed', slow);
  await streaming.firstBytes;
  const del = await fetch(`${b.url}/api/chat/session/${session}`, { method: 'DELETE' });
  const deletedAt = Date.now();
  assert.equal(del.status, 204);
  const r = await streaming.done;
  assert.ok(r.lastPieceAt !== null && deletedAt >= r.lastPieceAt, 'the delete answered only after the turn streamed its last piece');
  assert.equal(psql(`SELECT count(*) FROM messages WHERE session_id = '${session}'`), '0');
  assert.equal(psql(`SELECT count(*) FROM conversations WHERE session_id = '${session}'`), '0');
});
