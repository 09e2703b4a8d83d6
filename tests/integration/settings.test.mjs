// Model settings, system prompt, suggestions and the reading preset routes (api.md §2.10–§2.16, §4) against
// the real binary; files written in the §4 format and read back after a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startParley } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';

const json = (method, body) => ({ method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

test('an existing client starts on a fresh data directory', async () => {
  const up = await startFakeUpstream();
  const p = await startParley({ env: { OPENROUTER_BASE_URL: up.baseUrl } });
  try {
    assert.equal((await fetch(`${p.url}/api/models`)).status, 200);
    let res = await fetch(`${p.url}/api/suggestions`);
    assert.equal(res.status, 200);
    assert.equal((await res.json()).suggestions.length, 4, 'the four built-in defaults');
    res = await fetch(`${p.url}/api/presets/default`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'null');
    res = await fetch(`${p.url}/api/settings/model`);
    const settings = await res.json();
    assert.deepEqual(Object.keys(settings), ['model', 'provider', 'parameters', 'supports_tools', 'updated_at']);
    assert.equal(settings.model, 'openrouter/auto');
    assert.equal(settings.provider, null);
    assert.equal(settings.parameters, null);
    assert.match(settings.updated_at, /Z$/);
    res = await fetch(`${p.url}/api/settings/model`, json('PUT', { model: 'openai/gpt-4o-mini', parameters: null, provider: null }));
    assert.equal(res.status, 200);
    const saved = await res.json();
    assert.equal(saved.supports_tools, true, 'looked up in the model list');
    assert.equal((await fetch(`${p.url}/api/suggestions/`)).status, 200);
    assert.equal((await (await fetch(`${p.url}/health`)).json()).active_model, 'openai/gpt-4o-mini');
    assert.deepEqual(await (await fetch(`${p.url}/api/presets/`)).json(), []);
  } finally { await p.stop(); await up.stop(); }
});

test('PUT /api/settings/model validates every field with its path and replaces the document', async () => {
  const p = await startParley({ keepHome: true });
  try {
    let res = await fetch(`${p.url}/api/settings/model`, json('PUT', {
      model: 'x/y', extra: 1, provider: { sort: 'fastest', order: ['A', 2], max_price: { prompt: 1, bogus: 2 } },
      parameters: { temperature: 3, top_p: -0.1, top_k: 1.5, max_tokens: 0, stop: 5, logit_bias: { a: 'x' }, nope: true },
    }));
    assert.equal(res.status, 422);
    const locs = (await res.json()).detail.map((d) => d.loc.join('.'));
    for (const l of ['body.extra', 'body.provider.sort', 'body.provider.order.1', 'body.provider.max_price.bogus',
      'body.parameters.temperature', 'body.parameters.top_p', 'body.parameters.top_k', 'body.parameters.max_tokens',
      'body.parameters.stop', 'body.parameters.logit_bias.a', 'body.parameters.nope']) {
      assert.ok(locs.includes(l), `${l} in ${locs.join(', ')}`);
    }
    res = await fetch(`${p.url}/api/settings/model`, json('PUT', {
      model: 'anthropic/claude-3.5-sonnet', supports_tools: false,
      provider: { order: ['Anthropic'], allow_fallbacks: null, data_collection: 'deny' },
      parameters: { temperature: 0.7, stop: ['END'], max_tokens: 100 },
    }));
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(Object.keys(body.provider).length, 11);
    assert.equal(Object.keys(body.parameters).length, 20);
    assert.equal(body.parameters.top_p, null);
    assert.equal(body.supports_tools, false);
    const file = JSON.parse(readFileSync(join(p.home, 'data', 'model_settings.json'), 'utf8'));
    assert.deepEqual(file.provider, { data_collection: 'deny', order: ['Anthropic'] }, 'nulls omitted on disk');
    assert.deepEqual(file.parameters, { max_tokens: 100, stop: ['END'], temperature: 0.7 });
    assert.match(file.updated_at, /\+00:00$/);
    assert.equal(statSync(join(p.home, 'data', 'model_settings.json')).mode & 0o777, 0o600);
    assert.ok(readFileSync(join(p.home, 'data', 'model_settings.json'), 'utf8').startsWith('{\n  "model"'));
  } finally { await p.stop(); }
  const again = await startParley({ home: p.home });
  try {
    const body = await (await fetch(`${again.url}/api/settings/model`)).json();
    assert.equal(body.model, 'anthropic/claude-3.5-sonnet');
    assert.deepEqual(body.provider.order, ['Anthropic']);
  } finally { await again.stop(); }
});

test('the system prompt: trimmed, empty clears, absent key changes nothing, a cleared prompt stays cleared', async () => {
  const p = await startParley({ keepHome: true });
  try {
    let body = await (await fetch(`${p.url}/api/settings/system-prompt`)).json();
    assert.match(body.system_prompt, /OpenRouter best practices/);
    body = await (await fetch(`${p.url}/api/settings/system-prompt`, json('PUT', { system_prompt: '  Be brief.  ' }))).json();
    assert.deepEqual(body, { system_prompt: 'Be brief.' });
    body = await (await fetch(`${p.url}/api/settings/system-prompt`, json('PUT', {}))).json();
    assert.deepEqual(body, { system_prompt: 'Be brief.' });
    assert.equal((await fetch(`${p.url}/api/settings/system-prompt`, json('PUT', { system_prompt: 1 }))).status, 422);
    assert.equal((await fetch(`${p.url}/api/settings/system-prompt`, json('PUT', { other: 'x' }))).status, 422);
    body = await (await fetch(`${p.url}/api/settings/system-prompt`, json('PUT', { system_prompt: '   ' }))).json();
    assert.deepEqual(body, { system_prompt: null });
  } finally { await p.stop(); }
  const again = await startParley({ home: p.home });
  try {
    assert.deepEqual(await (await fetch(`${again.url}/api/settings/system-prompt`)).json(), { system_prompt: null });
  } finally { await again.stop(); }
});

test('suggestions: add (201), delete by index, replace, bad input, and the file format', async () => {
  const p = await startParley({ keepHome: true });
  try {
    let res = await fetch(`${p.url}/api/suggestions`, json('POST', { label: 'Hi', text: 'Say hi', ignored: true }));
    assert.equal(res.status, 201);
    assert.equal((await res.json()).suggestions.at(-1).label, 'Hi');
    assert.equal((await fetch(`${p.url}/api/suggestions`, json('POST', { label: '', text: 'x' }))).status, 422);
    res = await fetch(`${p.url}/api/suggestions/0`, { method: 'DELETE' });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).suggestions.length, 4);
    res = await fetch(`${p.url}/api/suggestions/9`, { method: 'DELETE' });
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { detail: 'Invalid suggestion index: 9' });
    assert.equal((await fetch(`${p.url}/api/suggestions/-1`, { method: 'DELETE' })).status, 404);
    assert.equal((await fetch(`${p.url}/api/suggestions/abc`, { method: 'DELETE' })).status, 422);
    assert.equal((await fetch(`${p.url}/api/suggestions`, json('PUT', { suggestions: [{ label: 'a', text: 'b', x: 1 }] }))).status, 422);
    res = await fetch(`${p.url}/api/suggestions/`, json('PUT', { suggestions: [], top_level_extra: 1 }));
    assert.deepEqual(await res.json(), { suggestions: [] });
  } finally { await p.stop(); }
  assert.deepEqual(JSON.parse(readFileSync(join(p.home, 'data', 'suggestions.json'), 'utf8')), { suggestions: [] });
  const again = await startParley({ home: p.home });
  try {
    assert.deepEqual(await (await fetch(`${again.url}/api/suggestions`)).json(), { suggestions: [] }, 'a stored empty list stays empty');
  } finally { await again.stop(); }
});

