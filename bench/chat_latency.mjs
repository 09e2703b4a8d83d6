// Benchmarks P1 (added time to first token) and P7 (client disconnect -> upstream closed) of
// spec/performance.md: the fake upstream of tests/fakes, reached directly and through parley, alternating in one
// run, on loopback. The load generator is build/sse_load (bench/loadgen/sse_load.cpp; built here if missing).
// Usage: node bench/chat_latency.mjs [--runs 200] [--waves 6] [--threads 1]   (needs build/parley)
//   --runs: single-stream requests per side; --waves: bursts of 100 simultaneous requests per side.
//   --defaults: parley with the logging a user runs with (no logging_settings.conf: info to the terminal and the
//   log files, conversation snapshots on) instead of the bench's quiet settings; written as `latency_defaults`.
// Writes bench/out/latency.json (bench/lib/results.mjs) and prints its Markdown; not a test: nothing fails on timings.
import { startParley } from '../tests/lib/parley.mjs';
import { startFakeUpstream } from '../tests/lib/fake_upstream.mjs';
import { writeResult, percentile, median, cdfPoints, fmt } from './lib/results.mjs';
import { ensureSseLoad, runSseLoad, startSseLoad, bodyFile, cpuSeconds, parleyBenchFiles } from './lib/sse_load.mjs';
import { startNginx } from './lib/nginx.mjs';

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : dflt; };
const runs = arg('--runs', 200);
const waves = arg('--waves', 6);
const threads = arg('--threads', 1);
const cancelRuns = arg('--cancel-runs', 30);
const openStreams = arg('--open', 100);
for (const [name, value] of [['--runs', runs], ['--waves', waves], ['--threads', threads], ['--cancel-runs', cancelRuns], ['--open', openStreams]]) {
  if (!Number.isInteger(value) || value < 1) {
    console.error(`chat_latency: ${name} must be a whole number of at least 1 (got ${process.argv[process.argv.indexOf(name) + 1]})`);
    process.exit(2);
  }
}
const defaults = process.argv.includes('--defaults'); // streams held open through parley for the "while N streams are open" row
const block = 20; // single-stream requests per sse_load run; direct and parley alternate block by block
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

ensureSseLoad();
const up = await startFakeUpstream();
const p = await startParley({ env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-bench-0123456789', PARLEY_MAX_TOOL_HOPS: '0' },
  files: defaults ? { 'data/mcp_servers.json': parleyBenchFiles['data/mcp_servers.json'] } : parleyBenchFiles });

const marker = '"content":"Hello"';
const scenario = { content: ['Hello', ' world'] };
const direct = { url: `${up.baseUrl}/chat/completions`,
  bodyFile: bodyFile({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true, fake_scenario: scenario }) };
const through = { pid: p.proc.pid, url: `${p.url}/api/chat/stream`, bodyFile: bodyFile({ messages: [{ role: 'user', content: 'hi' }], fake_scenario: scenario }) };

// One sse_load run: `requests` requests, `concurrency` at a time; the TTFT samples (ms) and the error count.
async function load(side, concurrency, requests) {
  const cpu0 = side.pid ? cpuSeconds(side.pid) : 0;
  const r = await runSseLoad({ url: side.url, bodyFile: side.bodyFile, concurrency, requests, threads, firstMarker: marker, timeout: 30, raw: true });
  r.serverCpu = side.pid ? cpuSeconds(side.pid) - cpu0 : 0;
  return r;
}

async function ttft(concurrency) {
  const d = { ttft: [], headers: [], errors: 0, cpu: 0, serverCpu: 0 }, t = { ttft: [], headers: [], errors: 0, cpu: 0, serverCpu: 0 };
  const add = (into, r) => {
    into.ttft.push(...r.ttft_ms);
    into.headers.push(...r.headers_ms);
    into.serverCpu += r.serverCpu;
    into.errors += r.errors.total;
    into.cpu += r.cpu_s.user + r.cpu_s.system;
  };
  // 1 stream: blocks of `block` sequential requests; 100 streams: bursts of 100 requests started together (as the
  // Node version of this benchmark did). Direct and through parley alternate so both see the same machine.
  const rounds = concurrency === 1 ? Math.max(1, Math.ceil(runs / block)) : waves;
  const perRun = concurrency === 1 ? block : concurrency;
  for (let r = 0; r < rounds; r++) {
    add(d, await load(direct, concurrency, perRun));
    add(t, await load(through, concurrency, perRun));
  }
  return { d, t };
}

