#!/usr/bin/env node
// The client the MCP conformance suite runs: maps the scenario it names (MCP_CONFORMANCE_SCENARIO, with its
// MCP_CONFORMANCE_CONTEXT) onto `parley mcp ...` — the same client code the chat uses — against the server URL
// the suite appends as the last argument. Each run gets a fresh PARLEY_HOME, so stored tokens never leak
// between scenarios. Exits with parley's exit code.
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const parley = process.env.PARLEY_BIN ?? join(root, 'build', 'parley');
const url = process.argv[process.argv.length - 1];
const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}');
const home = mkdtempSync(join(tmpdir(), 'parley-conformance-'));
writeFileSync(join(home, 'data.json'), '{}');

// Secrets travel in the environment, never on the command line (where `ps` shows them).
const env = { ...process.env, PARLEY_HOME: home };
delete env.MCP_CONFORMANCE_CONTEXT;

// The authorization servers of the suite approve at once: parley "opens" the authorization URL by fetching it
// and following its redirects to the local callback, as a browser would.
const authorize = ['--headless-authorization', '--client-metadata-url', 'https://conformance-test.local/client-metadata.json'];

function options() {
  if (context.idp_id_token) {  // SEP-990: an enterprise IdP's ID token exchanged for an ID-JAG
    env.PARLEY_MCP_CLIENT_SECRET = context.client_secret;
    env.PARLEY_MCP_IDP_ID_TOKEN = context.idp_id_token;
    return ['--client-id', context.client_id, '--idp-token-endpoint', context.idp_token_endpoint,
      '--idp-client-id', context.idp_client_id];
  }
  if (context.private_key_pem) {  // client credentials with a signed JWT (private_key_jwt)
    const key = join(home, 'client-key.pem');
    writeFileSync(key, context.private_key_pem, { mode: 0o600 });
    return ['--client-credentials', '--client-id', context.client_id, '--private-key-file', key,
      '--signing-algorithm', context.signing_algorithm ?? 'ES256'];
  }
  if (context.client_secret && scenario.startsWith('auth/client-credentials')) {
    env.PARLEY_MCP_CLIENT_SECRET = context.client_secret;
    return ['--client-credentials', '--client-id', context.client_id];
  }
  if (context.client_secret) {  // a pre-registered client
    env.PARLEY_MCP_CLIENT_SECRET = context.client_secret;
    return [...authorize, '--client-id', context.client_id];
  }
  return authorize;
}

// PARLEY_CONFORMANCE_LOG=<file>: parley's stderr goes there too (the suite does not show a client's output).
const log = process.env.PARLEY_CONFORMANCE_LOG;

function run(args) {
  const r = spawnSync(parley, args, { env, stdio: ['inherit', 'inherit', log ? 'pipe' : 'inherit'], timeout: 25000 });
  if (log) {
    appendFileSync(log, `== ${scenario}: parley ${args.join(' ')} -> ${r.status} ${r.signal ?? ''} ${r.error ?? ''}\n${r.stderr ?? ''}\n`);
    process.stderr.write(r.stderr ?? '');
  }
  if (r.error) {
    console.error(`cannot run ${parley}: ${r.error.message}`);
    return 1;
  }
  return r.status ?? 1;
}

let code;
switch (scenario) {
  case 'initialize':
    code = run(['mcp', 'tools', url]);
    break;
  case 'tools_call':
    code = run(['mcp', 'call', url, 'add_numbers', JSON.stringify({ a: 5, b: 3 })]);
    break;
  case 'elicitation-sep1034-client-defaults':
    code = run(['mcp', 'call', url, 'test_client_elicitation_defaults', '{}', '--elicitation', 'accept-defaults']);
    break;
  case 'sse-retry':
    code = run(['mcp', 'call', url, 'test_reconnection', '{}']);
    break;
  default:
    if (!scenario.startsWith('auth/')) {
      console.error(`tests/conformance/client.mjs: no mapping for scenario '${scenario}'`);
      code = 2;
      break;
    }
    // What an MCP host does once connected: list the tools, then call one (a second process, which finds the
    // stored tokens — or is refused and steps up).
    code = run(['mcp', 'tools', url, ...options()]);
    if (code === 0) code = run(['mcp', 'call', url, 'test-tool', '{}', ...options()]);
}
rmSync(home, { recursive: true, force: true });
process.exit(code);
