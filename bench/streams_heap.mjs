// A heap profile of parley while N chat streams are held open (P3, issue 22): parley runs under heaptrack, the
// streams are opened as in bench/concurrency.mjs, and after they have been held for a few seconds parley is killed
// (SIGKILL), so that heaptrack's peak is the held state and not the burst of cancelled turns that follows when
// the clients leave. Prints the heaptrack file; read it with `heaptrack_print -f FILE --print-peaks 1`.
//   node bench/streams_heap.mjs [--streams 1000] [--seconds 5] [--out /tmp/parley-heap] [--scenario-in-body]
// Not a test; needs heaptrack (./scripts/install-deps --bench).
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { startParley, parleyBin } from '../tests/lib/parley.mjs';
import { startFakeUpstream } from '../tests/lib/fake_upstream.mjs';
import { ensureSseLoad, startSseLoad, bodyFile, parleyBenchFiles } from './lib/sse_load.mjs';

const argv = process.argv;
const arg = (name, dflt) => { const i = argv.indexOf(name); return i > 0 ? argv[i + 1] : dflt; };
const n = Number(arg('--streams', 1000));
const seconds = Number(arg('--seconds', 5));
const out = arg('--out', '/tmp/parley-heap');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

ensureSseLoad();
const up = await startFakeUpstream();
const p = await startParley({
  env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-bench-0123456789', PARLEY_MAX_TOOL_HOPS: '0' },
  files: parleyBenchFiles, prefix: ['heaptrack', '-o', out],
});
// heaptrack runs parley as its child.
const children = () => readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
  try { return execFileSync('ps', ['-o', 'ppid=', '-p', d]).toString().trim() === String(p.proc.pid); } catch { return false; }
});
// The fake's slow scenario is set once for every request, so the streams send plain chat requests: a
// `fake_scenario` in the body (--scenario-in-body, as before 2026-12-02) is an unknown key that parley keeps
// and forwards on every hop, ~1.6 KB of JSON per stream that no real client sends.
const scenario = { content: Array.from({ length: seconds + n / 500 + 60 }, (_, k) => `tick${k} `), delay_ms: 1000 };
const inBody = argv.includes('--scenario-in-body');
if (!inBody) await up.setDefaultScenario(scenario);
const body = bodyFile({ messages: [{ role: 'user', content: `stream of ${n}` }], ...(inBody ? { fake_scenario: scenario } : {}) });
let last = { marked: 0, errors: 0 };
const load = startSseLoad({ url: `${p.url}/api/chat/stream`, bodyFile: body, concurrency: n, requests: n, connectRate: 2000,
  firstMarker: '"content":"tick0 ', countMarker: '"content":"tick', timeout: 120, progress: 0.25 }, { onProgress: (x) => { last = x; } });
load.done.catch(() => {});
const started = Date.now();
while (last.marked + last.errors < n && Date.now() - started < 120000) await sleep(250);
console.error(`streams_heap: ${last.marked} open, ${last.errors} errors; holding ${seconds} s`);
await sleep(seconds * 1000);
const pids = children().filter((c) => !execFileSync('ps', ['-o', 'comm=', '-p', c]).toString().includes('heaptrack'));
const target = pids.find((c) => execFileSync('ps', ['-o', 'args=', '-p', c]).toString().includes(parleyBin));
if (target) process.kill(Number(target), 'SIGKILL');
load.stop();
await load.done.catch(() => {});
await p.stop().catch(() => {});
await up.stop();
await sleep(1000);
console.log(`${out}.zst (${target ? `parley ${target} killed while held` : 'parley not found: the profile includes the end'})`);
