// The signing key with PostgreSQL (api.md §4.5, §5.5; issue 16 defect 3): one key for every replica, in the
// settings row `signing_key`, created once from the data/signing.key of the replica that starts first, so a
// file URL signed by one replica is valid on the other. Replicas share the attachment folder, as they must
// with local storage.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startParley } from '../lib/parley.mjs';
import { upload, samples } from './uploads_helpers.mjs';

const baseUrl = process.env.PARLEY_TEST_POSTGRES_URL;
const dbName = `parley_signing_${process.pid}_${Date.now()}`;
const fileKey = randomBytes(32).toString('hex');
let dbUrl, blobs, a, b;
const psql = (sql) => execFileSync('psql', [dbUrl, '-XAtqc', sql], { encoding: 'utf8' }).trim();

before(async () => {
  assert.ok(baseUrl, 'PARLEY_TEST_POSTGRES_URL is set by ./scripts/test (tests/lib/postgres.sh)');
  execFileSync('psql', [baseUrl, '-XAtqc', `CREATE DATABASE ${dbName}`]);
  const u = new URL(baseUrl);
  u.pathname = `/${dbName}`;
  dbUrl = u.toString();
  blobs = mkdtempSync(join(tmpdir(), 'parley-shared-blobs-'));
  const env = { PARLEY_DATABASE_URL: dbUrl, PARLEY_BLOB_DIR: blobs };
  // A grew from a single-machine install and brings its key file; B is a fresh machine.
  a = await startParley({ env, files: { 'data/signing.key': `${fileKey}\n`, 'data/mcp_servers.json': '{"servers":[]}' } });
  b = await startParley({ env });
});
after(async () => {
  await a?.stop();
  await b?.stop();
  if (blobs) rmSync(blobs, { recursive: true, force: true });
  if (baseUrl) execFileSync('psql', [baseUrl, '-XAtqc', `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`]);
});

test('a URL signed by one replica is valid on the other; the key is the imported file\'s, stored once', async () => {
  const r = await upload(a.url, { sessionId: 'signed_on_a' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const url = new URL(r.body.attachment.displayUrl);
  const key = decodeURIComponent(url.pathname.slice('/api/files/'.length));
  const exp = url.searchParams.get('exp');
  assert.equal(url.searchParams.get('sig'), createHmac('sha256', Buffer.from(fileKey, 'hex')).update(`GET\n${key}\n${exp}`).digest('hex'),
    'signed with the key of data/signing.key');
  const onB = await fetch(`${b.url}${url.pathname}${url.search}`);
  assert.equal(onB.status, 200, 'A\'s signature is valid on B');
  assert.deepEqual(Buffer.from(await onB.arrayBuffer()), samples['image/png']);
  const other = await upload(b.url, { sessionId: 'signed_on_b' });
  const onA = new URL(other.body.attachment.displayUrl);
  const res = await fetch(`${a.url}${onA.pathname}${onA.search}`);
  assert.equal(res.status, 200, 'B\'s signature is valid on A');
  await res.arrayBuffer();

  assert.equal(psql("SELECT document->>'key' FROM settings WHERE name = 'signing_key'"), fileKey);
  assert.equal(psql("SELECT version FROM settings WHERE name = 'signing_key'"), '1');
  assert.equal(existsSync(join(b.home, 'data', 'signing.key')), false, 'B made no key of its own');
  assert.doesNotMatch(a.output() + b.output(), new RegExp(fileKey), 'the key is never logged');
});
