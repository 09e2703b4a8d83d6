// Uploads with the local backend, end to end against the real binary: every allowed type, signed download
// URLs (Range, HEAD, tampering, expiry), type and size checks, hostile multipart bodies and file names,
// concurrency, and the retention job.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startParley } from '../lib/parley.mjs';
import { rawExchange, parseResponse, within } from '../lib/http.mjs';
import { samples, extensions, multipart, upload, sql, eventually, BOUNDARY } from './uploads_helpers.mjs';

const MAX = 200000;
let p;
before(async () => {
  p = await startParley({ env: { ATTACHMENTS_MAX_SIZE_BYTES: String(MAX) } });
});
after(async () => { await p.stop(); });

function signingKey(home) {
  return Buffer.from(readFileSync(join(home, 'data', 'signing.key'), 'utf8').trim(), 'hex');
}

// A URL signed the way parley signs (api.md §5.3), for keys and expiries of the test's choosing.
function signedFileUrl(base, home, key, exp) {
  const sig = createHmac('sha256', signingKey(home)).update(`GET\n${key}\n${exp}`).digest('hex');
  return `${base}/api/files/${key.split('/').map(encodeURIComponent).join('/')}?exp=${exp}&sig=${sig}`;
}

test('each allowed type uploads, is stored under a safe key and downloads through its signed URL', async () => {
  for (const [type, data] of Object.entries(samples)) {
    const filename = `sample.${extensions[type]}`;
    const before = Date.now();
    const r = await upload(p.url, { sessionId: 'session_types', data, filename, type });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const a = r.body.attachment;
    assert.deepEqual(Object.keys(r.body), ['attachment']);
    assert.deepEqual(Object.keys(a), ['id', 'sessionId', 'mimeType', 'sizeBytes', 'displayUrl', 'deliveryUrl', 'uploadedAt', 'expiresAt', 'metadata']);
    assert.match(a.id, /^[0-9a-f]{32}$/);
    assert.equal(a.sessionId, 'session_types');
    assert.equal(a.mimeType, type);
    assert.equal(a.sizeBytes, data.length);
    assert.deepEqual(a.metadata, { mime_type: type, size_bytes: data.length, filename });
    assert.match(a.uploadedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const expires = Date.parse(a.expiresAt);
    assert.ok(Math.abs(expires - Date.parse(a.uploadedAt) - 7 * 86400e3) < 1000, 'expiresAt = uploadedAt + 7 days');
    assert.ok(Date.parse(a.uploadedAt) >= before - 1000);
    const key = `session_types/${a.id}__sample.${extensions[type]}`;
    assert.ok(a.displayUrl.startsWith(`${p.url}/api/files/${key}?exp=`), a.displayUrl);
    const exp = Number(new URL(a.displayUrl).searchParams.get('exp'));
    assert.ok(Math.abs(exp * 1000 - Date.now() - 7 * 86400e3) < 60e3, 'signed for 7 days');
    if (type.startsWith('image/')) {
      assert.equal(a.deliveryUrl, `data:${type};base64,${data.toString('base64')}`);
    } else {
      assert.equal(a.deliveryUrl, a.displayUrl);
    }
    // The object on disk: 0600, the uploaded bytes.
    const file = join(p.home, 'data', 'blobs', key);
    assert.deepEqual(readFileSync(file), data);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    // The row: the key is the truth, the cached URL is relative.
    const [row] = sql(p.home, `SELECT storage_path, storage_backend, mime_type, size_bytes, display_url FROM attachments WHERE attachment_id='${a.id}'`);
    const [path, backend, mime, size, displayUrl] = row.split('|');
    assert.equal(path, key);
    assert.equal(backend, 'local');
    assert.equal(mime, type);
    assert.equal(Number(size), data.length);
    assert.ok(displayUrl.startsWith('/api/files/'));

    const res = await fetch(a.displayUrl);
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), data);
    assert.equal(res.headers.get('content-type'), type);
    assert.equal(res.headers.get('content-length'), String(data.length));
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('accept-ranges'), 'bytes');
    assert.equal(res.headers.get('content-disposition'), `inline; filename="${filename}"; filename*=UTF-8''${filename}`);
    assert.equal(res.headers.get('cache-control'), 'private, max-age=3600');
    assert.equal(res.headers.get('etag'), `"${a.id}"`);
  }
  // The upload created the conversation: no chat was needed.
  assert.deepEqual(sql(p.home, "SELECT count(*) FROM conversations WHERE session_id='session_types'"), ['1']);
});

