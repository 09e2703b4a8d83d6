// HTTPS served by parley itself (PARLEY_TLS_CERT_FILE / PARLEY_TLS_KEY_FILE) with a real TLS client: the
// certificate made by `parley cert --self-signed` trusted as the CA, /health and a streamed chat turn over TLS,
// the client's leaving seen over TLS, old protocols and ciphers refused, plain HTTP on the TLS port answered and
// closed without holding up others, the redirect listener, and SIGHUP reloading the pair (a broken one kept out).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import http from 'node:http';
import tls from 'node:tls';
import net from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync, statSync, rmSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startParley } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';
import { rawExchange, parseResponse, waitFor, within } from '../lib/http.mjs';

let dir, up, p, ca, redirectPort;

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

async function makeCert(outDir, hosts, extra = []) {
  const r = await startParley({ args: ['cert', '--self-signed', ...hosts, '--out', outDir, ...extra], expectExit: true });
  assert.equal(r.code, 0, r.output());
  return r.output();
}

// One TLS connection: the negotiated protocol, ALPN and the server certificate's SHA-256 fingerprint.
function handshake(opts = {}) {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: p.port, ca, ...opts }, () => {
      const info = { protocol: s.getProtocol(), alpn: s.alpnProtocol, fingerprint: s.getPeerCertificate().fingerprint256, cipher: s.getCipher().name };
      s.end();
      resolve(info);
    });
    s.on('error', reject);
  });
}

function request(path, { method = 'GET', body, headers = {}, port = p.port, ca: trusted = ca } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path, method, ca: trusted, agent: false, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text, get json() { return JSON.parse(text); } }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parley-https-'));
  const printed = await makeCert(dir, ['localhost', '127.0.0.1', '::1']);
  assert.match(printed, new RegExp(`PARLEY_TLS_CERT_FILE=${join(dir, 'cert.pem')}`));
  assert.match(printed, new RegExp(`PARLEY_TLS_KEY_FILE=${join(dir, 'key.pem')}`));
  for (const platform of ['Linux', 'macOS', 'Android', 'iOS', 'Firefox']) assert.ok(printed.includes(platform), platform);
  assert.equal(statSync(join(dir, 'key.pem')).mode & 0o777, 0o600);
  ca = readFileSync(join(dir, 'cert.pem'));
  up = await startFakeUpstream();
  redirectPort = await freePort();
  p = await startParley({ env: {
    OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-test-tls-0123456789',
    PARLEY_TLS_CERT_FILE: join(dir, 'cert.pem'), PARLEY_TLS_KEY_FILE: join(dir, 'key.pem'),
    PARLEY_TLS_REDIRECT_PORT: String(redirectPort), PARLEY_HEADER_TIMEOUT_SECONDS: '2',
  } });
  assert.match(p.url, /^https:\/\//);
});
after(async () => { await p?.stop(); await up?.stop(); if (dir) rmSync(dir, { recursive: true, force: true }); });

test('the cert command refuses what is not a host, and will not overwrite without --force', async () => {
  const bad = await startParley({ args: ['cert', '--self-signed', 'localhost:8000', '--out', join(dir, 'bad')], expectExit: true });
  assert.equal(bad.code, 2);
  assert.match(bad.output(), /without a port/);
  const again = await startParley({ args: ['cert', '--self-signed', 'localhost', '--out', dir], expectExit: true });
  assert.equal(again.code, 1);
  assert.match(again.output(), /--force/);
  assert.deepEqual(readFileSync(join(dir, 'cert.pem')), ca, 'the certificate is untouched');
});

test('/health over TLS 1.3 with ALPN http/1.1, with the certificate expiry', async () => {
  const hs = await handshake({ ALPNProtocols: ['h2', 'http/1.1'], servername: 'localhost' });
  assert.equal(hs.protocol, 'TLSv1.3');
  assert.equal(hs.alpn, 'http/1.1');
  const res = await request('/health');
  assert.equal(res.status, 200, res.text);
  const body = JSON.parse(res.text);
  assert.equal(body.status, 'ok');
  for (const k of ['default_model', 'active_model', 'version', 'database', 'storage', 'warnings']) assert.ok(k in body, k);
  assert.equal(body.tls.certificate_days_left, 824);
  assert.equal(body.tls.certificate_sha256, hs.fingerprint);
  assert.deepEqual(body.tls.certificate_names, ['localhost', '127.0.0.1', '::1']);
  assert.ok(!body.warnings.some((w) => /TLS/.test(w)), JSON.stringify(body.warnings));
});

