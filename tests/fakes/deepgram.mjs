// A fake Deepgram token endpoint (POST /v1/auth/grant, documented at developers.deepgram.com "Token-based
// auth"): answers {"access_token": <JWT>, "expires_in": <ttl>} for the right `Authorization: Token <key>`, and
// misbehaves on request. POST /__control/next queues answers: {"status", "body" (object or raw string),
// "headers", "delay_ms", "drop": true}. GET /__control/requests lists what was received.
import http from 'node:http';

const args = process.argv.slice(2);
const port = Number(args[args.indexOf('--port') + 1] || 0);
const key = process.env.FAKE_DEEPGRAM_KEY || 'dg-test-key';
const queue = [];
const requests = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const b64url = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');

const server = http.createServer(async (req, res) => {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (req.url.startsWith('/__control/')) {
    res.setHeader('Content-Type', 'application/json');
    if (req.url === '/__control/next' && req.method === 'POST') { queue.push(...[].concat(JSON.parse(raw))); return res.end('{}'); }
    if (req.url === '/__control/requests') return res.end(JSON.stringify(requests));
    res.statusCode = 404; return res.end('{}');
  }
  requests.push({ method: req.method, url: req.url, headers: req.headers, body: raw });
  if (req.method !== 'POST' || req.url !== '/v1/auth/grant') {
    res.writeHead(404, { 'Content-Type': 'application/json' });
    return res.end(JSON.stringify({ err_code: 'NOT_FOUND', err_msg: 'Not found' }));
  }
  const step = queue.shift() ?? {};
  if (step.delay_ms) await sleep(step.delay_ms);
  if (step.drop) { res.socket.destroy(); return; }
  if (step.status) {
    res.writeHead(step.status, { 'Content-Type': 'application/json', ...(step.headers ?? {}) });
    return res.end(typeof step.body === 'string' ? step.body : JSON.stringify(step.body ?? {}));
  }
  if (req.headers.authorization !== `Token ${key}`) {
    res.writeHead(401, { 'Content-Type': 'application/json' });
    return res.end(JSON.stringify({ err_code: 'INVALID_AUTH', err_msg: 'Invalid credentials.' }));
  }
  let ttl = 30;
  try { ttl = JSON.parse(raw).ttl_seconds ?? 30; } catch { /* Deepgram would 400; the test checks the body */ }
  const now = Math.floor(Date.now() / 1000);
  const jwt = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ iat: now, exp: now + ttl })}.c2lnbmF0dXJl`;
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ access_token: jwt, expires_in: ttl }));
});
server.listen(port, '127.0.0.1', () => console.log(`fake-deepgram listening on http://127.0.0.1:${server.address().port}`));