test('Range requests give 206 with Content-Range, unsatisfiable ones 416; HEAD has the headers only', async () => {
  const data = samples['image/png'];
  const { body } = await upload(p.url, { sessionId: 'session_range' });
  const url = body.attachment.displayUrl;
  const size = data.length;
  const cases = [
    ['bytes=0-3', 0, 3], ['bytes=10-', 10, size - 1], ['bytes=-5', size - 5, size - 1], ['bytes=5-100000', 5, size - 1],
  ];
  for (const [range, first, last] of cases) {
    const res = await fetch(url, { headers: { Range: range } });
    assert.equal(res.status, 206, range);
    assert.equal(res.headers.get('content-range'), `bytes ${first}-${last}/${size}`);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), data.subarray(first, last + 1), range);
  }
  for (const range of [`bytes=${size}-`, 'bytes=-0']) {
    const res = await fetch(url, { headers: { Range: range } });
    assert.equal(res.status, 416, range);
    assert.equal(res.headers.get('content-range'), `bytes */${size}`);
    await res.arrayBuffer();
  }
  // Several ranges or nonsense: the whole file.
  for (const range of ['bytes=0-1,4-5', 'lines=1-2', 'bytes=5-2']) {
    const res = await fetch(url, { headers: { Range: range } });
    assert.equal(res.status, 200, range);
    assert.equal((await res.arrayBuffer()).byteLength, size);
  }
  const u = new URL(url);
  const { data: raw } = await rawExchange(p.port, `HEAD ${u.pathname}${u.search} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  const head = parseResponse(raw);
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], String(size));
  assert.equal(head.headers['content-type'], 'image/png');
  assert.equal(head.headers['x-content-type-options'], 'nosniff');
  assert.equal(head.body, '');
});

test('tampered, unsigned and expired URLs are 403; a valid signature for an unknown key is 404', async () => {
  const { body } = await upload(p.url, { sessionId: 'session_tamper' });
  const good = new URL(body.attachment.displayUrl);
  const sig = good.searchParams.get('sig');
  const exp = good.searchParams.get('exp');
  const variants = [
    good.href.replace(`sig=${sig}`, `sig=${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}`),
    good.href.replace(`exp=${exp}`, `exp=${Number(exp) + 1}`),
    good.href.replace('session_tamper', 'session_tampeR'),
    `${good.origin}${good.pathname}`,
    `${good.origin}${good.pathname}?exp=${exp}`,
    `${good.origin}${good.pathname}?sig=${sig}`,
    good.href.replace(`sig=${sig}`, `sig=${sig.toUpperCase()}`),
  ];
  for (const v of variants) {
    const res = await fetch(v);
    assert.equal(res.status, 403, v);
    assert.deepEqual(await res.json(), { detail: 'Invalid or expired signature' });
  }
  // Correctly signed, but expired a second ago.
  const key = decodeURIComponent(good.pathname.slice('/api/files/'.length));
  const past = Math.floor(Date.now() / 1000) - 1;
  let res = await fetch(signedFileUrl(p.url, p.home, key, past));
  assert.equal(res.status, 403);
  res = await fetch(signedFileUrl(p.url, p.home, key, past + 600));
  assert.equal(res.status, 200, 'the test signs like parley');
  await res.arrayBuffer();
  // Correctly signed keys that name nothing, or try to climb out of the blob folder.
  // Raw requests: fetch would resolve the dot segments before sending.
  for (const bad of ['session_tamper/00000000000000000000000000000000__x.png', '../signing.key', '../../data/signing.key', 'signing.key', `session_tamper/../session_tamper/${key.split('/')[1]}`]) {
    const u = new URL(signedFileUrl(p.url, p.home, bad, past + 600));
    const target = `/api/files/${bad.split('/').map(encodeURIComponent).join('/')}${u.search}`;
    const { data } = await rawExchange(p.port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    const answer = parseResponse(data);
    assert.equal(answer.status, 404, bad);
    assert.deepEqual(JSON.parse(answer.body), { detail: 'Not Found' });
  }
  const traversal = await rawExchange(p.port, `GET /api/files/..%2F..%2Fdata%2Fsigning.key?exp=${past + 600}&sig=${createHmac('sha256', signingKey(p.home)).update(`GET\n../../data/signing.key\n${past + 600}`).digest('hex')} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  assert.equal(parseResponse(traversal.data).status, 404);
});