test('presets written by the earlier server are listed and read; a corrupt settings file is kept and reported', async () => {
  const presets = { presets: [
    { created_at: '2025-10-11T07:53:03.066101Z', is_default: true, name: '4omini', model: 'openai/gpt-4o-mini-2024-07-18',
      mcp_servers: [{ contexts: [], disabled_tools: [], enabled: true, env: {}, id: 'local-calculator', module: 'backend.mcp_servers.calculator_server', tool_overrides: {} }],
      suggestions: [{ label: 'calendar today', text: 'whats on my calendar today?' }], system_prompt: 'You are funny.', updated_at: '2025-11-08T05:00:18.909698Z' },
    { name: 'alpha', model: 'x/y', created_at: '2025-01-01T00:00:00', updated_at: '2025-01-01T00:00:00+00:00' },
  ] };
  const p = await startParley({ files: { 'data/presets.json': JSON.stringify(presets), 'data/model_settings.json': '{"model": ' } });
  try {
    const list = await (await fetch(`${p.url}/api/presets`)).json();
    assert.deepEqual(list.map((x) => x.name), ['4omini', 'alpha']);
    assert.equal(list[1].created_at, '2025-01-01T00:00:00.000000Z');
    const def = await (await fetch(`${p.url}/api/presets/default`)).json();
    assert.deepEqual(Object.keys(def), ['name', 'model', 'provider', 'parameters', 'supports_tools', 'system_prompt', 'mcp_servers', 'suggestions', 'is_default', 'created_at', 'updated_at']);
    assert.equal(def.mcp_servers[0].module, 'backend.mcp_servers.calculator_server');
    assert.equal(def.mcp_servers[0].url, null);
    assert.equal(def.is_default, true);
    assert.equal((await fetch(`${p.url}/api/presets/alpha`)).status, 200);
    const missing = await fetch(`${p.url}/api/presets/nope`);
    assert.deepEqual(await missing.json(), { detail: 'Unknown preset: nope' });
    const health = await (await fetch(`${p.url}/health`)).json();
    assert.ok(health.warnings.some((w) => w.includes('model_settings.json is invalid')), JSON.stringify(health.warnings));
    assert.ok(readdirSync(join(p.home, 'data')).some((f) => /^model_settings\.json\.corrupt-\d{8}T\d{6}Z$/.test(f)));
    assert.equal((await (await fetch(`${p.url}/api/settings/model`)).json()).model, 'openrouter/auto');
    assert.ok(existsSync(join(p.home, 'data', 'model_settings.json')), 'the broken file is not overwritten');
  } finally { await p.stop(); }
});

