// Checks build/sse_load against the fake upstream: counts, the marker, each kind of error, the disconnect, the stop.
// Not part of scripts/test (sse_load is a benchmark tool); run: node --test bench/loadgen/   (builds sse_load)
import test from 'node:test';
import assert from 'node:assert/strict';
import { startFakeUpstream } from '../../tests/lib/fake_upstream.mjs';
import { ensureSseLoad, runSseLoad, startSseLoad } from '../lib/sse_load.mjs';

ensureSseLoad();
const up = await startFakeUpstream();
test.after(() => up.stop());
const url = `${up.baseUrl}/chat/completions`;
const body = (scenario) => JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }], fake_scenario: scenario });
const run = (scenario, extra = {}) => runSseLoad({ url, body: body(scenario), firstMarker: '"content":"Hello"', timeout: 2, ...extra });

test('a complete stream: events, marker, bytes, no errors', async () => {
  const r = await run({ content: ['Hello', ' world'] }, { concurrency: 3, requests: 9 });
  // role chunk, 2 content chunks, finish chunk, usage chunk, [DONE]; the ": OPENROUTER PROCESSING" comment is no event
  assert.equal(r.totals.events, 9 * 6);
  assert.equal(r.totals.completed, 9);
  assert.equal(r.totals.with_marker, 9);
  assert.equal(r.ttft_ms.length, 9);
  assert.ok(r.ttft_ms.every((x) => x > 0 && x < 2000));
  assert.equal(r.errors.total, 0);
  assert.equal(r.totals.connections, 3, 'keep-alive connections are reused');
  assert.equal(r.gaps.count, 9 * 5);
  assert.ok(r.totals.bytes > 9 * 6 * 50);
});

test('count marker and steady-state rate', async () => {
  const r = await runSseLoad({ url, body: body({ content: Array.from({ length: 2000 }, (_, k) => `c${k % 10}`) }), firstMarker: '"content":"c', countMarker: '"content":"c' });
  assert.equal(r.totals.counted_events, 2000);
  assert.equal(r.steady.events, 2000);
  assert.ok(r.steady.events_per_s > 0);
});

test('errors: status, cut-short stream, timeout, missing marker', async () => {
  const status = await run({ status: 500 }, { requests: 2 });
  assert.equal(status.errors.status, 2);
  assert.equal(status.status['500'], 2);
  const dropped = await run({ content: ['Hello', 'a', 'b'], drop_after: 2 }, { requests: 2 });
  assert.equal(dropped.errors.reset, 2);
  const stalled = await run({ content: ['Hello'], stall_ms: 3000 }, { requests: 1, timeout: 0.5 });
  assert.equal(stalled.errors.timeout, 1);
  const noMarker = await run({ content: ['x'] }, { requests: 1 });
  assert.equal(noMarker.errors.no_marker, 1);
  assert.equal(noMarker.errors.total, 1);
});

test('--disconnect-after-marker closes the connection and the fake sees it', async () => {
  const before = (await up.closed()).closed_early;
  const r = await runSseLoad({ url, body: body({ content: ['a', 'Hello', 'b', 'c', 'd'], delay_ms: 50 }), firstMarker: '"content":"Hello"', disconnectAfterMarker: true });
  assert.equal(r.totals.disconnects, 1);
  assert.equal(r.disconnect_epoch_ms.length, 1);
  for (let i = 0; i < 100 && (await up.closed()).closed_early === before; i++) await new Promise((res) => setTimeout(res, 20));
  const c = await up.closed();
  assert.equal(c.closed_early, before + 1);
  assert.ok(c.closed_at - r.disconnect_epoch_ms[0] < 1000);
});

test('SIGUSR1 closes open streams and reports them as stopped', async () => {
  let last = null;
  const load = startSseLoad({ url, body: body({ content: ['Hello', 'a', 'b', 'c'], delay_ms: 1000 }), concurrency: 20, requests: 20,
    firstMarker: '"content":"Hello"', progress: 0.1 }, { onProgress: (x) => { last = x; } });
  while (!last || last.marked < 20) await new Promise((res) => setTimeout(res, 50));
  load.stop();
  const r = await load.done;
  assert.equal(r.totals.stopped, 20);
  assert.equal(r.totals.with_marker, 20);
  assert.equal(r.errors.total, 0);
});

test('--max-seconds ends a run that would go on, like a stop; the process always ends by itself', async () => {
  const started = Date.now();
  const load = startSseLoad({ url, body: body({ content: ['Hello', 'a', 'b', 'c'], delay_ms: 5000 }), concurrency: 5, requests: 5,
    firstMarker: '"content":"Hello"', maxSeconds: 1, timeout: 30 });
  const r = await load.done;
  assert.ok(Date.now() - started < 10000, 'it ended at its own deadline');
  assert.equal(r.totals.stopped + r.totals.completed, 5);
  assert.ok(r.totals.stopped > 0);
});
