// Bootstrapping of data/mcp_servers.json (api.md §7.2) and legacy module names on a real start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startParley } from '../lib/parley.mjs';
import { waitForStatus } from './mcp_helpers.mjs';

test('no definitions at all: the six defaults are written, Google ones disabled without a client file', async () => {
  const p = await startParley();
  try {
    const status = await waitForStatus(p, (s) => s.servers.every((x) => x.state !== 'connecting'), { what: 'settled' });
    assert.deepEqual(status.servers.map((s) => s.id),
      ['local-calculator', 'housekeeping', 'custom-calendar', 'custom-gmail', 'custom-gdrive', 'custom-pdf']);
    assert.deepEqual(status.servers.map((s) => s.enabled), [true, true, false, false, false, true]);
    const calendar = status.servers[2];
    assert.equal(calendar.state, 'disabled');
    assert.equal(calendar.connected, false);
    for (const s of status.servers.filter((x) => x.enabled)) {
      assert.equal(s.transport, 'stdio');
      // The enabled defaults are the built-in calculator, housekeeping and pdf servers (mcp_builtin_servers.test.mjs
      // covers their tools); they connect.
      assert.equal(s.state, 'connected', `${s.id}: ${s.last_error}`);
    }
    const file = JSON.parse(readFileSync(join(p.home, 'data', 'mcp_servers.json'), 'utf8'));
    assert.equal(file.servers.length, 6);
    assert.deepEqual(file.servers[0], { contexts: [], enabled: true, env: {}, id: 'local-calculator', module: 'calculator', tool_overrides: {} });
    assert.match(status.updated_at, /Z$/);
  } finally {
    await p.stop();
  }
});

test('a Google client file enables the Google defaults; an existing empty list is never supplemented', async () => {
  let p = await startParley({ files: { 'credentials/client_secret_123.json': '{}' } });
  try {
    const status = await (await fetch(`${p.url}/api/mcp/servers`)).json();
    assert.ok(status.servers.every((s) => s.enabled));
  } finally {
    await p.stop();
  }
  p = await startParley({ files: { 'data/mcp_servers.json': '{"servers": []}' } });
  try {
    const status = await (await fetch(`${p.url}/api/mcp/servers`)).json();
    assert.deepEqual(status.servers, []);
  } finally {
    await p.stop();
  }
});

test('an invalid file is backed up, reported and treated as absent', async () => {
  const p = await startParley({ files: { 'data/mcp_servers.json': '{"servers": [' } });
  try {
    const status = await (await fetch(`${p.url}/api/mcp/servers`)).json();
    assert.deepEqual(status.servers, []);
    const health = await (await fetch(`${p.url}/health`)).json();
    assert.ok(health.warnings.some((w) => w.includes('mcp_servers.json') && w.includes('.corrupt-')), JSON.stringify(health.warnings));
    assert.equal(readFileSync(join(p.home, 'data', 'mcp_servers.json'), 'utf8'), '{"servers": [', 'never silently overwritten');
  } finally {
    await p.stop();
  }
});

test('an old file\'s Google servers load unchanged and connect; an unknown module fails once and is not restarted', async () => {
  // The Google entries as the system parley replaces wrote them (legacy module names, tests/data/google/).
  const legacy = JSON.parse(readFileSync(new URL('../data/google/mcp_servers.legacy.json', import.meta.url), 'utf8'));
  legacy.servers.push({ id: 'mystery', module: 'backend.mcp_servers.mystery_server' });
  // A witness that fails to start like any server and so is restarted after the 1 s back-off. It starts
  // after the others (one strand, list order): once it has been restarted, a restart of the others would
  // have come first.
  legacy.servers.push({ id: 'witness', command: ['/nonexistent/mcp-witness'] });
  const p = await startParley({ files: { 'data/mcp_servers.json': JSON.stringify(legacy) } });
  try {
    const status = await waitForStatus(p, (s) => s.servers.every((x) => x.state !== 'connecting'), { what: 'settled' });
    assert.deepEqual(status.servers.slice(0, 4).map((s) => [s.id, s.state]),
      [['local-calculator', 'connected'], ['custom-calendar', 'connected'], ['custom-gmail', 'connected'], ['custom-gdrive', 'connected']]);
    // Loaded unchanged: the legacy module names stay as written.
    const file = JSON.parse(readFileSync(join(p.home, 'data', 'mcp_servers.json'), 'utf8'));
    assert.equal(file.servers[1].module, 'backend.mcp_servers.calendar_server');
    assert.equal(status.servers[4].last_error, 'Unknown built-in MCP server module: backend.mcp_servers.mystery_server');
    // Restarts would come after the 1 s back-off: none may.
    await p.waitForOutput(/MCP server witness: start failed[^]*MCP server witness: start failed/, 10000);
    const lines = p.output().split('\n').filter((l) => l.includes('MCP server mystery:'));
    assert.equal(lines.length, 1, `mystery reported once:\n${lines.join('\n')}`);
    const later = await (await fetch(`${p.url}/api/mcp/servers`)).json();
    assert.deepEqual(later.servers.slice(0, 5).map((s) => s.state), ['connected', 'connected', 'connected', 'connected', 'failed']);
  } finally {
    await p.stop();
  }
});