test('type checks: declared type, sniffed type and their agreement (415), octet-stream is sniffed', async () => {
  const text = Buffer.from('just some text, not an image\n');
  const png = samples['image/png'];
  let r = await upload(p.url, { data: text, filename: 'notes.txt', type: 'text/plain' });
  assert.equal(r.status, 415);
  assert.deepEqual(r.body, { detail: 'Unsupported attachment type: text/plain' });
  r = await upload(p.url, { data: Buffer.concat([png.subarray(0, 8), text]), filename: 'fake.png', type: 'text/plain' });
  assert.equal(r.status, 415, 'a PNG header does not make a declared text file acceptable');
  r = await upload(p.url, { data: text, filename: 'fake.png', type: 'image/png' });
  assert.equal(r.status, 415);
  assert.deepEqual(r.body, { detail: 'Unsupported attachment type: image/png' });
  r = await upload(p.url, { data: png, filename: 'cat.jpg', type: 'image/jpeg' });
  assert.equal(r.status, 415);
  assert.deepEqual(r.body, { detail: 'Unsupported attachment type: image/jpeg' });
  r = await upload(p.url, { data: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), filename: 'x.svg', type: 'image/svg+xml' });
  assert.equal(r.status, 415);
  r = await upload(p.url, { data: text, filename: 'x.bin', type: 'application/octet-stream' });
  assert.equal(r.status, 415);
  assert.deepEqual(r.body, { detail: 'Unsupported attachment type: application/octet-stream' });
  r = await upload(p.url, { data: png, filename: 'x.bin', type: 'application/octet-stream' });
  assert.equal(r.status, 201);
  assert.equal(r.body.attachment.mimeType, 'image/png');
  r = await upload(p.url, { data: samples['application/pdf'], filename: 'doc', type: null });
  assert.equal(r.status, 201);
  assert.equal(r.body.attachment.mimeType, 'application/pdf');
  r = await upload(p.url, { data: png, filename: 'CAT.PNG', type: 'IMAGE/PNG; charset=binary' });
  assert.equal(r.status, 201);
});

test('file names with ../, control characters and non-ASCII text give safe keys and safe headers', async () => {
  const filename = '../../etc/pass\x01wd\x7f "quoted";\t日本.png';
  const r = await upload(p.url, { sessionId: '../session/../x', filename });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const a = r.body.attachment;
  assert.equal(a.metadata.filename, filename, 'the original name is kept in the metadata');
  const key = decodeURIComponent(new URL(a.displayUrl).pathname.slice('/api/files/'.length));
  assert.equal(key, `session_.._x/${a.id}__etc_pass_wd_quoted_.png`);
  assert.ok(existsSync(join(p.home, 'data', 'blobs', key)));
  const res = await fetch(a.displayUrl);
  assert.equal(res.status, 200);
  const cd = res.headers.get('content-disposition');
  assert.equal(cd, `inline; filename="../../etc/pass_wd_ _quoted_;___.png"; filename*=UTF-8''..%2F..%2Fetc%2Fpass%01wd%7F%20%22quoted%22%3B%09%E6%97%A5%E6%9C%AC.png`);
  await res.arrayBuffer();
});

