// The HTTPS client against a real TLS server (api.md §3.3: "TLS certificates MUST be verified"): a certificate
// from a CA parley trusts is accepted (SNI and host name checked), one it does not trust is refused, and a
// certificate for another host name is refused. The CA is made here with the openssl command line and handed to
// parley through OpenSSL's SSL_CERT_FILE.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startParley } from '../lib/parley.mjs';

let dir, server, port, sni = [];
const ssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parley-tls-'));
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=parley test CA');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
  server = https.createServer({ key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')) }, (req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ data: [{ id: 'tls/model', name: 'Over TLS' }] }));
  });
  server.on('secureConnection', (s) => sni.push(s.servername));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  port = server.address().port;
});
after(() => { server?.close(); if (dir) rmSync(dir, { recursive: true, force: true }); });

test('a certificate from a trusted CA is accepted, with SNI', async () => {
  const p = await startParley({ env: { OPENROUTER_BASE_URL: `https://localhost:${port}/api/v1`, SSL_CERT_FILE: join(dir, 'ca.pem') } });
  try {
    const res = await fetch(`${p.url}/api/models`);
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual((await res.json()).data.map((m) => m.id), ['tls/model']);
    assert.ok(sni.includes('localhost'), `SNI seen: ${sni}`);
  } finally { await p.stop(); }
});

test('an untrusted certificate is refused with a TLS failure', async () => {
  const p = await startParley({ env: { OPENROUTER_BASE_URL: `https://localhost:${port}/api/v1`, SSL_CERT_FILE: '/nonexistent.pem', SSL_CERT_DIR: '/nonexistent' } });
  try {
    const res = await fetch(`${p.url}/api/models`);
    assert.equal(res.status, 502);
    assert.match((await res.json()).detail, /TLS failure/);
  } finally { await p.stop(); }
});

test('a trusted certificate for another host name is refused', async () => {
  const p = await startParley({ env: { OPENROUTER_BASE_URL: `https://127.0.0.1:${port}/api/v1`, SSL_CERT_FILE: join(dir, 'ca.pem') } });
  try {
    const res = await fetch(`${p.url}/api/models`);
    assert.equal(res.status, 502);
    assert.match((await res.json()).detail, /TLS failure/);
  } finally { await p.stop(); }
});
