// Uploads with the s3 backend against s3rver (a local S3 implementation), behind a proxy that verifies the
// SigV4 signatures of every request and presigned URL (s3rver itself checks only the access key):
// upload, presigned download, tampering, bad credentials, an unreachable store, retention.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { startParley } from '../lib/parley.mjs';
import { startSigV4Verifier } from '../fakes/sigv4_verifier.mjs';
import { samples, upload, sql, eventually } from './uploads_helpers.mjs';

const BUCKET = 'parley-attachments';
let s3, s3url, verifier, p, home, s3dir;

// The secret differs from the access key id: parley masks its secrets in everything it writes out, and the id
// is part of every presigned URL.
const s3env = () => ({
  PARLEY_STORAGE: 's3', S3_ENDPOINT: s3url, S3_BUCKET: BUCKET, S3_REGION: 'us-east-1',
  S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'parley-test-s3-secret-key', S3_FORCE_PATH_STYLE: 'true',
});

before(async () => {
  s3dir = mkdtempSync(join(tmpdir(), 'parley-s3rver-'));
  s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3dir, configureBuckets: [{ name: BUCKET }] });
  const { port } = await s3.run();
  verifier = await startSigV4Verifier({ target: `http://127.0.0.1:${port}`, accessKeyId: 'S3RVER', secretAccessKey: 'parley-test-s3-secret-key' });
  s3url = verifier.url;
  home = mkdtempSync(join(tmpdir(), 'parley-s3-'));
  p = await startParley({ home, env: s3env() });
});
after(async () => {
  await p?.stop();
  await verifier?.close();
  await s3?.close();
  rmSync(home, { recursive: true, force: true });
  rmSync(s3dir, { recursive: true, force: true });
});

async function s3Object(key) {
  // An authenticated read through parley's own presigning would be circular: ask the store directly.
  return s3.store.getObject(BUCKET, key).catch(() => null);
}

test('an upload is stored in the bucket and its presigned URL (checked by s3rver) returns the bytes', async () => {
  const data = samples['application/pdf'];
  const r = await upload(p.url, { sessionId: 'session_s3', data, filename: 'report.pdf', type: 'application/pdf' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const a = r.body.attachment;
  const key = `session_s3/${a.id}__report.pdf`;
  const url = new URL(a.displayUrl);
  assert.equal(url.origin, s3url);
  assert.equal(url.pathname, `/${BUCKET}/${key}`);
  assert.equal(url.searchParams.get('X-Amz-Algorithm'), 'AWS4-HMAC-SHA256');
  assert.equal(url.searchParams.get('X-Amz-Expires'), '604800');
  assert.equal(a.deliveryUrl, a.displayUrl);
  const res = await fetch(a.displayUrl);
  assert.equal(res.status, 200);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), data);
  const stored = await s3Object(key);
  assert.ok(stored, 'the object is in the bucket');
  assert.equal(stored.metadata['content-type'], 'application/pdf');

  const sig = url.searchParams.get('X-Amz-Signature');
  const tampered = a.displayUrl.replace(sig, sig.slice(0, -1) + (sig.endsWith('0') ? '1' : '0'));
  const refusedBefore = verifier.refused;
  for (const t of [tampered, a.displayUrl.replace('X-Amz-Expires=604800', 'X-Amz-Expires=604799'), a.displayUrl.replace('report.pdf', 'report.pdg')]) {
    const bad = await fetch(t);
    assert.equal(bad.status, 403, t);
    await bad.arrayBuffer();
  }
  assert.equal(verifier.refused - refusedBefore, 3);
  assert.ok(verifier.verified >= 2, 'the upload and the download were verified');
  const [row] = sql(home, `SELECT storage_backend, storage_path FROM attachments WHERE attachment_id='${a.id}'`);
  assert.equal(row, `s3|${key}`);
});

test('wrong credentials are a 502 naming the store, without the secret and without a row', async () => {
  const q = await startParley({ env: { ...s3env(), S3_SECRET_ACCESS_KEY: 'not-the-secret-value' } });
  try {
    const r = await upload(q.url, { sessionId: 'session_badkey' });
    assert.equal(r.status, 502);
    assert.deepEqual(r.body, { detail: 'Attachment storage failed: S3 answered 403' });
    assert.ok(!q.output().includes('not-the-secret-value'));
  } finally {
    await q.stop();
  }
});

test('an unreachable endpoint is a 502', async () => {
  const q = await startParley({ env: { ...s3env(), S3_ENDPOINT: 'http://127.0.0.1:9' } });
  try {
    const r = await upload(q.url, { sessionId: 'session_down' });
    assert.equal(r.status, 502);
    assert.match(r.body.detail, /^Attachment storage failed: S3 unreachable: /);
  } finally {
    await q.stop();
  }
});

test('retention deletes expired objects from the bucket, then their rows', async () => {
  const r = await upload(p.url, { sessionId: 'session_s3_old' });
  assert.equal(r.status, 201);
  const id = r.body.attachment.id;
  const key = `session_s3_old/${id}__cat.png`;
  assert.ok(await s3Object(key));
  await p.stop();
  sql(home, `UPDATE attachments SET expires_at='2001-01-01T00:00:00Z' WHERE attachment_id='${id}'`);
  p = await startParley({ home, env: s3env() });
  await eventually(async () => !(await s3Object(key)), 10000, 'object deleted from the bucket');
  await eventually(() => sql(home, `SELECT count(*) FROM attachments WHERE attachment_id='${id}'`)[0] === '0', 5000, 'row deleted');
});

test('deleting a conversation deletes its objects from the bucket before the 204 (§2.5)', async () => {
  const r = await upload(p.url, { sessionId: 'session_s3_deleted' });
  assert.equal(r.status, 201);
  const key = `session_s3_deleted/${r.body.attachment.id}__cat.png`;
  assert.ok(await s3Object(key));
  const del = await fetch(`${p.url}/api/chat/session/session_s3_deleted`, { method: 'DELETE' });
  assert.equal(del.status, 204);
  assert.equal(await s3Object(key), null, 'the object is gone from the bucket');
  assert.deepEqual(sql(home, `SELECT count(*) FROM blob_tombstones WHERE storage_key='${key}'`), ['0']);
  const res = await fetch(r.body.attachment.displayUrl);
  const answer = await res.text();
  assert.equal(res.status, 404, `the presigned URL stops working: ${answer}`);
  assert.match(answer, /NoSuchKey/);
});