test('TLS 1.2 gets ECDHE with AEAD only; TLS 1.1 and CBC ciphers are refused', async () => {
  const tls12 = await handshake({ maxVersion: 'TLSv1.2' });
  assert.equal(tls12.protocol, 'TLSv1.2');
  assert.match(tls12.cipher, /^ECDHE-ECDSA-(AES\d+-GCM|CHACHA20-POLY1305)/);
  // The client is allowed to offer these (security level 0), so a refusal is the server's.
  await assert.rejects(handshake({ minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' }),
    (e) => /PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|VERSION_TOO_LOW/i.test(`${e.code} ${e.message}`) || assert.fail(`${e.code} ${e.message}`));
  await assert.rejects(handshake({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384@SECLEVEL=0' }),
    (e) => /HANDSHAKE_FAILURE|NO_SHARED_CIPHER/i.test(`${e.code} ${e.message}`) || assert.fail(`${e.code} ${e.message}`));
  assert.equal((await request('/health')).status, 200, 'the server goes on');
});

const userMsg = (text) => ({ role: 'user', content: text, client_message_id: 'user_' + Math.random().toString(16).slice(2) });

test('a streamed chat turn over TLS', async () => {
  await up.script([{ content: ['Hello ', 'over ', 'TLS.'] }]);
  const res = await request('/api/chat/stream', { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ messages: [userMsg('Hi')] }) });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
  const data = res.text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6));
  assert.equal(data.at(-1), '[DONE]');
  const content = data.filter((d) => d !== '[DONE]').map((d) => JSON.parse(d).choices?.[0]?.delta?.content ?? '').join('');
  assert.equal(content, 'Hello over TLS.');
});

test('a browser leaving a TLS stream aborts the upstream', async () => {
  await up.script([{ content: Array.from({ length: 100 }, (_, i) => `w${i} `), delay_ms: 50 }]);
  const before = await up.closed();
  let got = '';
  const req = https.request({ host: '127.0.0.1', port: p.port, path: '/api/chat/stream', method: 'POST', ca, agent: false,
    headers: { 'Content-Type': 'application/json' } }, (res) => res.on('data', (d) => { got += d; }));
  req.on('error', () => {});
  req.end(JSON.stringify({ messages: [userMsg('cancel me')] }));
  await waitFor(() => got.includes('w3 '), 5000);
  req.destroy();
  const closed = await up.waitFor({ closed_early: before.closed_early + 1 }, 3000);
  assert.equal(closed.closed_early, before.closed_early + 1);
});

test('plain HTTP on the TLS port gets a 400 and the close; a silent client is closed at the handshake deadline', async () => {
  const plain = await rawExchange(p.port, 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  assert.ok(plain.closed, 'closed');
  const res = parseResponse(plain.data);
  assert.equal(res.status, 400);
  assert.match(res.body, /HTTPS/);
  // Garbage and silence: closed, and HTTPS goes on meanwhile.
  const garbage = rawExchange(p.port, Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff, 1, 2, 3]), { timeoutMs: 6000 });
  const silent = rawExchange(p.port, '', { timeoutMs: 6000 });
  assert.equal((await request('/health')).status, 200);
  assert.ok((await garbage).closed, 'garbage closed');
  const s = await silent;
  assert.ok(s.closed, 'silent client closed');
  assert.ok(s.ms >= 1500 && s.ms < 5000, `closed after ${s.ms} ms (deadline 2 s)`);
});

test('the redirect listener answers 308 to the https address, for this server\'s names only', async () => {
  const res = await new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: redirectPort, path: '/api/conversations?limit=5&q=a%20b', agent: false }, (r) => {
      r.resume();
      r.on('end', () => resolve(r));
    }).on('error', reject);
  });
  assert.equal(res.statusCode, 308);
  assert.equal(res.headers.location, `https://127.0.0.1:${p.port}/api/conversations?limit=5&q=a%20b`);
  const localhost = parseResponse((await rawExchange(redirectPort, `GET / HTTP/1.1\r\nHost: localhost:${redirectPort}\r\nConnection: close\r\n\r\n`)).data);
  assert.equal(localhost.status, 308);
  assert.equal(localhost.headers.location, `https://localhost:${p.port}/`);
  const v6 = parseResponse((await rawExchange(redirectPort, `GET /a?b HTTP/1.1\r\nHost: [::1]:${redirectPort}\r\nConnection: close\r\n\r\n`)).data);
  assert.equal(v6.status, 308);
  assert.equal(v6.headers.location, `https://[::1]:${p.port}/a?b`);
  const foreign = parseResponse((await rawExchange(redirectPort, 'GET / HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n')).data);
  assert.equal(foreign.status, 403);
  assert.equal(foreign.headers.location, undefined);
  const odd = parseResponse((await rawExchange(redirectPort, 'GET / HTTP/1.1\r\nHost: a/b@c\r\nConnection: close\r\n\r\n')).data);
  assert.equal(odd.status, 400);
  const none = parseResponse((await rawExchange(redirectPort, 'GET / HTTP/1.0\r\n\r\n')).data);
  assert.equal(none.status, 400);
});

