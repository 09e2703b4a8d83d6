// Authentication, bind refusal, the Host check and CORS (api.md §0.7, §8.8) on the real binary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startParley } from '../lib/parley.mjs';
import { rawGet } from '../lib/http.mjs';

const TOKEN = 'tok-' + 'a1b2c3d4e5f6'.repeat(3);

test('with PARLEY_AUTH_TOKEN, API routes need the bearer token; open routes stay open', async () => {
  const p = await startParley({ env: { PARLEY_AUTH_TOKEN: TOKEN } });
  try {
    let res = await fetch(`${p.url}/api/chat/test-stream`);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer');
    assert.deepEqual(await res.json(), { detail: 'Not authenticated' });
    res = await fetch(`${p.url}/api/chat/test-stream`, { headers: { Authorization: 'Bearer wrong-token' } });
    assert.equal(res.status, 401);
    res = await fetch(`${p.url}/api/chat/test-stream`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200);
    await res.text();
    res = await fetch(`${p.url}/api/unknown`);
    assert.equal(res.status, 401, 'unknown API paths do not reveal themselves without auth');
    for (const path of ['/health', '/favicon.ico', '/', '/c/some-page']) {
      res = await fetch(`${p.url}${path}`);
      assert.equal(res.status, 200, path);
    }
    res = await fetch(`${p.url}/api/auth/status`);
    assert.deepEqual(await res.json(), { auth_required: true, authenticated: false });
    res = await fetch(`${p.url}/api/auth/status`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.deepEqual(await res.json(), { auth_required: true, authenticated: true });
  } finally { await p.stop(); }
});

test('wrong passwords are 401, and the sixth failure within a minute is 429 with Retry-After', async () => {
  const p = await startParley({ env: { PARLEY_AUTH_TOKEN: TOKEN } });
  try {
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${p.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ password: `nope-${i}` }) });
      assert.equal(res.status, 401);
      assert.deepEqual(await res.json(), { detail: 'Invalid password' });
    }
    const res = await fetch(`${p.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ password: TOKEN }) });
    assert.equal(res.status, 429);
    assert.deepEqual(await res.json(), { detail: 'Too many login attempts; try again later' });
    const wait = Number(res.headers.get('retry-after'));
    assert.ok(wait >= 1 && wait <= 60, `Retry-After ${wait}`);
  } finally { await p.stop(); }
});

test('without authentication, login reports that none is required', async () => {
  const p = await startParley();
  try {
    let res = await fetch(`${p.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"password":"anything"}' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { authenticated: true, auth_required: false });
    assert.equal(res.headers.get('set-cookie'), null);
    res = await fetch(`${p.url}/api/auth/status`);
    assert.deepEqual(await res.json(), { auth_required: false, authenticated: true });
    res = await fetch(`${p.url}/api/auth/logout`, { method: 'POST' });
    assert.equal(res.status, 204);
    assert.match(res.headers.get('set-cookie'), /^parley_session=; HttpOnly; SameSite=Strict; Path=\/; Max-Age=0/);
    assert.equal(res.headers.get('content-type'), null);
  } finally { await p.stop(); }
});

test('binding a non-loopback address without auth is refused with a message naming the ways out', async () => {
  const r = await startParley({ env: { PARLEY_HOST: '0.0.0.0' }, expectExit: true });
  assert.notEqual(r.code, 0);
  const out = r.output();
  for (const word of ['PARLEY_AUTH_TOKEN', 'parley passwd', 'PARLEY_ALLOW_NO_AUTH']) assert.ok(out.includes(word), `${word} in:\n${out}`);
  await r.stop();
});

test('a non-loopback bind starts with a token or with PARLEY_ALLOW_NO_AUTH=1', async () => {
  for (const env of [{ PARLEY_HOST: '0.0.0.0', PARLEY_AUTH_TOKEN: TOKEN }, { PARLEY_HOST: '0.0.0.0', PARLEY_ALLOW_NO_AUTH: '1' }]) {
    const p = await startParley({ env });
    try {
      const res = await fetch(`http://127.0.0.1:${p.port}/health`);
      assert.equal(res.status, 200);
    } finally { await p.stop(); }
  }
});

