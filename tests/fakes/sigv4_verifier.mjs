// A verifying front for S3-compatible test servers: s3rver checks only the access key of SigV4 requests,
// so this proxy recomputes every signature (Authorization header and presigned query, per the AWS SigV4
// documentation) with the known secret, checks the payload hash and the expiry, refuses mismatches with
// S3's 403 SignatureDoesNotMatch, and forwards what verifies to the real server unchanged.
import http from 'node:http';
import { createHash, createHmac } from 'node:crypto';

const rfc3986 = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
const sha256 = (d) => createHash('sha256').update(d).digest('hex');
const hmac = (k, d) => createHmac('sha256', k).update(d).digest();

function signingKey(secret, date, region, service) {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

function refuse(res, code, message) {
  res.writeHead(403, { 'Content-Type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}

/** startSigV4Verifier({ target: 'http://127.0.0.1:port', accessKeyId, secretAccessKey }) -> { url, verified, refused, close() } */
export async function startSigV4Verifier({ target, accessKeyId, secretAccessKey }) {
  const stats = { verified: 0, refused: 0 };

  function verify(req, body) {
    const q = req.url.indexOf('?');
    const rawPath = q < 0 ? req.url : req.url.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : req.url.slice(q + 1));
    let credential, signedHeaders, signature, amzDate, payloadHash;
    const auth = /^AWS4-HMAC-SHA256 Credential=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(req.headers.authorization ?? '');
    if (auth) {
      [, credential, signedHeaders, signature] = auth;
      amzDate = req.headers['x-amz-date'];
      payloadHash = req.headers['x-amz-content-sha256'];
      if (payloadHash !== sha256(body)) return 'payload hash does not match the body';
    } else if (query.get('X-Amz-Algorithm') === 'AWS4-HMAC-SHA256') {
      credential = query.get('X-Amz-Credential');
      signedHeaders = query.get('X-Amz-SignedHeaders');
      signature = query.get('X-Amz-Signature');
      amzDate = query.get('X-Amz-Date');
      payloadHash = 'UNSIGNED-PAYLOAD';
      const expires = Number(query.get('X-Amz-Expires'));
      if (!(expires >= 1 && expires <= 604800)) return 'bad expiry';
      const t = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(amzDate ?? '');
      if (!t || Date.now() > Date.UTC(+t[1], +t[2] - 1, +t[3], +t[4], +t[5], +t[6]) + expires * 1000) return 'expired';
    } else {
      return 'unsigned request';
    }
    const [keyId, date, region, service, terminator] = (credential ?? '').split('/');
    if (keyId !== accessKeyId || terminator !== 'aws4_request' || !amzDate?.startsWith(date)) return 'bad credential scope';
    const params = [];
    for (const [k, v] of query) if (k !== 'X-Amz-Signature') params.push([rfc3986(k), rfc3986(v)]);
    params.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    const canonicalPath = rawPath.split('/').map((seg) => rfc3986(decodeURIComponent(seg))).join('/');
    const names = signedHeaders.split(';');
    const headerText = names.map((n) => `${n}:${String(req.headers[n] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
    const canonical = [req.method, canonicalPath, params.map(([k, v]) => `${k}=${v}`).join('&'), headerText, signedHeaders, payloadHash].join('\n');
    const stringToSign = ['AWS4-HMAC-SHA256', amzDate, `${date}/${region}/${service}/aws4_request`, sha256(canonical)].join('\n');
    const expected = createHmac('sha256', signingKey(secretAccessKey, date, region, service)).update(stringToSign).digest('hex');
    return expected === signature ? null : 'signature does not match';
  }

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const why = verify(req, body);
      if (why) {
        stats.refused++;
        return refuse(res, why === 'expired' ? 'AccessDenied' : 'SignatureDoesNotMatch', why);
      }
      stats.verified++;
      const upstream = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => { res.writeHead(502); res.end(); });
      upstream.end(body);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    get verified() { return stats.verified; },
    get refused() { return stats.refused; },
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}
