// The retention job with PostgreSQL (api.md §5.6): one replica at a time runs it, by an advisory lock that the
// first replica keeps while it lives and PostgreSQL then hands to a replica waiting for it. Replicas share the database of the private PostgreSQL server of
// ./scripts/test; each has its own home (local storage).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startParley } from '../lib/parley.mjs';
import { upload } from './uploads_helpers.mjs';

const baseUrl = process.env.PARLEY_TEST_POSTGRES_URL;
const dbName = `parley_retention_${process.pid}_${Date.now()}`;
let dbUrl;
const psql = (url, sql) => execFileSync('psql', [url, '-XAtqc', sql], { encoding: 'utf8' }).trim();
const started = [];
const replica = async () => { const p = await startParley({ env: { PARLEY_DATABASE_URL: dbUrl } }); started.push(p); return p; };
async function waitFor(probe, ms, what) {
  const end = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > end) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(() => {
  assert.ok(baseUrl, 'PARLEY_TEST_POSTGRES_URL is set by ./scripts/test (tests/lib/postgres.sh)');
  psql(baseUrl, `CREATE DATABASE ${dbName}`);
  const u = new URL(baseUrl);
  u.pathname = `/${dbName}`;
  dbUrl = u.toString();
});
after(async () => {
  for (const p of started) await p.stop();
  if (baseUrl) psql(baseUrl, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
});

test('only the replica holding the advisory lock deletes expired attachments', async () => {
  const a = await replica();
  const res = await upload(a.url, { sessionId: 'e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4e4' });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const id = res.body.attachment.id;
  psql(dbUrl, `UPDATE attachments SET expires_at = '2000-01-01 00:00:00+00' WHERE attachment_id = '${id}'`);
  // A took the lock in its start-up run; B's start-up run must leave the expired row alone.
  const b = await replica();
  await waitFor(() => /another replica holds the retention lock/.test(b.output()), 10000, 'B skipping its run');
  assert.equal(psql(dbUrl, `SELECT count(*) FROM attachments WHERE attachment_id = '${id}'`), '1');
  // When A is gone PostgreSQL hands its lock to B, which was waiting for it and runs the job at once.
  await a.stop();
  started.splice(started.indexOf(a), 1);
  await waitFor(() => /this replica now holds the retention lock/.test(b.output()), 10000, 'B taking the lock over');
  await waitFor(() => psql(dbUrl, `SELECT count(*) FROM attachments WHERE attachment_id = '${id}'`) === '0', 10000, 'B deleting the row');
  // A replica started after that finds the lock taken.
  const c = await replica();
  await waitFor(() => /another replica holds the retention lock/.test(c.output()), 10000, 'C skipping its run');
});