test('without auth, requests naming a foreign Host are refused (DNS rebinding), /health exempt', async () => {
  const p = await startParley({ env: { PARLEY_ALLOWED_HOSTS: 'chat.home.arpa', PARLEY_PUBLIC_URL: 'https://parley.example.org' } });
  try {
    let r = await rawGet(p.port, '/api/auth/status', '').then((x) => x);
    assert.equal(r.status, 200);
    const foreign = async (host, path = '/api/auth/status') => {
      const { rawExchange, parseResponse } = await import('../lib/http.mjs');
      return parseResponse((await rawExchange(p.port, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`)).data);
    };
    r = await foreign('evil.example:8000');
    assert.equal(r.status, 403);
    assert.deepEqual(JSON.parse(r.body), { detail: 'Host not allowed' });
    assert.ok(r.headers['x-request-id']);
    r = await foreign('evil.example', '/');
    assert.equal(r.status, 403, 'the UI is protected too');
    assert.equal((await foreign('evil.example', '/health')).status, 200);
    for (const ok of ['localhost:8000', '127.0.0.1', '[::1]:8000', 'chat.home.arpa', 'parley.example.org', 'LOCALHOST']) {
      assert.equal((await foreign(ok)).status, 200, ok);
    }
  } finally { await p.stop(); }
});

test('CORS is off by default and answers only the configured origins', async () => {
  let p = await startParley();
  try {
    const res = await fetch(`${p.url}/api/auth/status`, { headers: { Origin: 'https://other.example' } });
    assert.equal(res.headers.get('access-control-allow-origin'), null);
    const pre = await fetch(`${p.url}/api/auth/status`, { method: 'OPTIONS', headers: { Origin: 'https://other.example', 'Access-Control-Request-Method': 'GET' } });
    assert.equal(pre.status, 400);
    assert.deepEqual(await pre.json(), { detail: 'Disallowed CORS origin' });
  } finally { await p.stop(); }

  p = await startParley({ env: { PARLEY_CORS_ORIGINS: 'https://app.example, http://localhost:5173' } });
  try {
    const pre = await fetch(`${p.url}/api/presets/`, { method: 'OPTIONS', headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type,x-request-id' } });
    assert.equal(pre.status, 200);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.equal(pre.headers.get('access-control-allow-methods'), 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT');
    assert.equal(pre.headers.get('access-control-allow-headers'), 'content-type,x-request-id');
    assert.equal(pre.headers.get('access-control-max-age'), '600');
    assert.equal(pre.headers.get('access-control-allow-credentials'), null);
    const err = await fetch(`${p.url}/api/nothing`, { headers: { Origin: 'http://localhost:5173' } });
    assert.equal(err.status, 404);
    assert.equal(err.headers.get('access-control-allow-origin'), 'http://localhost:5173', 'CORS headers on errors too');
    assert.equal(err.headers.get('access-control-expose-headers'), 'X-Request-Id');
    const other = await fetch(`${p.url}/api/presets/`, { method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET' } });
    assert.equal(other.status, 400);
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  } finally { await p.stop(); }

  p = await startParley({ env: { PARLEY_CORS_ORIGINS: '*' } });
  try {
    const res = await fetch(`${p.url}/health`, { headers: { Origin: 'https://anything.example' } });
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
  } finally { await p.stop(); }
});

test('password login sets an HttpOnly SameSite=Strict cookie that authenticates until logout', async () => {
  const p = await startParley({ env: { PARLEY_AUTH_TOKEN: TOKEN, PARLEY_SESSION_TTL_HOURS: '2' } });
  try {
    const res = await fetch(`${p.url}/api/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ password: TOKEN }) });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { authenticated: true, auth_required: true });
    const setCookie = res.headers.get('set-cookie');
    assert.match(setCookie, /^parley_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=7200$/);
    const cookie = setCookie.split(';')[0];
    let status = await (await fetch(`${p.url}/api/auth/status`, { headers: { Cookie: cookie } })).json();
    assert.deepEqual(status, { auth_required: true, authenticated: true });
    const stream = await fetch(`${p.url}/api/chat/test-stream`, { headers: { Cookie: cookie } });
    assert.equal(stream.status, 200);
    await stream.text();
    assert.equal((await fetch(`${p.url}/api/chat/test-stream`, { headers: { Cookie: 'parley_session=forged-value' } })).status, 401);
    const out = await fetch(`${p.url}/api/auth/logout`, { method: 'POST', headers: { Cookie: cookie } });
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie'), /Max-Age=0/);
    status = await (await fetch(`${p.url}/api/auth/status`, { headers: { Cookie: cookie } })).json();
    assert.deepEqual(status, { auth_required: true, authenticated: false }, 'the session is gone after logout');
  } finally { await p.stop(); }
});

test('behind a trusted proxy, X-Forwarded-Proto makes the cookie Secure and X-Forwarded-For keys the rate limit', async () => {
  const p = await startParley({ env: { PARLEY_AUTH_TOKEN: TOKEN, PARLEY_TRUST_PROXY: '1' } });
  try {
    const login = (ip, password) => fetch(`${p.url}/api/auth/login`, { method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': ip, 'X-Forwarded-Proto': 'https' }, body: JSON.stringify({ password }) });
    for (let i = 0; i < 6; i++) await login('203.0.113.7', 'wrong');
    assert.equal((await login('203.0.113.7', TOKEN)).status, 429, 'that client is limited');
    const other = await login('198.51.100.9', TOKEN);
    assert.equal(other.status, 200, 'another client is not');
    assert.match(other.headers.get('set-cookie'), /; Secure$/);
  } finally { await p.stop(); }
});
