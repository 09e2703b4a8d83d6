// Benchmark P3 of spec/performance.md: N concurrent chat streams through parley while the fake upstream sends one
// chunk per second on each; parley's resident memory (from /proc) idle, with every stream open and at its peak
// (VmHWM), errors, chunks/s delivered, and whether every upstream connection is closed once the clients leave.
// Measured at several N (a fresh parley each) so that memory can be plotted against streams. The load generator is
// build/sse_load (C++). Usage:
//   node bench/concurrency.mjs [--streams 5000] [--seconds 10] [--sweep 500,1000,2500,5000,max] [--connect-rate 2000]
//     [--scenario-in-body]
// "max" is the most streams the open-files limit allows: parley needs two sockets per stream (client, upstream),
// so a hard limit of 20,000 allows ~9,900. Writes bench/out/concurrency.json; not a test.
import { spawnSync } from 'node:child_process';
import { startParley } from '../tests/lib/parley.mjs';
import { startFakeUpstream } from '../tests/lib/fake_upstream.mjs';
import { writeResult, fmt } from './lib/results.mjs';
import { ensureSseLoad, startSseLoad, bodyFile, procStatus, cpuSeconds, openFileLimits, parleyBenchFiles } from './lib/sse_load.mjs';

const argv = process.argv;
const arg = (name, dflt) => { const i = argv.indexOf(name); return i > 0 ? argv[i + 1] : dflt; };
const streams = Number(arg('--streams', 5000));
const seconds = Number(arg('--seconds', 10));
const connectRate = Number(arg('--connect-rate', 2000));
const scenarioInBody = argv.includes('--scenario-in-body');
let limits = openFileLimits();
// 10,000 streams need ~20,200 open files in parley (two sockets per stream plus its own files). When the hard limit
// is lower, raising it is tried (prlimit on this process; children inherit it) and what the system said is reported:
// without CAP_SYS_RESOURCE the hard limit cannot be raised (EPERM) and the 10,000 figure is estimated instead.
const wantedFiles = 2 * 10000 + 200;
let limitNote = '';
if (Math.min(limits.soft, limits.hard) < wantedFiles) {
  const r = spawnSync('prlimit', ['--pid', String(process.pid), `--nofile=${wantedFiles}:${wantedFiles}`], { encoding: 'utf8' });
  const said = `${r.error ? r.error.message : ''}${r.stderr ?? ''}`.trim();
  limits = openFileLimits();
  if (Math.min(limits.soft, limits.hard) < wantedFiles) {
    limitNote = `raising the open-files limit to ${wantedFiles} for 10,000 streams failed: ${said || `prlimit exited ${r.status}`}${/not permitted/i.test(said) ? ' (EPERM: the hard limit cannot be raised without CAP_SYS_RESOURCE)' : ''}`;
    console.error(`concurrency: ${limitNote}`);
  }
}
// parley: 2 sockets per stream plus its own files (database, listening socket, …); the fake and sse_load: one each.
const maxStreams = Math.floor((Math.min(limits.soft, limits.hard) - 200) / 2 / 100) * 100;
const sweep = [...new Set([...String(arg('--sweep', '500,1000,2500,5000,max')).split(',').filter(Boolean)
  .map((x) => (x === 'max' ? maxStreams : Number(x))), streams])]
  .filter((n) => n > 0).sort((a, b) => a - b);