test('SIGHUP without HTTPS is logged and ignored: the server goes on serving (systemctl reload is safe)', async () => {
  const p = await startParley();
  try {
    const from = p.output().length;
    p.proc.kill('SIGHUP');
    await p.waitForOutput(/SIGHUP: nothing to reload \(HTTPS is off\)/, 10000, from);
    assert.equal((await fetch(`${p.url}/health`)).status, 200);
    assert.equal(p.proc.exitCode, null);
  } finally {
    await p.stop();
  }
});

test('SIGHUP serves a new certificate to new connections; a broken pair is logged and the old one kept', async () => {
  const first = await handshake();
  const other = mkdtempSync(join(dir, 'next-'));
  await makeCert(other, ['127.0.0.1', 'localhost']);
  const nextCa = readFileSync(join(other, 'cert.pem'));
  copyFileSync(join(other, 'key.pem'), join(dir, 'key.pem'));
  copyFileSync(join(other, 'cert.pem'), join(dir, 'cert.pem'));
  let from = p.output().length;
  p.proc.kill('SIGHUP');
  await p.waitForOutput(/TLS certificate reloaded/, 10000, from);
  const second = await handshake({ ca: nextCa });
  assert.notEqual(second.fingerprint, first.fingerprint);
  assert.equal((await request('/health', { ca: nextCa })).json.tls.certificate_sha256, second.fingerprint);

  writeFileSync(join(dir, 'cert.pem'), '-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n');
  from = p.output().length;
  p.proc.kill('SIGHUP');
  await p.waitForOutput(/TLS certificate was not reloaded/, 10000, from);
  const third = await handshake({ ca: nextCa });
  assert.equal(third.fingerprint, second.fingerprint, 'still the last good certificate');
  ca = nextCa;  // what the server presents from here on
});

test('a certificate close to its expiry is a /health warning; a missing key stops the start', async () => {
  const soon = mkdtempSync(join(dir, 'soon-'));
  await makeCert(soon, ['127.0.0.1'], ['--days', '5']);
  const q = await startParley({ env: { PARLEY_TLS_CERT_FILE: join(soon, 'cert.pem'), PARLEY_TLS_KEY_FILE: join(soon, 'key.pem') } });
  try {
    const body = (await request('/health', { port: q.port, ca: readFileSync(join(soon, 'cert.pem')) })).json;
    assert.equal(body.tls.certificate_days_left, 4);
    assert.ok(body.warnings.some((w) => /TLS certificate .* expires in 4 days/.test(w)), JSON.stringify(body.warnings));
  } finally { await q.stop(); }
  const half = await startParley({ env: { PARLEY_TLS_CERT_FILE: join(soon, 'cert.pem') }, expectExit: true });
  assert.equal(half.code, 2);
  assert.match(half.output(), /PARLEY_TLS_CERT_FILE and PARLEY_TLS_KEY_FILE go together/);
  const missing = await startParley({ env: { PARLEY_TLS_CERT_FILE: join(soon, 'cert.pem'), PARLEY_TLS_KEY_FILE: join(soon, 'nope.pem') }, expectExit: true });
  assert.notEqual(missing.code, 0);
  assert.match(missing.output(), /cannot read the TLS key file .*nope\.pem/);
});