test('presets: create, conflict, update, set-default, delete rules, and apply restoring the whole setup', async () => {
  const p = await startParley({ keepHome: true, files: { 'data/mcp_servers.json': JSON.stringify({ servers: [{ id: 'keep-me', command: ['/bin/true'], enabled: false }] }) } });
  try {
    await fetch(`${p.url}/api/settings/model`, json('PUT', { model: 'first/model', supports_tools: true, parameters: { temperature: 0.3 } }));
    await fetch(`${p.url}/api/settings/system-prompt`, json('PUT', { system_prompt: 'First prompt' }));
    await fetch(`${p.url}/api/suggestions`, json('PUT', { suggestions: [{ label: 'one', text: 'first' }] }));
    let res = await fetch(`${p.url}/api/presets/`, json('POST', { name: 'Work setup' }));
    assert.equal(res.status, 200);
    const created = await res.json();
    assert.equal(created.model, 'first/model');
    assert.equal(created.system_prompt, 'First prompt');
    assert.equal(created.parameters.temperature, 0.3);
    assert.deepEqual(created.suggestions, [{ label: 'one', text: 'first' }]);
    assert.deepEqual(created.mcp_servers.map((s) => s.id), ['keep-me']);
    assert.equal(created.is_default, false);
    assert.equal((await fetch(`${p.url}/api/presets`, json('POST', { name: 'Work setup' }))).status, 409);
    assert.equal((await fetch(`${p.url}/api/presets`, json('POST', { name: '' }))).status, 422);
    assert.equal((await fetch(`${p.url}/api/presets`, json('POST', { name: 'x', extra: 1 }))).status, 422);
    await fetch(`${p.url}/api/presets`, json('POST', { name: 'another' }));
    assert.deepEqual((await (await fetch(`${p.url}/api/presets`)).json()).map((x) => x.name), ['another', 'Work setup']);

    // Change the live setup, then update "another" and set "Work setup" as the default.
    await fetch(`${p.url}/api/settings/model`, json('PUT', { model: 'second/model', supports_tools: false }));
    await fetch(`${p.url}/api/settings/system-prompt`, json('PUT', { system_prompt: null }));
    res = await fetch(`${p.url}/api/presets/another`, json('PUT', { note: 'ignored' }));
    assert.equal((await res.json()).model, 'second/model');
    assert.equal((await fetch(`${p.url}/api/presets/another`, json('PUT', { other: 1 }))).status, 422);
    assert.equal((await fetch(`${p.url}/api/presets/missing`, { method: 'PUT' })).status, 404);
    res = await fetch(`${p.url}/api/presets/${encodeURIComponent('Work setup')}/set-default`, { method: 'POST' });
    assert.equal((await res.json()).is_default, true);
    assert.equal((await (await fetch(`${p.url}/api/presets/default`)).json()).name, 'Work setup');
    res = await fetch(`${p.url}/api/presets/${encodeURIComponent('Work setup')}`, { method: 'DELETE' });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { detail: 'Cannot delete default preset: Work setup' });
    assert.deepEqual(await (await fetch(`${p.url}/api/presets/nothing`, { method: 'DELETE' })).json(), { deleted: false });

    // Apply restores model settings, prompt, suggestions and MCP definitions.
    res = await fetch(`${p.url}/api/presets/${encodeURIComponent('Work setup')}/apply`, { method: 'POST' });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).name, 'Work setup');
    const model = await (await fetch(`${p.url}/api/settings/model`)).json();
    assert.equal(model.model, 'first/model');
    assert.equal(model.parameters.temperature, 0.3);
    assert.deepEqual(await (await fetch(`${p.url}/api/settings/system-prompt`)).json(), { system_prompt: 'First prompt' });
    assert.deepEqual(await (await fetch(`${p.url}/api/suggestions`)).json(), { suggestions: [{ label: 'one', text: 'first' }] });
    const servers = await (await fetch(`${p.url}/api/mcp/servers`)).json();
    assert.ok(JSON.stringify(servers).includes('keep-me'));
    assert.deepEqual(await (await fetch(`${p.url}/api/presets/another`, { method: 'DELETE' })).json(), { deleted: true });
  } finally { await p.stop(); }
  const file = JSON.parse(readFileSync(join(p.home, 'data', 'presets.json'), 'utf8'));
  assert.deepEqual(file.presets.map((x) => x.name), ['Work setup']);
  assert.equal(file.presets[0].is_default, true);
  assert.match(file.presets[0].created_at, /Z$/);
  assert.equal(file.presets[0].provider, undefined, 'nulls omitted on disk');
});