test('malformed requests: not multipart, no boundary, truncated, missing fields, empty file', async () => {
  const post = (body, contentType) => fetch(`${p.url}/api/uploads`, { method: 'POST', headers: { 'Content-Type': contentType }, body });
  let res = await post('{}', 'application/json');
  assert.equal(res.status, 422);
  assert.deepEqual(await res.json(), { detail: [
    { type: 'missing', loc: ['body', 'file'], msg: 'Field required' },
    { type: 'missing', loc: ['body', 'session_id'], msg: 'Field required' },
  ] });
  res = await post(multipart([{ name: 'session_id', value: 's' }]), 'multipart/form-data');
  assert.equal(res.status, 400);
  const full = multipart([{ name: 'session_id', value: 's' }, { name: 'file', filename: 'a.png', type: 'image/png', data: samples['image/png'] }]);
  for (const cut of [10, 80, full.length - 40, full.length - 3]) {
    res = await post(full.subarray(0, cut), `multipart/form-data; boundary=${BOUNDARY}`);
    assert.equal(res.status, 400, `cut at ${cut}`);
    assert.match((await res.json()).detail, /^Malformed multipart body: /);
  }
  res = await post(Buffer.from('no boundary anywhere in here'), `multipart/form-data; boundary=${BOUNDARY}`);
  assert.equal(res.status, 400);
  await res.arrayBuffer();
  let r = await upload(p.url, { sessionId: null });
  assert.equal(r.status, 422);
  assert.deepEqual(r.body, { detail: [{ type: 'missing', loc: ['body', 'session_id'], msg: 'Field required' }] });
  r = await upload(p.url, { sessionId: '' });
  assert.equal(r.status, 422);
  r = await upload(p.url, { data: null });
  assert.equal(r.status, 422);
  assert.deepEqual(r.body, { detail: [{ type: 'missing', loc: ['body', 'file'], msg: 'Field required' }] });
  r = await upload(p.url, { data: Buffer.alloc(0), filename: '' });
  assert.equal(r.status, 422, 'a file field with no file chosen is missing');
  r = await upload(p.url, { data: Buffer.alloc(0), filename: 'empty.png' });
  assert.equal(r.status, 400);
  assert.deepEqual(r.body, { detail: 'Uploaded file was empty' });
  r = await upload(p.url, { sessionId: 'x'.repeat(201) });
  assert.equal(r.status, 422);
  r = await upload(p.url, { sessionId: 'bad\u0001id' });
  assert.equal(r.status, 422);
  // Header injection inside a part is refused as malformed.
  const injected = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\nContent-Type: text/html\r\n\r\nx\r\n--${BOUNDARY}--\r\n`);
  res = await post(injected, `multipart/form-data; boundary=${BOUNDARY}`);
  assert.equal(res.status, 400);
  await res.arrayBuffer();
  // The legacy download route.
  res = await fetch(`${p.url}/api/uploads/0123/content`);
  assert.equal(res.status, 410);
  assert.deepEqual(await res.json(), { detail: 'Direct downloads are no longer supported. Use the signed URL provided when the attachment was created.' });
  // The no-slash and slash forms both answer.
  r = await upload(p.url, { path: '/api/uploads/' });
  assert.equal(r.status, 201);
});

test('size limits: a 10 GB Content-Length is refused before any body byte, a streamed file as soon as it passes the limit', async () => {
  const started = Date.now();
  const { data, closed } = await rawExchange(p.port,
    `POST /api/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: 10737418240\r\n\r\n`, { timeoutMs: 5000 });
  const r = parseResponse(data);
  assert.equal(r.status, 413);
  assert.deepEqual(JSON.parse(r.body), { detail: 'Request body too large' });
  assert.ok(closed && Date.now() - started < 3000);

  // Chunked, no length announced: 413 once the file passes ATTACHMENTS_MAX_SIZE_BYTES, while the client is
  // still sending (the rest is never needed).
  const net = await import('node:net');
  const socket = net.connect(p.port, '127.0.0.1');
  let response = '';
  socket.on('data', (d) => { response += d.toString('latin1'); });
  socket.on('error', () => {});
  const gotAnswer = new Promise((res) => socket.on('close', res));
  await new Promise((res) => socket.once('connect', res));
  const head = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`;
  socket.write(`POST /api/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}\r\nTransfer-Encoding: chunked\r\n\r\n`);
  socket.write(`${Buffer.byteLength(head).toString(16)}\r\n${head}\r\n`);
  const chunk = Buffer.alloc(16384, 0x41);
  let sent = 0;
  while (sent <= MAX + 4 * chunk.length && !response) {
    socket.write(`${chunk.length.toString(16)}\r\n`); socket.write(chunk);
    // Paced by the socket: the next chunk once this one is on its way, so an early answer is seen.
    const flushed = new Promise((res) => socket.write('\r\n', res));
    sent += chunk.length;
    if (!(await within(flushed, 5000))) break;
  }
  await within(gotAnswer, 5000);
  socket.destroy();
  const parsed = parseResponse(response);
  assert.ok(parsed, 'an answer arrived');
  assert.equal(parsed.status, 413);
  assert.deepEqual(JSON.parse(parsed.body), { detail: `Attachment exceeded ${MAX} bytes limit` });

  // Exactly at the limit is fine, one byte more is not.
  const atLimit = Buffer.concat([samples['image/png'], Buffer.alloc(MAX - samples['image/png'].length)]);
  let u = await upload(p.url, { data: atLimit });
  assert.equal(u.status, 201);
  assert.equal(u.body.attachment.sizeBytes, MAX);
  u = await upload(p.url, { data: Buffer.concat([atLimit, Buffer.from('x')]) });
  assert.equal(u.status, 413);
  assert.deepEqual(u.body, { detail: `Attachment exceeded ${MAX} bytes limit` });
});

