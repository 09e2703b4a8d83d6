// A scriptable fake of Google Cloud Storage for parley's gcs backend, written from the documented wire
// formats: the OAuth 2.0 JWT bearer grant of service accounts (POST token_uri), the XML API object routes
// (PUT/GET/DELETE /<bucket>/<object>, x-goog-if-generation-match preconditions) and V4 signed URLs
// (GOOG4-RSA-SHA256), whose signatures it VERIFIES with the public half of the service-account key.
// It can misbehave: fail the next requests with a status, answer slowly, or drop connections.
import http from 'node:http';
import { createHash, createVerify, randomBytes } from 'node:crypto';

const rfc3986 = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

function xmlError(res, status, code, message) {
  res.writeHead(status, { 'Content-Type': 'application/xml; charset=UTF-8' });
  res.end(`<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}

function b64urlJson(part) {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

/**
 * startFakeGcs({ bucket, clientEmail, publicKeyPem }) -> { url, tokenUri, objects (Map name -> {data, contentType}),
 *   requests, tokensIssued, failNext(method, status, times), dropNext(method, times), delayMs, close() }
 */
export async function startFakeGcs({ bucket, clientEmail, publicKeyPem }) {
  const objects = new Map();
  const tokens = new Set();
  const requests = [];
  const failures = [];  // { method, status, times }
  const drops = [];     // { method, times }
  const state = { delayMs: 0, tokensIssued: 0 };

  function verifySignedUrl(req, rawPath, query) {
    const sig = query.get('X-Goog-Signature');
    if (query.get('X-Goog-Algorithm') !== 'GOOG4-RSA-SHA256') return 'wrong algorithm';
    const credential = query.get('X-Goog-Credential') ?? '';
    const slash = credential.indexOf('/');
    if (credential.slice(0, slash) !== clientEmail) return 'unknown signer';
    const scope = credential.slice(slash + 1);
    const date = query.get('X-Goog-Date') ?? '';
    const expires = Number(query.get('X-Goog-Expires'));
    if (!/^\d{8}T\d{6}Z$/.test(date) || !(expires >= 1 && expires <= 604800)) return 'malformed';
    if (!scope.startsWith(`${date.slice(0, 8)}/auto/storage/goog4_request`)) return 'bad scope';
    const signedAt = Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8), +date.slice(9, 11), +date.slice(11, 13), +date.slice(13, 15));
    if (Date.now() > signedAt + expires * 1000) return 'expired';
    const params = [];
    for (const [k, v] of query) if (k !== 'X-Goog-Signature') params.push([rfc3986(k), rfc3986(v)]);
    params.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    const signedHeaders = (query.get('X-Goog-SignedHeaders') ?? '').split(';');
    // Signed `host` is the host name without the port (as in Google's V4 conformance vectors).
    const headerValue = (name) => (name === 'host' ? String(req.headers.host ?? '').replace(/:\d+$/, '') : String(req.headers[name] ?? '').trim().replace(/\s+/g, ' '));
    const canonical = [
      req.method, rawPath, params.map(([k, v]) => `${k}=${v}`).join('&'),
      signedHeaders.map((h) => `${h}:${headerValue(h)}\n`).join(''), signedHeaders.join(';'), 'UNSIGNED-PAYLOAD',
    ].join('\n');
    const stringToSign = `GOOG4-RSA-SHA256\n${date}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
    const ok = /^[0-9a-f]+$/.test(sig ?? '') && createVerify('RSA-SHA256').update(stringToSign).verify(publicKeyPem, Buffer.from(sig, 'hex'));
    return ok ? null : 'signature does not match';
  }

  function handleToken(req, res, body) {
    const form = new URLSearchParams(body);
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return xmlError(res, 400, 'unsupported_grant_type', 'grant');
    const [h, c, s] = (form.get('assertion') ?? '').split('.');
    try {
      const header = b64urlJson(h);
      const claims = b64urlJson(c);
      const verified = createVerify('RSA-SHA256').update(`${h}.${c}`).verify(publicKeyPem, Buffer.from(s, 'base64url'));
      const now = Date.now() / 1000;
      if (header.alg !== 'RS256' || !verified || claims.iss !== clientEmail || claims.aud !== api.tokenUri ||
          !String(claims.scope).includes('devstorage') || !(claims.exp > now) || !(claims.iat <= now + 60)) {
        res.writeHead(400, { 'Content-Type': 'application/json' });
        return res.end(JSON.stringify({ error: 'invalid_grant' }));
      }
    } catch {
      res.writeHead(400, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify({ error: 'invalid_request' }));
    }
    const token = `ya29.fake-${randomBytes(12).toString('hex')}`;
    tokens.add(token);
    state.tokensIssued++;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ access_token: token, expires_in: 3599, token_type: 'Bearer' }));
  }

  function handleObject(req, res, body, rawPath, query) {
    const prefix = `/${bucket}/`;
    if (!rawPath.startsWith(prefix)) return xmlError(res, 404, 'NoSuchBucket', 'The specified bucket does not exist.');
    const name = rawPath.slice(prefix.length).split('/').map(decodeURIComponent).join('/');
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    if (bearer) {
      if (!tokens.has(bearer[1])) return xmlError(res, 401, 'AuthenticationRequired', 'Invalid Credentials');
    } else if (req.method === 'GET' && query.has('X-Goog-Signature')) {
      const why = verifySignedUrl(req, rawPath, query);
      if (why === 'expired') return xmlError(res, 400, 'ExpiredToken', 'The provided token has expired.');
      if (why) return xmlError(res, 403, 'SignatureDoesNotMatch', why);
    } else {
      return xmlError(res, 401, 'AuthenticationRequired', 'Anonymous caller');
    }
    if (req.method === 'PUT') {
      const precondition = req.headers['x-goog-if-generation-match'];
      if (precondition === undefined) return xmlError(res, 400, 'MissingPrecondition', 'this fake requires x-goog-if-generation-match');
      if (precondition === '0' && objects.has(name)) return xmlError(res, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold.');
      objects.set(name, { data: body, contentType: req.headers['content-type'] ?? 'application/octet-stream' });
      res.writeHead(200, { 'x-goog-generation': String(Date.now()) });
      return res.end();
    }
    const object = objects.get(name);
    if (req.method === 'GET') {
      if (!object) return xmlError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
      res.writeHead(200, { 'Content-Type': object.contentType, 'Content-Length': object.data.length });
      return res.end(object.data);
    }
    if (req.method === 'DELETE') {
      if (!object) return xmlError(res, 404, 'NoSuchKey', 'The specified key does not exist.');
      objects.delete(name);
      res.writeHead(204);
      return res.end();
    }
    return xmlError(res, 405, 'MethodNotAllowed', req.method);
  }

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const qIndex = req.url.indexOf('?');
      const rawPath = qIndex < 0 ? req.url : req.url.slice(0, qIndex);
      const query = new URLSearchParams(qIndex < 0 ? '' : req.url.slice(qIndex + 1));
      requests.push({ method: req.method, path: rawPath, headers: req.headers, query: Object.fromEntries(query) });
      const drop = drops.find((d) => d.method === req.method && d.times > 0);
      if (drop) { drop.times--; req.socket.destroy(); return; }
      if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
      if (rawPath === '/token' && req.method === 'POST') return handleToken(req, res, body.toString('utf8'));
      const failure = failures.find((f) => f.method === req.method && f.times > 0);
      if (failure) { failure.times--; return xmlError(res, failure.status, 'InternalError', 'scripted failure'); }
      handleObject(req, res, body, rawPath, query);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  const api = {
    url, tokenUri: `${url}/token`, objects, requests,
    get tokensIssued() { return state.tokensIssued; },
    set delayMs(v) { state.delayMs = v; },
    failNext(method, status, times = 1) { failures.push({ method, status, times }); },
    dropNext(method, times = 1) { drops.push({ method, times }); },
    reset() { failures.length = 0; drops.length = 0; state.delayMs = 0; },
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
  return api;
}