test('over TLS the connection limit closes an idle connection for a new client, and SIGTERM lets a stream finish', async () => {
  const own = mkdtempSync(join(dir, 'cap-'));
  await makeCert(own, ['127.0.0.1']);
  const q = await startParley({ env: { PARLEY_TLS_CERT_FILE: join(own, 'cert.pem'), PARLEY_TLS_KEY_FILE: join(own, 'key.pem'),
    PARLEY_MAX_CONNECTIONS: '2' } });
  const trusted = readFileSync(join(own, 'cert.pem'));
  try {
    // Two connections that finished their handshake and sit idle fill the limit.
    const idle = await Promise.all([0, 1].map(() => new Promise((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port: q.port, ca: trusted }, () => resolve(s));
      s.on('error', reject);
    })));
    const closedIdle = idle.map((s) => new Promise((r) => s.on('close', r)));
    const res = await request('/health', { port: q.port, ca: trusted });
    assert.equal(res.status, 200, 'the new client got in');
    assert.ok(await within(Promise.race(closedIdle), 3000), 'an idle connection was closed to make room');
    idle.forEach((s) => s.destroy());

    // A stream over TLS runs to its end after SIGTERM, then the process exits 0.
    let text = '';
    const streamDone = new Promise((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: q.port, path: '/api/chat/test-stream', ca: trusted, agent: false }, (r) => {
        r.setEncoding('utf8');
        r.on('data', (d) => { text += d; });
        r.on('end', resolve);
      }).on('error', reject);
    });
    await waitFor(() => text.includes('Hello'), 5000);
    q.proc.kill('SIGTERM');
    await streamDone;
    assert.match(text, /"server!"[\s\S]*data: \[DONE\]/);
    const { code } = await q.exited;
    assert.equal(code, 0);
  } finally { await q.stop(); }
});

test('a TLS client that closes politely (close_notify, then FIN) during a non-streaming /v1 request stops the upstream', async () => {
  const created = await request('/api/keys', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'tls' }) });
  assert.equal(created.status, 201, created.text);
  const before = await up.closed();
  await up.script([{ content: Array.from({ length: 200 }, (_, i) => `w${i} `), delay_ms: 50 }]);
  const chatRequests = async () => (await up.requests()).filter((r) => r.path === '/chat/completions').length;
  const chatBefore = await chatRequests();
  const body = JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'long' }] });
  const s = tls.connect({ host: '127.0.0.1', port: p.port, ca });
  s.on('error', () => {});
  await new Promise((r) => s.on('secureConnect', r));
  s.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${created.json.key}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  assert.ok(await waitFor(async () => (await chatRequests()) > chatBefore, 5000), 'the upstream request started');
  s.end();  // close_notify and FIN: the server sees TLS bytes before the end of the stream
  const closed = await up.waitFor({ closed_early: before.closed_early + 1 }, 3000);
  assert.equal(closed.closed_early, before.closed_early + 1);
});

test('a certificate file with its chain: the client trusting only the root verifies the server', async () => {
  const chainDir = mkdtempSync(join(dir, 'chain-'));
  const ssl = (...args) => execFileSync('openssl', args, { cwd: chainDir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'root.key', '-out', 'root.pem', '-days', '2', '-subj', '/CN=parley test root',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  writeFileSync(join(chainDir, 'inter.cnf'), 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign\n');
  ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'inter.key', '-out', 'inter.csr', '-subj', '/CN=parley test intermediate');
  ssl('x509', '-req', '-in', 'inter.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-out', 'inter.pem', '-days', '2', '-extfile', 'inter.cnf');
  writeFileSync(join(chainDir, 'leaf.cnf'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=127.0.0.1');
  ssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'inter.pem', '-CAkey', 'inter.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '2', '-extfile', 'leaf.cnf');
  writeFileSync(join(chainDir, 'fullchain.pem'), Buffer.concat([readFileSync(join(chainDir, 'leaf.pem')), readFileSync(join(chainDir, 'inter.pem'))]));
  const token = 'tls-token-0123456789abcdef';
  const q = await startParley({ env: { PARLEY_TLS_CERT_FILE: join(chainDir, 'fullchain.pem'), PARLEY_TLS_KEY_FILE: join(chainDir, 'leaf.key'), PARLEY_AUTH_TOKEN: token } });
  try {
    const root = readFileSync(join(chainDir, 'root.pem'));
    const res = await request('/health', { port: q.port, ca: root });
    // Over TLS the request is https: the login cookie is Secure.
    const login = await request('/api/auth/login', { port: q.port, ca: root, method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ password: token }) });
    assert.equal(login.status, 200, login.text);
    assert.match(String(login.headers['set-cookie']), /;\s*Secure/i);
    assert.equal(res.status, 200);
    assert.equal(res.json.tls.certificate_subject, 'CN=127.0.0.1');
    assert.equal(res.json.tls.certificate_days_left, 1);
    assert.ok(res.json.warnings.some((w) => /expires in 1 day:/.test(w)), JSON.stringify(res.json.warnings));
  } finally { await q.stop(); }
});