// 1 new turn at a time while `openStreams` other streams run through parley (each sending 20 chunks/s): the
// latency a user sees on a busy server, as opposed to the bursts above where all turns start at the same moment.
// The open streams load the machine during both the direct and the parley samples.
async function ttftWhileOpen() {
  const body = bodyFile({ messages: [{ role: 'user', content: 'background' }],
    fake_scenario: { content: Array.from({ length: 4000 }, (_, k) => `tick${k} `), delay_ms: 50 } });
  const bg = startSseLoad({ url: through.url, bodyFile: body, concurrency: openStreams, requests: openStreams, threads,
    firstMarker: '"content":"tick1 "', timeout: 600, progress: 0.5 }, { onProgress: (x) => { progress = x; } });
  let progress = null;
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline && !(progress && progress.marked >= openStreams)) await sleep(100);
  await sleep(500);
  try {
    return await ttft(1);
  } finally {
    bg.stop();
    const r = await bg.done.catch(() => null);
    openErrors = r ? r.errors.total : -1;
  }
}
let openErrors = 0;

// P7: one stream through parley at a time; the client closes its connection once the third word arrived, and the
// fake upstream records when it saw parley close the upstream connection (Date.now(), 1 ms resolution).
async function cancelLatency() {
  const out = [];
  const body = bodyFile({ messages: [{ role: 'user', content: 'cancel' }],
    fake_scenario: { content: Array.from({ length: 200 }, (_, k) => `w${k} `), delay_ms: 20 } });
  let errors = 0;
  for (let i = 0; i < cancelRuns; i++) {
    const before = (await up.closed()).closed_early;
    const r = await runSseLoad({ url: `${p.url}/api/chat/stream`, bodyFile: body, requests: 1, firstMarker: '"content":"w2 "',
      disconnectAfterMarker: true, timeout: 30 });
    if (r.errors.total || r.disconnect_epoch_ms.length !== 1) { errors++; continue; }
    const left = r.disconnect_epoch_ms[0];
    let c;
    const deadline = Date.now() + 5000;
    for (;;) {
      c = await up.closed();
      if (c.closed_early > before || Date.now() > deadline) break;
      await sleep(5);
    }
    if (c.closed_early > before) out.push(Math.max(0, c.closed_at - left)); else errors++;
  }
  return { samples: out, errors };
}

// The proxy floor of a turn (quiet run only): nginx as a plain SSE reverse proxy in front of the same fake, single
// turns alternating with parley's, with each proxy's CPU per turn. nginx stores nothing, parses no JSON and keeps
// its upstream connection; its CPU per turn is what relaying one short stream over loopback TCP costs here.
async function proxyFloor() {
  const ngx = await startNginx(Number(new URL(up.url).port));
  const viaNginx = { pid: ngx.pid, url: `http://127.0.0.1:${ngx.port}/api/v1/chat/completions`, bodyFile: direct.bodyFile };
  const out = { direct: [], nginx: [], parley: [], nginxCpu: 0, parleyCpu: 0, turns: 0 };
  try {
    // Runs of 500 turns: /proc counts CPU in 10 ms ticks, and nginx spends only tens of µs on a turn.
    const turns = 500;
    await load(viaNginx, 1, block);
    for (let r = 0; r < 3; r++) {
      const d = await load(direct, 1, turns), n = await load(viaNginx, 1, turns), t = await load(through, 1, turns);
      out.direct.push(...d.ttft_ms); out.nginx.push(...n.ttft_ms); out.parley.push(...t.ttft_ms);
      out.nginxCpu += n.serverCpu; out.parleyCpu += t.serverCpu; out.turns += turns;
    }
  } finally {
    ngx.stop();
  }
  return out;
}