test('concurrent uploads to one session all land, each with its own object and row', async () => {
  const n = 12;
  const results = await Promise.all(Array.from({ length: n }, (_, i) =>
    upload(p.url, { sessionId: 'session_concurrent', filename: `same-name.png`, data: Buffer.concat([samples['image/png'], Buffer.from([i])]) })));
  for (const r of results) assert.equal(r.status, 201, JSON.stringify(r.body));
  const ids = new Set(results.map((r) => r.body.attachment.id));
  assert.equal(ids.size, n);
  assert.deepEqual(sql(p.home, "SELECT count(*) FROM attachments WHERE session_id='session_concurrent'"), [String(n)]);
  for (const r of results) {
    const res = await fetch(r.body.attachment.displayUrl);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.equal(bytes.length, r.body.attachment.sizeBytes);
  }
});

test('PARLEY_PUBLIC_URL makes URLs absolute on it and the delivery URL equal to the display URL', async () => {
  const q = await startParley({ env: { PARLEY_PUBLIC_URL: 'https://chat.example.org/' } });
  try {
    const r = await upload(q.url, {});
    assert.equal(r.status, 201);
    assert.ok(r.body.attachment.displayUrl.startsWith('https://chat.example.org/api/files/'));
    assert.equal(r.body.attachment.deliveryUrl, r.body.attachment.displayUrl);
    const local = r.body.attachment.displayUrl.replace('https://chat.example.org', q.url);
    const res = await fetch(local);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  } finally {
    await q.stop();
  }
});

test('uploads need authentication when it is configured; the signed file URL does not', async () => {
  const q = await startParley({ env: { PARLEY_AUTH_TOKEN: 'secret-token-for-tests' } });
  try {
    let r = await upload(q.url, {});
    assert.equal(r.status, 401);
    r = await upload(q.url, { headers: { Authorization: 'Bearer secret-token-for-tests' } });
    assert.equal(r.status, 201);
    const res = await fetch(r.body.attachment.displayUrl);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    assert.ok(!q.output().includes(new URL(r.body.attachment.displayUrl).searchParams.get('sig')), 'signatures are not logged');
  } finally {
    await q.stop();
  }
});

test('an unconfigured backend answers 503 naming what is missing, before reading the body', async () => {
  const q = await startParley({ env: { PARLEY_STORAGE: 's3' } });
  try {
    const { data } = await rawExchange(q.port,
      `POST /api/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: 5000000\r\n\r\n`, { timeoutMs: 5000 });
    const r = parseResponse(data);
    assert.equal(r.status, 503);
    assert.deepEqual(JSON.parse(r.body), { detail: 'Attachment storage is not configured: S3_BUCKET is not set' });
    const health = await (await fetch(`${q.url}/health`)).json();
    assert.equal(health.storage, 's3');
    assert.ok(health.warnings.some((w) => w.includes('S3_BUCKET is not set')), JSON.stringify(health.warnings));
  } finally {
    await q.stop();
  }
});

