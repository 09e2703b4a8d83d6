// Benchmark P2 of spec/performance.md: relay throughput. The fake upstream sends N chunks as fast as it can; the
// load generator (build/sse_load, C++) counts the content chunks that reach it through parley, through nginx as a
// plain SSE reverse proxy (proxy_buffering off) and straight from the fake (its own rate, the ceiling of both),
// alternating in one run. Usage: node bench/relay_throughput.mjs [--chunks 100000] [--runs 3]
// Needs build/parley and nginx (apt-get install nginx-light). Writes bench/out/relay.json; not a test.
import { startParley } from '../tests/lib/parley.mjs';
import { startFakeUpstream } from '../tests/lib/fake_upstream.mjs';
import { writeResult, median, fmt } from './lib/results.mjs';
import { ensureSseLoad, runSseLoad, bodyFile, cpuSeconds, parleyBenchFiles } from './lib/sse_load.mjs';
import { startNginx } from './lib/nginx.mjs';

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : dflt; };
const chunks = arg('--chunks', 100000);
const runs = arg('--runs', 3);

// One stream; chunks/s from the first content chunk to the last one (the relay itself, not the turn's set-up and
// storage), the chunks that arrived, and the CPU seconds the proxy (if any) used meanwhile.
async function relay(url, body, proxyPid = null) {
  const cpu0 = proxyPid ? cpuSeconds(proxyPid) : 0;
  const r = await runSseLoad({ url, bodyFile: body, requests: 1, firstMarker: '"content":"c', countMarker: '"content":"c', timeout: 60 });
  const cpu = proxyPid ? cpuSeconds(proxyPid) - cpu0 : null;
  if (r.errors.total) console.error(`relay: ${url}: ${JSON.stringify(r.errors)}`);
  return { count: r.totals.counted_events, rate: r.steady.events_per_s ?? 0, secs: r.steady.seconds ?? 0, cpu, gapP99: r.gaps.p99, gapMax: r.gaps.max, loadgenCpu: r.cpu_s.user + r.cpu_s.system };
}

ensureSseLoad();
const up = await startFakeUpstream();
const port = Number(new URL(up.url).port);
const ngx = await startNginx(port);
const scenario = { content: Array.from({ length: chunks }, (_, k) => `c${k % 10}`) };
const directBody = bodyFile({ model: 'm', stream: true, messages: [{ role: 'user', content: 'go' }], fake_scenario: scenario });
const parleyBody = bodyFile({ messages: [{ role: 'user', content: 'go' }], fake_scenario: scenario });
const results = {};
try {
  for (const threads of [1, 2]) {
    const p = await startParley({
      env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-bench-0123456789', PARLEY_MAX_TOOL_HOPS: '0', PARLEY_IO_THREADS: String(threads) },
      files: parleyBenchFiles,
    });
    const direct = [], viaNginx = [], viaParley = [];
    try {
      for (let r = 0; r < runs; r++) {
        direct.push(await relay(`${up.baseUrl}/chat/completions`, directBody));
        viaNginx.push(await relay(`http://127.0.0.1:${ngx.port}/api/v1/chat/completions`, directBody));
        viaParley.push(await relay(`${p.url}/api/chat/stream`, parleyBody, p.proc.pid));
      }
    } finally {
      await p.stop();
    }
    results[threads] = { direct, viaNginx, viaParley };
  }
} finally {
  ngx.stop();
  await up.stop();
}

const rate = (xs) => median(xs.map((x) => x.rate));
const lines = ['| parley IO threads | chunks per run | fake alone median | nginx median | parley median | parley / nginx | parley CPU per run (s) | gaps between content chunks p99 / max, nginx vs parley (ms) | chunks lost | target |',
  '|---|---|---|---|---|---|---|---|---|---|'];
const summary = [];
for (const [threads, { direct, viaNginx, viaParley }] of Object.entries(results)) {
  const n = rate(viaNginx), q = rate(viaParley), f = rate(direct);
  const lost = [...viaParley, ...viaNginx].reduce((a, x) => a + (chunks - x.count), 0);
  const ratioMet = q / n >= 0.5, absMet = q >= 100000;
  const cpu = median(viaParley.map((x) => x.cpu));
  lines.push(`| ${threads} | ${chunks} | ${fmt(f, 0)} | ${fmt(n, 0)} | ${fmt(q, 0)} | ${fmt((q / n) * 100, 0)} % | ${fmt(cpu, 2)} of ${fmt(median(viaParley.map((x) => x.secs)), 2)} | ${fmt(median(viaNginx.map((x) => x.gapP99)), 3)} / ${fmt(median(viaNginx.map((x) => x.gapMax)), 1)} vs ${fmt(median(viaParley.map((x) => x.gapP99)), 3)} / ${fmt(median(viaParley.map((x) => x.gapMax)), 1)} | ${lost} | ≥ 50 %: ${ratioMet ? 'met' : '**not met**'}; ≥ 100k/s: ${absMet ? 'met' : '**not met**'} |`);
  summary.push({ id: 'P2', measure: `parley / nginx, ${threads} IO thread${threads > 1 ? 's' : ''}`, figure: `${fmt((q / n) * 100, 0)} %`, target: '≥ 50 %', met: ratioMet });
  summary.push({ id: 'P2', measure: `parley chunks/s, ${threads} IO thread${threads > 1 ? 's' : ''}`, figure: `${fmt(q, 0)}/s`, target: '≥ 100k/s', met: absMet });
}
const loadgenCpu = Object.values(results).flatMap((x) => [...x.direct, ...x.viaNginx, ...x.viaParley]).reduce((a, x) => a + x.loadgenCpu, 0);
lines.push('', `Chunks/s from the first content chunk to the last as \`build/sse_load\` (C++, ${fmt(loadgenCpu, 2)} s of CPU for all ${runs * 6} runs) reads them; median of ${runs} runs each, alternating fake alone / nginx / parley. "Fake alone" is the load generator reading the fake upstream directly: the rate at which the fake's queued output can be read, an upper bound for both proxies. Parley's CPU is its threads' scheduler run time from /proc during the run, against the seconds of relaying. The fake upstream (Node.js) shares the 2 cores with parley, nginx and the client.`);

// x: the run's place in the sequence (runs 1..N with 1 IO thread, N+1..2N with 2), so each column is one moment.
const points = (xs, from = 0) => xs.map((x, i) => [from + i + 1, Math.round(x.rate)]);
const series = [
  { name: 'fake alone', points: [...points(results[1].direct), ...points(results[2].direct, runs)] },
  { name: 'nginx', points: [...points(results[1].viaNginx), ...points(results[2].viaNginx, runs)] },
  { name: 'parley, 1 IO thread', points: points(results[1].viaParley) },
  { name: 'parley, 2 IO threads', points: points(results[2].viaParley, runs) },
];
writeResult({
  name: 'relay', title: 'P2 — relay throughput', markdown: lines.join('\n'), summary,
  plots: [{ file: 'p2-relay.png', title: `P2 chunks/s reaching the client, per run (${chunks} chunks)`, xlabel: 'run (1 IO thread, then 2)', ylabel: 'chunks/s', style: 'linespoints', logy: true, series }],
});