test('concurrent saves from many clients leave a valid document with one of the writes', async () => {
  const p = await startParley({ keepHome: true });
  try {
    await Promise.all(Array.from({ length: 40 }, (_, i) =>
      fetch(`${p.url}/api/suggestions`, json('POST', { label: `l${i}`, text: `t${i}` })).then((r) => r.text())));
    const list = (await (await fetch(`${p.url}/api/suggestions`)).json()).suggestions;
    assert.equal(list.length, 44, 'no add was lost');
  } finally { await p.stop(); }
  const onDisk = JSON.parse(readFileSync(join(p.home, 'data', 'suggestions.json'), 'utf8'));
  assert.equal(onDisk.suggestions.length, 44);
});

test('a kill -9 during a save loop leaves a valid settings file', async () => {
  const p = await startParley({ keepHome: true });
  let stop = false;
  let saved = 0;
  let tenSaved;
  const savesGoing = new Promise((r) => { tenSaved = r; });
  const loop = (async () => {
    for (let i = 0; !stop; i++) {
      try {
        const res = await fetch(`${p.url}/api/settings/model`, json('PUT', { model: `m/${i}`, parameters: { temperature: (i % 20) / 10 }, supports_tools: true }));
        if (res.ok && ++saved === 10) tenSaved();
      } catch {
        return;
      }
    }
  })();
  // Ten saves done and the next under way: the kill lands in the middle of the loop.
  await Promise.race([savesGoing, loop]);
  assert.ok(saved >= 10, 'the save loop was running when parley was killed');
  p.proc.kill('SIGKILL');
  stop = true;
  await loop;
  await p.exited;
  const text = readFileSync(join(p.home, 'data', 'model_settings.json'), 'utf8');
  const doc = JSON.parse(text);
  assert.match(doc.model, /^m\/\d+$/);
  const again = await startParley({ home: p.home, keepHome: true });
  try {
    assert.equal((await (await fetch(`${again.url}/api/settings/model`)).json()).model, doc.model);
  } finally { await again.stop(); }
  assert.deepEqual(readdirSync(join(p.home, 'data')).filter((f) => f.includes('.tmp-')), [], 'interrupted writes are cleaned up at start-up');
});