test('retention deletes expired attachments (object, then row) and the objects of deleted conversations', async () => {
  const q = await startParley({ keepHome: true });
  const home = q.home;
  const kept = await upload(q.url, { sessionId: 'session_keep' });
  const old = await upload(q.url, { sessionId: 'session_old' });
  const gone = await upload(q.url, { sessionId: 'session_deleted' });
  await q.stop();
  const keyOf = (r) => decodeURIComponent(new URL(r.body.attachment.displayUrl).pathname.slice('/api/files/'.length));
  assert.ok(existsSync(join(home, 'data', 'blobs', keyOf(old))));
  sql(home, `UPDATE attachments SET expires_at='2000-01-01T00:00:00+00:00' WHERE attachment_id='${old.body.attachment.id}'`);
  // Deleting a conversation leaves a tombstone for its object (the reaper removes it).
  const r = await startParley({ home });
  try {
    await fetch(`${r.url}/api/chat/session/session_deleted`, { method: 'DELETE' });
    await eventually(() => !existsSync(join(home, 'data', 'blobs', keyOf(old))), 10000, 'expired object deleted');
    await eventually(() => sql(home, `SELECT count(*) FROM attachments WHERE attachment_id='${old.body.attachment.id}'`)[0] === '0', 5000, 'row deleted');
    assert.ok(existsSync(join(home, 'data', 'blobs', keyOf(kept))), 'unexpired attachments stay');
    const res = await fetch(old.body.attachment.displayUrl.replace(/^http:\/\/[^/]+/, r.url));
    assert.equal(res.status, 404);
    await res.arrayBuffer();
  } finally {
    await r.stop();
  }
  // An object whose deletion failed earlier (a tombstone without a row) goes at the next run.
  const orphan = keyOf(kept).replace(kept.body.attachment.id, 'ffffffffffffffffffffffffffffffff');
  const { copyFileSync } = await import('node:fs');
  copyFileSync(join(home, 'data', 'blobs', keyOf(kept)), join(home, 'data', 'blobs', orphan));
  sql(home, `INSERT INTO blob_tombstones (storage_key, storage_backend) VALUES ('${orphan}', 'local')`);
  const s = await startParley({ home });
  try {
    await eventually(() => !existsSync(join(home, 'data', 'blobs', orphan)), 10000, 'orphaned object deleted');
    await eventually(() => !existsSync(join(home, 'data', 'blobs', keyOf(gone))), 10000, 'tombstoned object deleted');
    await eventually(() => sql(home, 'SELECT count(*) FROM blob_tombstones')[0] === '0', 5000, 'tombstone resolved');
    assert.ok(existsSync(join(home, 'data', 'blobs', keyOf(kept))));
  } finally {
    await s.stop();
    const { rmSync } = await import('node:fs');
    rmSync(home, { recursive: true, force: true });
  }
});