const tooMany = sweep.filter((n) => n > maxStreams);
if (tooMany.length) console.error(`concurrency: ${tooMany.join(', ')} streams exceed what the open-files limit (${limits.soft}) allows (${maxStreams}); skipped`);
let counts = sweep.filter((n) => n <= maxStreams);
if (!counts.length) counts = [maxStreams];
if (maxStreams < 1000) console.error(`concurrency: the open-files limit (${limits.soft}) allows only ${maxStreams} streams; raise it first: ulimit -n 20000`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

ensureSseLoad();
const up = await startFakeUpstream();

async function measure(n) {
  const p = await startParley({
    env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-bench-0123456789', PARLEY_MAX_TOOL_HOPS: '0', ...(process.env.BENCH_MALLOC_ARENA_MAX ? { MALLOC_ARENA_MAX: process.env.BENCH_MALLOC_ARENA_MAX } : {}) },
    files: parleyBenchFiles,
    // e.g. BENCH_PARLEY_PREFIX='heaptrack -o /tmp/p3' for a heap profile (the RSS figures are then the wrapper's)
    ...(process.env.BENCH_PARLEY_PREFIX ? { prefix: process.env.BENCH_PARLEY_PREFIX.split(' ').filter(Boolean) } : {}),
  });
  try {
    await sleep(300);
    const idle = procStatus(p.proc.pid);
    const cpu0 = cpuSeconds(p.proc.pid), fakeCpu0 = cpuSeconds(up.proc.pid);
    // One chunk per second per stream (the fake also waits a second after its comment and its role chunk), enough
    // of them to outlast the ramp-up and the measured seconds.
    const rampGuess = n / connectRate + 10;
    const ticks = Math.ceil(seconds + rampGuess + 60);
    // Set in the fake for every request, so that the streams send plain chat requests (a `fake_scenario` in the
    // body, --scenario-in-body, is an unknown key parley keeps and forwards: ~1.6 KB of JSON per stream).
    const scenario = { content: Array.from({ length: ticks }, (_, k) => `tick${k} `), delay_ms: 1000 };
    if (!scenarioInBody) await up.setDefaultScenario(scenario);
    const body = bodyFile({ messages: [{ role: 'user', content: `stream of ${n}` }], ...(scenarioInBody ? { fake_scenario: scenario } : {}) });
    let last = { marked: 0, errors: 0, finished: 0 };
    const load = startSseLoad({ url: `${p.url}/api/chat/stream`, bodyFile: body, concurrency: n, requests: n, connectRate,
      firstMarker: '"content":"tick0 ', countMarker: '"content":"tick', timeout: 60, progress: 0.25 }, { onProgress: (x) => { last = x; } });
    const failedEarly = load.done.then(() => true, () => true);
    const started = Date.now();
    let peak = idle;
    const sample = () => { const s = procStatus(p.proc.pid); if (s.rss > peak.rss) peak = s; return s; };
    // Wait for every stream to have its first chunk (or to have failed).
    while (last.marked + last.errors < n && Date.now() - started < 120000) {
      if (await Promise.race([failedEarly, sleep(250).then(() => false)])) break;
      sample();
    }
    const rampSeconds = (Date.now() - started) / 1000;
    const rampCpu = { parley: cpuSeconds(p.proc.pid) - cpu0, fake: cpuSeconds(up.proc.pid) - fakeCpu0 };
    const openAtStart = last.marked;
    const t0 = Date.now();
    const holdCpu0 = { parley: cpuSeconds(p.proc.pid), fake: cpuSeconds(up.proc.pid) };
    let openAll = sample();
    while (Date.now() - t0 < seconds * 1000) {
      await sleep(500);
      const s = sample();
      if (s.rss > openAll.rss) openAll = s;
    }
    const hwm = procStatus(p.proc.pid).hwm;
    const holdSeconds = (Date.now() - t0) / 1000;
    const holdCpu = { parley: cpuSeconds(p.proc.pid) - holdCpu0.parley, fake: cpuSeconds(up.proc.pid) - holdCpu0.fake };
    const closedBefore = (await up.closed()).closed_early;
    const openAtEnd = last.marked;
    load.stop(); // SIGUSR1: sse_load closes every stream and reports
    const closeStart = Date.now();
    const result = await load.done;
    let closed = 0;
    while (Date.now() - closeStart < 30000) {
      closed = (await up.closed()).closed_early - closedBefore;
      if (closed >= openAtEnd) break;
      await sleep(100);
    }
    const closeMs = Date.now() - closeStart;
    await sleep(1000);
    const after = procStatus(p.proc.pid);
    const cpu = cpuSeconds(p.proc.pid) - cpu0, fakeCpu = cpuSeconds(up.proc.pid) - fakeCpu0;
    if (result.errors.total > 0) {
      // What parley said about them (warnings and errors: the bench's logging settings).
      const said = p.output().split('\n').filter(Boolean);
      console.error(`concurrency: ${n} streams: parley's last log lines:\n${said.slice(-8).join('\n')}`);
    }
    return { n, opened: openAtStart, openAtEnd, errors: result.errors.total, errorKinds: result.errors, rampSeconds, rate: result.steady.events_per_s ?? 0,
      idle: idle.rss, open: openAll.rss, peak: Math.max(peak.rss, openAll.rss), hwm, closed, closeMs, after: after.rss, cpu, fakeCpu, rampCpu, holdCpu, holdSeconds,
      ttftP50: result.ttft.p50, gapP50: result.gaps.p50, gapP99: result.gaps.p99, loadgenCpu: result.cpu_s.user + result.cpu_s.system };
  } finally {
    await p.stop();
  }
}

const rows = [];
try {
  for (const n of counts) {
    const r = await measure(n);
    rows.push(r);
    console.error(`concurrency: ${n} streams: ${r.opened} open, ${r.errors} errors, ramp ${fmt(r.rampSeconds, 1)} s (CPU parley ${fmt(r.rampCpu.parley, 1)} s, fake ${fmt(r.rampCpu.fake, 1)} s), RSS ${fmt(r.open, 1)} MB, VmHWM ${fmt(r.hwm, 1)} MB, ${r.closed}/${r.openAtEnd} closed in ${r.closeMs} ms, CPU parley ${fmt(r.cpu, 1)} s, fake ${fmt(r.fakeCpu, 1)} s, sse_load ${fmt(r.loadgenCpu, 1)} s`);
  }
} finally {
  await up.stop();
}

const mb = (x) => fmt(x, 1);
const table = ['| streams | open | errors | ramp-up (s) | chunks/s delivered | gap between chunks p50 / p99 (ms) | RSS idle (MB) | RSS all open (MB) | VmHWM (MB) | per stream (KB) | upstream closed after clients left | RSS after (MB) | CPU while held: parley / fake (% of a core) | parley CPU per chunk (µs) |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|'];
for (const r of rows) {
  const perStream = ((r.open - r.idle) * 1024) / r.n;
  table.push(`| ${r.n}${r.n === maxStreams ? ' (fd limit)' : ''} | ${r.opened} | ${r.errors} | ${fmt(r.rampSeconds, 1)} | ${fmt(r.rate, 0)} | ${fmt(r.gapP50, 0)} / ${fmt(r.gapP99, 0)} | ${mb(r.idle)} | ${mb(r.open)} | ${mb(r.hwm)} | ${fmt(perStream, 0)} | ${r.closed}/${r.openAtEnd} in ${r.closeMs} ms | ${mb(r.after)} | ${fmt((100 * r.holdCpu.parley) / r.holdSeconds, 0)} / ${fmt((100 * r.holdCpu.fake) / r.holdSeconds, 0)} | ${fmt((1e6 * r.holdCpu.parley) / (r.rate * r.holdSeconds), 0)} |`);
}
// A least-squares line through (streams, RSS all open) for the 10,000-stream estimate when it cannot be opened here.
const fit = (() => {
  const xs = rows.map((r) => r.n), ys = rows.map((r) => r.open), k = xs.length;
  if (k < 2) return null;
  const mx = xs.reduce((a, b) => a + b) / k, my = ys.reduce((a, b) => a + b) / k;
  const slope = xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  return { slope, intercept: my - slope * mx };
})();
const largest = rows[rows.length - 1];
const main = rows.find((r) => r.n === streams) ?? largest;
const at10k = rows.find((r) => r.n >= 10000);
const estimate10k = fit ? fit.intercept + fit.slope * 10000 : NaN;
const memFigure = at10k ? at10k.open : estimate10k;
const allClean = rows.every((r) => r.errors === 0 && r.opened === r.n && r.closed >= r.openAtEnd);
const markdown = [
  ...table, '',
  `Each row is a fresh parley; \`build/sse_load\` (C++, one thread) opens the streams at ≤ ${connectRate} connections/s, holds them ${seconds} s once every stream has its first chunk, then closes them all with SIGUSR1 (RSS "all open" is the highest sample during those seconds; "per stream" = (all open − idle) / streams). The fake upstream (Node.js) sends one chunk per second per stream; "CPU while held" is the threads' scheduler run time from /proc over the held seconds, "per chunk" that of parley divided by the chunks delivered meanwhile. The open-files limit here is ${limits.soft} (hard ${limits.hard}); parley needs two sockets per stream, so ${maxStreams} is the most streams measurable${limitNote ? ` (${limitNote})` : ''}${at10k ? '' : `; 10,000 streams are estimated from a straight line through the rows: ${mb(estimate10k)} MB (${fmt(fit ? fit.slope * 1024 : NaN, 1)} KB per stream)`}.`,
].join('\n');
const summary = [
  { id: 'P3', measure: `RSS with 10,000 streams open${at10k ? '' : ` (estimated; ${largest?.n} measured: ${mb(largest?.open)} MB)`}`, figure: `${mb(memFigure)} MB`, target: '≤ 150 MB', met: at10k ? at10k.open <= 150 : (Number.isFinite(estimate10k) ? (estimate10k <= 150 ? null : false) : null) },
  { id: 'P3', measure: `streams open / errors at ${main?.n}`, figure: `${main?.opened} / ${main?.errors}`, target: 'all / 0', met: main ? main.opened === main.n && main.errors === 0 : null },
  { id: 'P3', measure: 'upstream connections closed after clients left', figure: rows.map((r) => `${r.closed}/${r.openAtEnd}`).join(', '), target: 'all', met: rows.every((r) => r.closed >= r.openAtEnd) },
];
if (!allClean) console.error('concurrency: some streams failed or were not closed upstream; see the table');
writeResult({
  name: 'concurrency', title: 'P3 — concurrent streams, one chunk per second each', markdown, summary,
  plots: [{ file: 'p3-rss.png', title: 'P3 parley resident memory against concurrent streams', xlabel: 'concurrent streams', ylabel: 'MB', style: 'linespoints',
    series: [
      { name: 'RSS, all streams open', points: rows.map((r) => [r.n, Number(r.open.toFixed(1))]) },
      { name: 'VmHWM (peak)', points: rows.map((r) => [r.n, Number(r.hwm.toFixed(1))]) },
      { name: 'RSS after the clients left', points: rows.map((r) => [r.n, Number(r.after.toFixed(1))]) },
      { name: 'target (10,000 streams, 150 MB)', points: [[0, 150], [10000, 150]] },
    ] }],
  raw: rows,
});
