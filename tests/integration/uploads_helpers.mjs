// Shared pieces of the upload tests: small real files of each allowed type, a multipart/form-data builder
// that can produce exact (and broken) bodies, and direct access to the SQLite history of a parley home.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

function crc32(buf) {
  let c, crc = 0xffffffff;
  for (const b of buf) {
    c = (crc ^ b) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A valid width x height RGB PNG with varied pixel bytes. */
export function makePng(width = 16, height = 16) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; ihdr[9] = 2;
  const rows = [];
  for (let y = 0; y < height; y++) {
    rows.push(0);
    for (let x = 0; x < width; x++) rows.push((x * 16) & 255, (y * 16) & 255, (x ^ y) & 255);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(Buffer.from(rows))), pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

export const samples = {
  'image/png': makePng(),
  // JFIF header and a few marker bytes (sniffing reads the first bytes only).
  'image/jpeg': Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0\x01\x01rest-of-jpeg', 'latin1'), Buffer.from([0xff, 0xd9])]),
  'image/gif': Buffer.from('GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;', 'latin1'),
  'image/webp': Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x1a, 0, 0, 0]), Buffer.from('WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00', 'latin1')]),
  'application/pdf': Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n'),
};
export const extensions = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif', 'image/webp': 'webp', 'application/pdf': 'pdf' };

export const BOUNDARY = '----parleyTestBoundary7MA4YWxkTrZu0gW';

/** Builds a multipart body. parts: [{name, value} | {name, filename, type?, data}] */
export function multipart(parts, boundary = BOUNDARY) {
  const chunks = [];
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"`;
    // Quotes and backslashes escaped as quoted-string escapes (browsers send %22 instead).
    if (p.filename !== undefined) head += `; filename="${p.filename.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
    head += '\r\n';
    if (p.type) head += `Content-Type: ${p.type}\r\n`;
    chunks.push(Buffer.from(head + '\r\n', 'utf8'));
    chunks.push(Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.value ?? p.data ?? '', 'utf8'));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/** POSTs a multipart body to /api/uploads; resolves { status, body (parsed JSON or text), headers }. */
export async function upload(baseUrl, { sessionId = 'session_test', data = samples['image/png'], filename = 'cat.png', type = 'image/png', headers = {}, path = '/api/uploads' } = {}) {
  const parts = [];
  if (data !== null) parts.push({ name: 'file', filename, type, data });
  if (sessionId !== null) parts.push({ name: 'session_id', value: sessionId });
  const res = await fetch(baseUrl + path, {
    method: 'POST',
    headers: { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, ...headers },
    body: multipart(parts),
  });
  const text = await res.text();
  let body = text;
  try { body = JSON.parse(text); } catch { /* keep text */ }
  return { status: res.status, body, headers: res.headers };
}

/** Runs SQL against the home's SQLite history (sqlite3 CLI, waiting up to 5 s while parley writes); returns
 *  stdout lines. */
export function sql(home, statement) {
  const out = execFileSync('sqlite3', ['-cmd', '.timeout 5000', join(home, 'data', 'chat_sessions.db'), statement], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.length > 0);
}

/** Polls `fn` until it returns a truthy value or `ms` passes. */
export async function eventually(fn, ms = 10000, what = 'condition') {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