test('stored history re-signs attachment fragments; a vanished attachment is marked expired', async () => {
  const r = await upload(p.url, { sessionId: 'session_history' });
  assert.equal(r.status, 201);
  const id = r.body.attachment.id;
  // A user row as the chat stores it (§3.2 step 5), with a stale URL and a fragment of a deleted attachment.
  const content = JSON.stringify([
    { type: 'text', text: 'look' },
    { type: 'image_url', image_url: { url: 'https://stale.example/old' }, metadata: { attachment_id: id, display_url: 'https://stale.example/old' } },
    { type: 'image_url', image_url: { url: 'https://stale.example/gone' }, metadata: { attachment_id: 'ffffffffffffffffffffffffffffffff', filename: 'gone.png' } },
  ]).replace(/'/g, "''");
  sql(p.home, `INSERT INTO messages (session_id, role, content, metadata) VALUES ('session_history', 'user', '${content}', '{"__structured_content__":true}')`);
  // Expire the cached signature so that the history has to sign anew.
  sql(p.home, `UPDATE attachments SET signed_url_expires_at='2000-01-01T00:00:00+00:00' WHERE attachment_id='${id}'`);
  const res = await fetch(`${p.url}/api/chat/session/session_history/messages`);
  assert.equal(res.status, 200);
  const [message] = (await res.json()).messages;
  const [, fresh, gone] = message.content;
  // Absolute on the scheme and Host of the request, like the upload's displayUrl (§2.18).
  assert.ok(fresh.image_url.url.startsWith(`${p.url}/api/files/`), fresh.image_url.url);
  assert.match(fresh.image_url.url, new RegExp(`/api/files/session_history/${id}__cat\\.png\\?exp=\\d+&sig=[0-9a-f]{64}$`));
  assert.equal(fresh.metadata.display_url, fresh.image_url.url);
  assert.equal(fresh.metadata.delivery_url, fresh.image_url.url);
  assert.match(fresh.metadata.signed_url_expires_at, /Z$/);
  assert.ok(Date.parse(fresh.metadata.signed_url_expires_at) > Date.now() + 6 * 86400e3);
  const download = await fetch(fresh.image_url.url);
  assert.equal(download.status, 200);
  await download.arrayBuffer();
  assert.deepEqual(gone.image_url, { url: '' });
  assert.equal(gone.metadata.expired, true);
  assert.equal(gone.metadata.filename, 'gone.png');
  // The cache was refreshed in the row.
  const [cached] = sql(p.home, `SELECT signed_url_expires_at FROM attachments WHERE attachment_id='${id}'`);
  assert.ok(Date.parse(cached) > Date.now());
});

test('deleting a conversation deletes its objects right after the transaction (§2.5), not at the next retention run', async () => {
  const r = await upload(p.url, { sessionId: 'session_deleted_now' });
  assert.equal(r.status, 201);
  const key = decodeURIComponent(new URL(r.body.attachment.displayUrl).pathname.slice('/api/files/'.length));
  assert.ok(existsSync(join(p.home, 'data', 'blobs', key)));
  const before = await fetch(r.body.attachment.displayUrl);
  assert.equal(before.status, 200);
  await before.arrayBuffer();
  const del = await fetch(`${p.url}/api/chat/session/session_deleted_now`, { method: 'DELETE' });
  assert.equal(del.status, 204);
  // Checked as soon as the 204 arrives: nothing is left for the reaper.
  assert.equal(existsSync(join(p.home, 'data', 'blobs', key)), false, 'the object is gone');
  assert.deepEqual(sql(p.home, `SELECT count(*) FROM blob_tombstones WHERE storage_key='${key}'`), ['0']);
  const after = await fetch(r.body.attachment.displayUrl);
  assert.equal(after.status, 404, 'its signed URL stops working');
  await after.arrayBuffer();
});

test('a cached URL signed under another key (a replica\'s own key before the shared one) is signed again', async () => {
  const r = await upload(p.url, { sessionId: 'session_other_key' });
  assert.equal(r.status, 201);
  const id = r.body.attachment.id;
  const key = `session_other_key/${id}__cat.png`;
  const content = JSON.stringify([{ type: 'image_url', image_url: { url: 'x' }, metadata: { attachment_id: id } }]).replace(/'/g, "''");
  sql(p.home, `INSERT INTO messages (session_id, role, content, metadata) VALUES ('session_other_key', 'user', '${content}', '{"__structured_content__":true}')`);
  const exp = Math.floor(Date.now() / 1000) + 5 * 86400;
  const foreign = `/api/files/${key.split('/').map(encodeURIComponent).join('/')}?exp=${exp}&sig=${createHmac('sha256', Buffer.alloc(32, 7)).update(`GET\n${key}\n${exp}`).digest('hex')}`;
  sql(p.home, `UPDATE attachments SET signed_url='${foreign}', display_url='${foreign}', delivery_url='${foreign}', signed_url_expires_at='${new Date(exp * 1000).toISOString()}' WHERE attachment_id='${id}'`);
  const [message] = (await (await fetch(`${p.url}/api/chat/session/session_other_key/messages`)).json()).messages;
  const url = message.content[0].image_url.url;
  assert.ok(!url.endsWith(foreign), 'the foreign signature is not served');
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  await res.arrayBuffer();
});