let rows, cancel, samples, floor;
try {
  await ttft(1); // warm-up
  rows = [];
  samples = {};
  for (const c of [1, 100]) {
    const { d, t } = await ttft(c);
    samples[c] = { d: d.ttft, t: t.ttft };
    rows.push({ c, d, t });
  }
  {
    const { d, t } = await ttftWhileOpen();
    samples.open = { d: d.ttft, t: t.ttft };
    rows.push({ c: `1 new while ${openStreams} open`, d, t });
  }
  cancel = await cancelLatency();
  if (!defaults) floor = await proxyFloor();
} finally {
  await p.stop();
  await up.stop();
}

const table = ['| streams | samples (each side) | direct median | direct p99 | via parley median | via parley p99 | added median | added p99 | parley: headers median | parley CPU per turn | errors | target |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|'];
const summary = [];
for (const { c, d, t } of rows) {
  const addedMedian = median(t.ttft) - median(d.ttft);
  const addedP99 = percentile(t.ttft, 99) - percentile(d.ttft, 99);
  // spec/performance.md P1: 100 started together has its own median target (≤ 25 ms on 2 cores) and no p99 one.
  const burst = typeof c === 'number' && c > 1;
  const medianTarget = burst ? 25 : 1;
  const met = addedMedian <= medianTarget && (burst || addedP99 <= 5);
  const cpuPerTurn = (1000 * t.serverCpu) / t.ttft.length;
  // The "while open" row's CPU includes relaying the open streams: it is not a turn's CPU, so no target.
  const cpuTarget = typeof c === 'number';
  const cpuVerdict = cpuTarget ? `; CPU ≤ 0.4: ${cpuPerTurn <= 0.4 ? 'met' : '**not met**'}` : '';
  table.push(`| ${c} | ${t.ttft.length} | ${fmt(median(d.ttft))} | ${fmt(percentile(d.ttft, 99))} | ${fmt(median(t.ttft))} | ${fmt(percentile(t.ttft, 99))} | ${fmt(addedMedian)} | ${fmt(addedP99)} | ${fmt(median(t.headers))} | ${fmt(cpuPerTurn)} | ${d.errors + t.errors} | ${burst ? '≤ 25' : '≤ 1 / ≤ 5'}: ${met ? 'met' : '**not met**'}${cpuVerdict} |`);
  const label = typeof c === 'number' ? `${c} stream${c > 1 ? 's' : ''}${c > 1 ? ' started together' : ''}` : c.replace('new', 'new turn').replace('open', 'streams open');
  const prefix = defaults ? 'default logging, ' : '';
  summary.push({ id: 'P1', measure: `${prefix}${label}, added median`, figure: `${fmt(addedMedian)} ms`, target: `≤ ${medianTarget} ms`, met: addedMedian <= medianTarget });
  if (!burst) summary.push({ id: 'P1', measure: `${prefix}${label}, added p99`, figure: `${fmt(addedP99)} ms`, target: '≤ 5 ms', met: addedP99 <= 5 });
  if (cpuTarget) summary.push({ id: 'P1', measure: `${prefix}${label}, parley CPU per turn`, figure: `${fmt(cpuPerTurn)} ms`, target: '≤ 0.4 ms', met: cpuPerTurn <= 0.4 });
}
const cs = cancel.samples;
const cancelMet = cs.length > 0 && cancel.errors === 0 && Math.max(...cs) <= 100;
const genCpu = rows.reduce((a, { d, t }) => a + d.cpu + t.cpu, 0);
const head = [
  defaults ? '### P1 — added time to first token with the default logging (ms)' : '### P1 — added time to first token (ms)', '',
  ...(defaults ? ['parley runs here with the logging a fresh install has (no `logging_settings.conf`: info to the terminal and to `logs/app/`, conversation snapshots in `logs/conversations/`), not the quiet settings of the rows above.', ''] : []),
  ...table, '',
  `Time to first token = from the request write to the first event carrying \`"content":"Hello"\`, measured by \`build/sse_load\` (C++; ${fmt(genCpu, 2)} s of CPU for all P1 runs). 1 stream: blocks of ${block} sequential requests; 100 streams: ${waves} bursts of 100 requests started together; "1 new while ${openStreams} open": the single-stream blocks again while ${openStreams} other streams run through parley at 20 chunks/s each (errors on those: ${openErrors}). Direct and through parley alternate run by run. The fake upstream (Node.js) answers at once, so the direct figure is its own time. sse_load keeps connections alive within one of its runs, so every burst of 100 opens 100 connections on both sides, and the single-stream blocks reuse one connection on both (parley keeps an HTTP/1.1 connection after a stream that ended whole, as a browser's next turn expects); parley's figures include the turn's SQLite writes. The time to first token does not include the client's TCP handshake. "Headers" is the time to parley's response headers; "CPU per turn" is parley's CPU time (its threads' scheduler run time from /proc, ns resolution) over its runs divided by the turns (in the last row it includes relaying the open streams).`,
];
const rest = [ // P7 and the floor are measured once, in the quiet run
  '', '### P7 — client disconnect to upstream connection closed (ms)', '',
  '| runs | median | p99 | max | errors | target |', '|---|---|---|---|---|---|',
  `| ${cs.length} | ${fmt(median(cs), 0)} | ${fmt(percentile(cs, 99), 0)} | ${cs.length ? fmt(Math.max(...cs), 0) : 'n/a'} | ${cancel.errors} | ≤ 100: ${cancelMet ? 'met' : '**not met**'} |`,
  '', `The client closes its socket when the third word arrived; the fake upstream's 'close' time (Date.now(), whole milliseconds, so each sample may be up to 1 ms short) minus the client's.`,
  ...(floor ? ['', '### P1 — the proxy floor: nginx in front of the same fake upstream', '',
    '| proxy | turns | time to first token median (ms) | added median (ms) | CPU per turn (ms) |', '|---|---|---|---|---|',
    `| direct (no proxy) | ${floor.direct.length} | ${fmt(median(floor.direct))} | | |`,
    `| nginx (plain SSE proxy, stores nothing) | ${floor.nginx.length} | ${fmt(median(floor.nginx))} | ${fmt(median(floor.nginx) - median(floor.direct))} | ${fmt((1000 * floor.nginxCpu) / floor.turns)} |`,
    `| parley | ${floor.parley.length} | ${fmt(median(floor.parley))} | ${fmt(median(floor.parley) - median(floor.direct))} | ${fmt((1000 * floor.parleyCpu) / floor.turns)} |`,
    '', `Three rounds of 500 single turns each, alternating direct / nginx / parley. sse_load keeps its connection alive between turns, and both proxies keep it (and their own to the fake); nginx's CPU is its worker's scheduler run time. What parley adds over nginx's CPU is the turn itself: request validation, the conversation's rows in SQLite (two transactions), the history, the upstream body, the accounting of the stream.`] : []),
];
const markdown = (defaults ? head : [...head, ...rest]).join('\n');
if (!defaults) summary.push({ id: 'P7', measure: 'disconnect to upstream closed, max', figure: `${cs.length ? fmt(Math.max(...cs), 0) : 'n/a'} ms`, target: '≤ 100 ms', met: cancelMet });

const cdfPlot = (c) => ({
  file: `p1-ttft-${defaults ? 'defaults-' : ''}${c}.png`, title: c === 'open' ? `P1 time to first token of a new turn while ${openStreams} streams are open (CDF)` : `P1 time to first token, ${c} stream${c > 1 ? 's started together' : ''} (CDF)`,
  xlabel: 'ms', ylabel: 'fraction of requests', style: 'steps', logx: c !== 100,
  series: [{ name: 'direct to the fake upstream', points: cdfPoints(samples[c].d) }, { name: 'through parley', points: cdfPoints(samples[c].t) }],
});
writeResult({ name: defaults ? 'latency_defaults' : 'latency',
  title: defaults ? 'P1 — added time to first token, default logging' : 'P1 — added time to first token; P7 — cancel', markdown, summary, plots: [cdfPlot(1), cdfPlot(100), cdfPlot('open')],
  raw: { ttft_ms: Object.fromEntries(Object.entries(samples).map(([c, s]) => [c, { direct: s.d, parley: s.t }])), cancel_ms: cs } });
