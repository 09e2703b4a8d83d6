// Shared by the Google tests: a home with the OAuth client file and token files from tests/data/google
// pointed at the fake Google, and a built-in server spoken to over stdio as parley speaks to it.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parleyBin } from '../lib/parley.mjs';

export const dataDir = new URL('../data/google/', import.meta.url);
export const dataFile = (name) => readFileSync(new URL(name, dataDir), 'utf8');
export const SCOPES = ['calendar', 'tasks', 'gmail.readonly', 'gmail.modify', 'gmail.send', 'gmail.compose', 'gmail.labels', 'drive']
  .map((s) => `https://www.googleapis.com/auth/${s}`);

/** A home with credentials/client_secret_web.json aimed at `fake`; `tokens` maps file names to contents. */
export function googleHome(fake, tokens = {}) {
  const home = mkdtempSync(join(tmpdir(), 'parley-google-'));
  mkdirSync(join(home, 'credentials'), { recursive: true });
  writeFileSync(join(home, 'credentials', 'client_secret_web.json'),
    dataFile('client_secret_web.json').replace('AUTH_URI', fake.authUri).replace('TOKEN_URI', fake.tokenUri));
  if (Object.keys(tokens).length) mkdirSync(join(home, 'data', 'tokens'), { recursive: true, mode: 0o700 });
  for (const [name, text] of Object.entries(tokens)) writeFileSync(join(home, 'data', 'tokens', name), text.replaceAll('TOKEN_URI', fake.tokenUri));
  return { home, remove: () => rmSync(home, { recursive: true, force: true }) };
}

/** A token file for user@example.com with a live access token the fake accepts. */
export function liveToken(fake, { access = 'ya29.live-' + Math.random().toString(16).slice(2), refresh = '1//legacy-refresh-token-0001', expiry = '2099-01-01T00:00:00Z' } = {}) {
  fake.grantAccess(access);
  return JSON.stringify({ token: access, refresh_token: refresh, token_uri: fake.tokenUri, client_id: fake.state.clientId,
    client_secret: fake.state.clientSecret, scopes: SCOPES, universe_domain: 'googleapis.com', account: '', expiry });
}

/** Spawns `parley mcp-server <name>`, initialized; call(tool, args) resolves the tools/call result. */
export async function startGoogleServer(name, home, env = {}) {
  const proc = spawn(parleyBin, ['mcp-server', name], {
    cwd: home,
    env: { PATH: process.env.PATH, LANG: 'C.UTF-8', PARLEY_HOME: home, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let buffer = '';
  let stderr = '';
  const waiting = new Map();
  proc.stdout.on('data', (d) => {
    buffer += d.toString();
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const msg = JSON.parse(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
      waiting.get(msg.id)?.(msg);
      waiting.delete(msg.id);
    }
  });
  proc.stderr.on('data', (d) => { stderr += d.toString(); });
  const exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })));
  let nextId = 1;
  const request = (method, params) => {
    const id = nextId++;
    const p = new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no answer to ${method}; stderr: ${stderr}`)), 30000);
      waiting.set(id, (msg) => { clearTimeout(timer); res(msg); });
    });
    proc.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) }) + '\n');
    return p;
  };
  await request('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test', version: '1' } });
  proc.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
  return {
    proc, stderr: () => stderr, request,
    async tools() { return (await request('tools/list')).result.tools; },
    async call(tool, args = {}) {
      const r = await request('tools/call', { name: tool, arguments: args });
      if (!r.result) throw new Error(JSON.stringify(r));
      return r.result;
    },
    async close() { proc.stdin.end(); return exited; },
  };
}

export const text = (result) => result.content.map((c) => c.text).join('\n');