test('files written by the earlier server load unchanged and are rewritten in the §4 format', async () => {
  const fixtures = join(import.meta.dirname, '..', 'fixtures', 'settings');
  const files = {};
  for (const f of ['model_settings.json', 'presets.json', 'suggestions.json']) files[`data/${f}`] = readFileSync(join(fixtures, f), 'utf8');
  const p = await startParley({ files, keepHome: true });
  try {
    const model = await (await fetch(`${p.url}/api/settings/model`)).json();
    assert.equal(model.model, 'openai/gpt-4o-mini-2024-07-18');
    assert.equal(model.parameters.temperature, 0.7);
    assert.equal(model.updated_at, '2025-11-08T05:00:18.909698Z');
    assert.deepEqual(await (await fetch(`${p.url}/api/settings/system-prompt`)).json(), { system_prompt: 'You are a helpful assistant.' });
    assert.deepEqual((await (await fetch(`${p.url}/api/suggestions`)).json()).suggestions[1], { label: 'Café', text: 'Find a café' });
    const preset = await (await fetch(`${p.url}/api/presets/default`)).json();
    assert.equal(preset.name, '4omini');
    // Saving each document rewrites it: sorted keys, 2-space indentation, trailing newline, same values.
    await fetch(`${p.url}/api/settings/system-prompt`, json('PUT', { system_prompt: 'You are a helpful assistant.' }));
    await fetch(`${p.url}/api/suggestions`, json('PUT', { suggestions: (await (await fetch(`${p.url}/api/suggestions`)).json()).suggestions }));
    await fetch(`${p.url}/api/presets/4omini/set-default`, { method: 'POST' });
  } finally { await p.stop(); }
  const model = readFileSync(join(p.home, 'data', 'model_settings.json'), 'utf8');
  assert.equal(model, readFileSync(join(import.meta.dirname, '..', 'fixtures', 'settings', 'model_settings.json'), 'utf8'),
    'an unchanged model settings document is written back byte for byte');
  const suggestions = readFileSync(join(p.home, 'data', 'suggestions.json'), 'utf8');
  assert.ok(suggestions.endsWith('\n') && suggestions.includes('\n  "suggestions": [\n    {\n      "label"'));
  const presets = JSON.parse(readFileSync(join(p.home, 'data', 'presets.json'), 'utf8'));
  assert.equal(presets.presets[0].mcp_servers[0].module, 'backend.mcp_servers.calculator_server', 'legacy module names written back unchanged');
  assert.equal(presets.presets[0].created_at, '2025-10-11T07:53:03.066101Z');
});

test('preset mcp_servers entries carry every definition key, contexts and tool_overrides included (§2.15)', async () => {
  const stored = { contexts: ['math', 'school'], disabled_tools: ['divide'], enabled: true, env: {}, id: 'local-calculator',
    module: 'calculator', tool_overrides: { add: { contexts: ['sums'] }, multiply: {} } };
  const presets = { presets: [{ name: 'tools', model: 'x/y', is_default: true, mcp_servers: [stored, { id: 'bare', command: ['true'] }],
    created_at: '2025-01-01T00:00:00Z', updated_at: '2025-01-01T00:00:00Z' }] };
  const p = await startParley({ files: { 'data/presets.json': JSON.stringify(presets), 'data/mcp_servers.json': '{"servers":[]}' } });
  try {
    for (const path of ['/api/presets/tools', '/api/presets/default']) {
      const [calc, bare] = (await (await fetch(`${p.url}${path}`)).json()).mcp_servers;
      assert.deepEqual(calc.contexts, ['math', 'school'], path);
      assert.deepEqual(calc.tool_overrides, { add: { contexts: ['sums'] }, multiply: { contexts: null } }, path);
      assert.deepEqual(calc.disabled_tools, ['divide']);
      assert.deepEqual(bare.contexts, []);
      assert.deepEqual(bare.tool_overrides, {});
      for (const key of ['id', 'enabled', 'module', 'command', 'url', 'headers', 'cwd', 'env', 'tool_prefix', 'disabled_tools', 'contexts', 'tool_overrides'])
        assert.ok(key in bare, `${path}: ${key} is present`);
    }
    // A snapshot of the running definitions keeps them too.
    let res = await fetch(`${p.url}/api/mcp/servers`, json('PUT', { servers: [{ id: 'ctx', enabled: false, command: ['true'], contexts: 'one', tool_overrides: { t: { contexts: 'two' } } }] }));
    assert.equal(res.status, 200, await res.text());
    res = await fetch(`${p.url}/api/presets`, json('POST', { name: 'snap' }));
    const snap = await res.json();
    assert.deepEqual(snap.mcp_servers[0].contexts, ['one']);
    assert.deepEqual(snap.mcp_servers[0].tool_overrides, { t: { contexts: ['two'] } });
  } finally { await p.stop(); }
});
