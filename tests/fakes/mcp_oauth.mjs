#!/usr/bin/env node
// A remote MCP server behind OAuth 2.1, for parley's tests: one process is both the protected resource
// (Streamable HTTP at /mcp, JSON answers, Bearer tokens required) and its authorization server (RFC 9728
// and RFC 8414 metadata, RFC 7591 registration, the authorization endpoint with PKCE S256 and RFC 8707
// resource checks, the token endpoint with authorization_code and refresh_token grants). It follows the MCP
// 2025-11-25 authorization specification; the authorization page has an "Approve" button for a browser, or
// approves at once with `autoApprove`.
//
// Use: const s = await startOAuthMcp({ autoApprove }); s.url (the MCP URL), s.events (what happened, in
// order), s.tokens() (issued access tokens), s.stop(). Run directly it listens on PORT and prints its URL.
// `preRegistered: {client_id, client_secret, redirect_uris}` makes it an authorization server like GitHub's: no
// dynamic registration (no registration_endpoint, /register is 404), only that client, whose secret the token
// endpoint checks (client_secret_basic or client_secret_post).
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';

const b64url = (buf) => Buffer.from(buf).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function startOAuthMcp({ autoApprove = false, port = 0, scope = 'tools:read', preRegistered = null } = {}) {
  const events = [];
  const clients = new Map();   // client_id -> registration
  const codes = new Map();     // code -> {client_id, redirect_uri, challenge, resource, scope}
  const tokens = new Map();    // access token -> {scope}
  const refresh = new Map();   // refresh token -> {scope}
  let base = '';
  if (preRegistered) clients.set(preRegistered.client_id, { ...preRegistered, client_name: 'pre-registered app' });
  // The client secret a token request carries, by either method.
  const presentedSecret = (req, f) => {
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    if (basic) {
      const [id, secret] = Buffer.from(basic[1], 'base64').toString('utf8').split(':').map(decodeURIComponent);
      return { id, secret, method: 'client_secret_basic' };
    }
    return { id: f.get('client_id'), secret: f.get('client_secret'), method: f.get('client_secret') ? 'client_secret_post' : 'none' };
  };

  const json = (res, status, body, headers = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
    res.end(JSON.stringify(body));
  };
  const readBody = (req) => new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
  const issue = (s) => {
    const access = `fake-access-${b64url(randomBytes(18))}`;
    const refreshToken = `fake-refresh-${b64url(randomBytes(18))}`;
    tokens.set(access, { scope: s });
    refresh.set(refreshToken, { scope: s });
    return { access_token: access, token_type: 'Bearer', expires_in: 3600, refresh_token: refreshToken, scope: s };
  };
  const challenge = () =>
    `Bearer resource_metadata="${base}/.well-known/oauth-protected-resource/mcp", scope="${scope}"`;

  const approveUrl = (q) => {
    const back = new URL(q.get('redirect_uri'));
    const code = b64url(randomBytes(16));
    codes.set(code, { client_id: q.get('client_id'), redirect_uri: q.get('redirect_uri'),
      challenge: q.get('code_challenge'), resource: q.get('resource'), scope: q.get('scope') ?? '' });
    back.searchParams.set('code', code);
    if (q.get('state')) back.searchParams.set('state', q.get('state'));
    return back.toString();
  };

  async function mcp(req, res) {
    if (req.method === 'GET') { res.writeHead(405, { Allow: 'POST, DELETE' }); res.end(); return; }
    if (req.method === 'DELETE') { res.writeHead(200); res.end(); return; }
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    const body = await readBody(req);
    if (!tokens.has(token)) {
      events.push({ type: 'mcp-refused', hadToken: token !== '' });
      json(res, 401, { error: 'invalid_token' }, { 'WWW-Authenticate': challenge() });
      return;
    }
    let msg;
    try { msg = JSON.parse(body); } catch { json(res, 400, { error: 'not json' }); return; }
    events.push({ type: 'mcp', method: msg.method });
    if (msg.id === undefined) { res.writeHead(202); res.end(); return; }
    const answer = (result) => json(res, 200, { jsonrpc: '2.0', id: msg.id, result }, { 'Mcp-Session-Id': 'fake-oauth-session' });
    switch (msg.method) {
      case 'initialize':
        answer({ protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'fake-oauth', version: '1.0' } });
        return;
      case 'tools/list':
        answer({ tools: [{ name: 'whoami', description: 'Says who the token belongs to',
          inputSchema: { type: 'object', properties: {} } }] });
        return;
      case 'tools/call':
        answer({ content: [{ type: 'text', text: `authorized with scope ${tokens.get(token).scope}` }] });
        return;
      case 'ping':
        answer({});
        return;
      default:
        json(res, 200, { jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'Method not found' } });
    }
  }

  async function handle(req, res) {
    const u = new URL(req.url, base);
    const path = u.pathname;
    if (path === '/mcp') return mcp(req, res);
    if (path === '/.well-known/oauth-protected-resource/mcp') {
      events.push({ type: 'prm' });
      return json(res, 200, { resource: `${base}/mcp`, authorization_servers: [base], scopes_supported: [scope] });
    }
    if (path === '/.well-known/oauth-authorization-server') {
      events.push({ type: 'as-metadata' });
      return json(res, 200, {
        issuer: base, authorization_endpoint: `${base}/authorize`, token_endpoint: `${base}/token`,
        ...(preRegistered ? {} : { registration_endpoint: `${base}/register` }), response_types_supported: ['code'],
        grant_types_supported: ['authorization_code', 'refresh_token'], code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: preRegistered ? ['client_secret_basic', 'client_secret_post'] : ['none'],
        scopes_supported: [scope],
      });
    }
    if (path === '/register' && req.method === 'POST' && !preRegistered) {
      const reg = JSON.parse(await readBody(req) || '{}');
      const clientId = `client-${clients.size + 1}`;
      clients.set(clientId, reg);
      events.push({ type: 'register', redirect_uris: reg.redirect_uris });
      return json(res, 201, { client_id: clientId, client_name: reg.client_name, redirect_uris: reg.redirect_uris,
        token_endpoint_auth_method: 'none' });
    }
    if (path === '/authorize') {
      const q = u.searchParams;
      const reg = clients.get(q.get('client_id'));
      const problem = !reg ? 'unknown client'
        : reg.redirect_uris !== undefined && !reg.redirect_uris?.includes(q.get('redirect_uri')) ? 'redirect_uri not registered'
        : q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge') ? 'PKCE S256 required'
        : q.get('resource') !== `${base}/mcp` ? `wrong resource ${q.get('resource')}`
        : q.get('response_type') !== 'code' ? 'response_type must be code' : '';
      events.push({ type: 'authorize', problem, scope: q.get('scope') });
      if (problem) { res.writeHead(400, { 'Content-Type': 'text/plain' }); res.end(problem); return; }
      if (autoApprove) { res.writeHead(302, { Location: approveUrl(q) }); res.end(); return; }
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>Fake authorization server</title><h1>Authorize ${escape(reg.client_name ?? 'a client')}?</h1>
<form method="get" action="/authorize/approve">${[...q].map(([k, v]) => `<input type="hidden" name="${escape(k)}" value="${escape(v)}">`).join('')}
<button type="submit">Approve</button></form>`);
      return;
    }
    if (path === '/authorize/approve') {
      events.push({ type: 'approved' });
      res.writeHead(302, { Location: approveUrl(u.searchParams) });
      res.end();
      return;
    }
    if (path === '/token' && req.method === 'POST') {
      const f = new URLSearchParams(await readBody(req));
      if (f.get('grant_type') === 'authorization_code') {
        const c = codes.get(f.get('code'));
        codes.delete(f.get('code'));
        const verifier = f.get('code_verifier') ?? '';
        const presented = presentedSecret(req, f);
        if (preRegistered) events.push({ type: 'client-auth', method: presented.method, client_id: presented.id });
        const problem = !c ? 'unknown or used code'
          : preRegistered && (presented.id !== preRegistered.client_id || presented.secret !== preRegistered.client_secret)
            ? 'client authentication failed'
          : c.redirect_uri !== f.get('redirect_uri') ? 'redirect_uri differs'
          : c.client_id !== (f.get('client_id') ?? presented.id) ? 'client differs'
          : b64url(createHash('sha256').update(verifier).digest()) !== c.challenge ? 'PKCE verifier does not match'
          : f.get('resource') !== c.resource ? 'resource differs' : '';
        events.push({ type: 'token', grant: 'authorization_code', problem });
        if (problem) return json(res, 400, { error: 'invalid_grant', error_description: problem });
        return json(res, 200, issue(c.scope));
      }
      if (f.get('grant_type') === 'refresh_token') {
        const r = refresh.get(f.get('refresh_token'));
        events.push({ type: 'token', grant: 'refresh_token', problem: r ? '' : 'unknown refresh token' });
        if (!r) return json(res, 400, { error: 'invalid_grant' });
        return json(res, 200, issue(r.scope));
      }
      return json(res, 400, { error: 'unsupported_grant_type' });
    }
    res.writeHead(404); res.end();
  }

  const server = http.createServer((req, res) => { handle(req, res).catch((e) => { res.writeHead(500); res.end(String(e)); }); });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
  return {
    url: `${base}/mcp`, base, events,
    tokens: () => [...tokens.keys()],
    revokeAll: () => tokens.clear(),
    stop: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const s = await startOAuthMcp({ autoApprove: process.argv.includes('--auto-approve'), port: Number(process.env.PORT ?? 0) });
  console.log(s.url);
}
