// Issue 18's "no token appears in any event or stored row", on the real binary: a chat turn in which the fake
// model calls tools of all three Google servers (one call needing a refresh first, one hitting a revoked
// access token mid-turn) streams no Google access token, refresh token or client secret in its SSE events,
// sends none to the model, and stores none in the history database or writes one to a log. Only
// data/tokens/ holds them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startParley } from '../lib/parley.mjs';
import { startFakeUpstream } from '../lib/fake_upstream.mjs';
import { startFakeGoogle } from '../fakes/google.mjs';
import { waitForStatus } from './mcp_helpers.mjs';
import { googleHome, liveToken, dataFile } from './google_helpers.mjs';

// Every file under `dir` but data/tokens/, as latin1 so any byte sequence compares.
function filesExceptTokens(dir) {
  const out = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir, { recursive: true })) {
    const f = join(dir, name);
    if (name.split('/').includes('tokens') || !statSync(f).isFile()) continue;
    out.push({ name, text: readFileSync(f, 'latin1') });
  }
  return out;
}

async function streamTurn(p, body) {
  const res = await fetch(`${p.url}/api/chat/stream`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200);
  const raw = await res.text();
  const events = raw.split('\n\n').filter((b) => b && !b.startsWith(':')).map((block) => ({
    event: /^event: (.*)$/m.exec(block)?.[1],
    data: block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n'),
  }));
  return { raw, events };
}

test('a chat turn calling Google tools leaks no Google token into SSE events, the model request, stored rows or logs', async () => {
  const fake = await startFakeGoogle();
  const up = await startFakeUpstream();
  // An access token that expired long ago: the first call refreshes it.
  const h = googleHome(fake, { 'user_at_example_com.json': liveToken(fake, { access: 'ya29.expired-at-start-0001', expiry: '2001-01-01T00:00:00Z' }) });
  const p = await startParley({
    home: h.home,
    files: { 'data/mcp_servers.json': dataFile('mcp_servers.legacy.json') },
    env: { GOOGLE_API_BASE_URL: fake.url, GOOGLE_DEFAULT_USER_EMAIL: 'user@example.com', PARLEY_TIMEZONE: 'UTC',
      OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-google-tokens-0123456789' },
  });
  try {
    await waitForStatus(p, (s) => ['custom-calendar', 'custom-gmail', 'custom-gdrive']
      .every((id) => s.servers.find((x) => x.id === id)?.state === 'connected'), { what: 'the Google servers connected' });
    // Gmail's first request meets a revoked access token (401): refresh, then the same request again.
    fake.misbehave({ kind: 'expire', path: '/gmail/' });
    await up.script([
      { tool_fragments: [
        { index: 0, id: 'call_cal', type: 'function', function: { name: 'calendar_get_events', arguments: '{"time_min":"2030-05-01","time_max":"2030-05-02"}' } },
        { index: 1, id: 'call_mail', type: 'function', function: { name: 'search_gmail_messages', arguments: '{"query":"Köln"}' } },
        { index: 2, id: 'call_drive', type: 'function', function: { name: 'gdrive_search_files', arguments: '{"query":"Budget"}' } },
        { index: 3, id: 'call_status', type: 'function', function: { name: 'gmail_auth_status', arguments: '{}' } },
      ] },
      { content: ['You have a dentist appointment, two mails from Köln and a budget file.'] },
    ]);
    const { raw, events } = await streamTurn(p, { messages: [{ role: 'user', content: 'What is on my calendar, in my mail and my drive?' }] });

    // The turn really used Google: every tool finished with Google's data, and a refresh happened mid-turn.
    const finished = events.filter((e) => e.event === 'tool').map((e) => JSON.parse(e.data)).filter((t) => t.status !== 'started');
    assert.deepEqual(finished.map((t) => [t.call_id, t.status]),
      [['call_cal', 'finished'], ['call_mail', 'finished'], ['call_drive', 'finished'], ['call_status', 'finished']]);
    assert.match(finished[0].result, /Dentist appointment/);
    assert.match(finished[1].result, /Grüße aus Köln/);
    assert.match(finished[2].result, /Budget notes/);
    assert.match(finished[3].result, /"authorized":\s*true/);
    const refreshes = fake.state.tokenCalls.filter((t) => t.grant_type === 'refresh_token').length;
    assert.ok(refreshes >= 2, `the expired token and the revoked one were both refreshed (${refreshes} refreshes)`);
    assert.ok(fake.requests.some((r) => r.path.startsWith('/gmail/') && r.misbehaved === 'expire'));
    assert.equal(events.at(-1).data, '[DONE]');

    const modelRequests = JSON.stringify((await up.requests()).filter((r) => r.path === '/chat/completions'));
    await p.stop();
    const stored = filesExceptTokens(join(h.home, 'data'));
    assert.ok(stored.some((f) => f.name.endsWith('.db') && f.text.includes('Dentist appointment')), 'the tool results are stored');
    const logs = filesExceptTokens(join(h.home, 'logs'));

    // Every access token parley sent (the revocation cleared the fake's list of live ones), every one still
    // live, every refresh token, and the client secret.
    const bearers = new Set(fake.requests.map((r) => /^Bearer (.+)$/.exec(r.authorization ?? '')?.[1]).filter(Boolean));
    assert.ok(bearers.size >= 2, `a refreshed token and the one after the revocation were used (${bearers.size})`);
    const secrets = [...new Set([...bearers, ...fake.state.access.keys(), ...fake.state.refresh, fake.state.clientSecret, 'ya29.expired-at-start-0001'])];
    const tokenFile = JSON.parse(readFileSync(join(h.home, 'data', 'tokens', 'user_at_example_com.json'), 'utf8'));
    assert.ok(secrets.includes(tokenFile.token), 'the stored token is among those checked');
    for (const secret of secrets) {
      const shown = `${secret.slice(0, 9)}…`;
      assert.ok(!raw.includes(secret), `${shown} in the SSE events`);
      assert.ok(!modelRequests.includes(secret), `${shown} sent to the model`);
      for (const f of stored) assert.ok(!f.text.includes(secret), `${shown} stored in data/${f.name}`);
      for (const f of logs) assert.ok(!f.text.includes(secret), `${shown} in logs/${f.name}`);
      assert.ok(!p.output().includes(secret), `${shown} in the terminal output`);
    }
  } finally {
    await p.stop();
    await up.stop();
    await fake.close();
    h.remove();
  }
});
