// Uploads with the gcs backend against a fake GCS (tests/fakes/gcs.mjs) that verifies the V4 signed URLs
// with the public half of a throwaway service-account key, the JWT bearer grant and the create-only
// precondition, and that misbehaves on request (500s, slow answers, dropped connections).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startParley } from '../lib/parley.mjs';
import { startFakeGcs } from '../fakes/gcs.mjs';
import { samples, upload, sql, eventually } from './uploads_helpers.mjs';

const BUCKET = 'parley-test-bucket';
const CLIENT_EMAIL = 'parley-tests@throwaway-project.iam.gserviceaccount.com';
let gcs, p, home, keys;

function serviceAccount(tokenUri) {
  return JSON.stringify({
    type: 'service_account', project_id: 'throwaway-project', private_key_id: 'abc123',
    private_key: keys.privateKey, client_email: CLIENT_EMAIL, client_id: '1', token_uri: tokenUri,
  });
}

async function startWithGcs(extraEnv = {}) {
  return startParley({
    home,
    files: { 'credentials/googlecloud/sa.json': serviceAccount(gcs.tokenUri) },
    env: { PARLEY_STORAGE: 'gcs', GCS_ENDPOINT: gcs.url, GCS_BUCKET_NAME: BUCKET, ...extraEnv },
  });
}

before(async () => {
  keys = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  gcs = await startFakeGcs({ bucket: BUCKET, clientEmail: CLIENT_EMAIL, publicKeyPem: keys.publicKey });
  home = mkdtempSync(join(tmpdir(), 'parley-gcs-'));
  p = await startWithGcs();
});
after(async () => {
  await p?.stop();
  await gcs?.close();
  rmSync(home, { recursive: true, force: true });
});

test('an upload lands in the bucket with a create-only precondition and a V4 signed URL the fake verifies', async () => {
  const data = samples['image/webp'];
  const r = await upload(p.url, { sessionId: 'session_gcs', data, filename: 'pic.webp', type: 'image/webp' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const a = r.body.attachment;
  const key = `session_gcs/${a.id}__pic.webp`;
  assert.deepEqual(gcs.objects.get(key)?.data, data);
  assert.equal(gcs.objects.get(key)?.contentType, 'image/webp');
  const put = gcs.requests.find((q) => q.method === 'PUT' && q.path === `/${BUCKET}/${key}`);
  assert.equal(put.headers['x-goog-if-generation-match'], '0');
  assert.match(put.headers.authorization, /^Bearer ya29\.fake-/);

  const url = new URL(a.displayUrl);
  assert.equal(url.origin, gcs.url);
  assert.equal(url.pathname, `/${BUCKET}/${key}`);
  assert.equal(url.searchParams.get('X-Goog-Algorithm'), 'GOOG4-RSA-SHA256');
  assert.equal(url.searchParams.get('X-Goog-Expires'), '604800');
  assert.equal(a.deliveryUrl, a.displayUrl, 'the provider can reach GCS');
  const res = await fetch(a.displayUrl);
  assert.equal(res.status, 200);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), data);

  // Any change to the signed URL is refused by the fake's signature check.
  const sig = url.searchParams.get('X-Goog-Signature');
  for (const tampered of [
    a.displayUrl.replace(sig, sig.slice(0, -2) + (sig.endsWith('00') ? '11' : '00')),
    a.displayUrl.replace('X-Goog-Expires=604800', 'X-Goog-Expires=604799'),
    a.displayUrl.replace('pic.webp', 'pic.webq'),
  ]) {
    const bad = await fetch(tampered);
    assert.notEqual(bad.status, 200, tampered);
    await bad.arrayBuffer();
  }
  const [row] = sql(home, `SELECT storage_backend, gcs_blob, storage_path FROM attachments WHERE attachment_id='${a.id}'`);
  assert.equal(row, `gcs|${key}|${key}`);
});

test('the OAuth token is fetched once and reused until it expires', async () => {
  for (let i = 0; i < 3; i++) {
    const r = await upload(p.url, { sessionId: 'session_token' });
    assert.equal(r.status, 201);
  }
  assert.equal(gcs.tokensIssued, 1);
  const tokens = new Set(gcs.requests.filter((q) => q.method === 'PUT').map((q) => q.headers.authorization));
  assert.equal(tokens.size, 1);
});

test('storage failures are 502 with the reason and leave no row behind; slow answers are waited for', async () => {
  const rowsBefore = sql(home, 'SELECT count(*) FROM attachments')[0];
  gcs.failNext('PUT', 500);
  let r = await upload(p.url, { sessionId: 'session_fail' });
  assert.equal(r.status, 502);
  assert.deepEqual(r.body, { detail: 'Attachment storage failed: GCS answered 500' });
  // Dropped connections (a stale pooled connection is retried, a fresh one that drops is a failure).
  gcs.dropNext('PUT', 10);
  r = await upload(p.url, { sessionId: 'session_fail' });
  gcs.reset();
  assert.equal(r.status, 502);
  assert.match(r.body.detail, /^Attachment storage failed: GCS unreachable: /);
  gcs.failNext('PUT', 412);
  r = await upload(p.url, { sessionId: 'session_fail' });
  assert.equal(r.status, 502);
  assert.deepEqual(r.body, { detail: 'Attachment storage failed: object already exists' });
  assert.equal(sql(home, 'SELECT count(*) FROM attachments')[0], rowsBefore);

  gcs.delayMs = 1500;
  try {
    r = await upload(p.url, { sessionId: 'session_slow' });
    assert.equal(r.status, 201);
  } finally {
    gcs.delayMs = 0;
  }
  assert.ok(!p.output().includes('ya29.fake-'), 'access tokens are never logged');
});

test('retention deletes expired objects from the bucket; a failed delete keeps the row for the next run', async () => {
  const r = await upload(p.url, { sessionId: 'session_expire' });
  assert.equal(r.status, 201);
  const id = r.body.attachment.id;
  const key = `session_expire/${id}__cat.png`;
  await p.stop();
  sql(home, `UPDATE attachments SET expires_at='2001-01-01 00:00:00' WHERE attachment_id='${id}'`);

  gcs.failNext('DELETE', 503, 1);
  p = await startWithGcs();
  await eventually(() => gcs.requests.some((q) => q.method === 'DELETE' && q.path === `/${BUCKET}/${key}`), 10000, 'a delete attempt');
  // The run's report: it is over, and it kept the row.
  await p.waitForOutput(/Retention: deleted 0 expired attachments \(1 kept for a retry\)/);
  assert.ok(gcs.objects.has(key), 'the object is still there');
  assert.equal(sql(home, `SELECT count(*) FROM attachments WHERE attachment_id='${id}'`)[0], '1', 'the row stays for a retry');
  await p.stop();

  p = await startWithGcs();
  await eventually(() => !gcs.objects.has(key), 10000, 'object deleted');
  await eventually(() => sql(home, `SELECT count(*) FROM attachments WHERE attachment_id='${id}'`)[0] === '0', 5000, 'row deleted');
});

test('without a readable key file the gcs backend answers 503', async () => {
  const q = await startParley({ env: { PARLEY_STORAGE: 'gcs', GCS_ENDPOINT: gcs.url, GCS_BUCKET_NAME: BUCKET } });
  try {
    const r = await upload(q.url, {});
    assert.equal(r.status, 503);
    assert.match(r.body.detail, /^Attachment storage is not configured: the service-account key file .*sa\.json \(GOOGLE_APPLICATION_CREDENTIALS\) cannot be read$/);
  } finally {
    await q.stop();
  }
});
