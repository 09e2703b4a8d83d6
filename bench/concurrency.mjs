// Benchmark P3 of spec/performance.md: N concurrent chat streams through parley while the fake upstream sends
// one chunk per second on each; parley's resident memory (from /proc) with every stream open, errors, and
// whether every upstream connection is closed once the clients leave.
// Usage: bash -c 'ulimit -n 65536; node bench/concurrency.mjs --streams 10000 [--seconds 20]'   (needs build/parley)
// Prints a Markdown section; not a test: nothing here fails on timings.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { startParley } from '../tests/lib/parley.mjs';
import { startFakeUpstream } from '../tests/lib/fake_upstream.mjs';

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : dflt; };
const streams = arg('--streams', 2000);
const seconds = arg('--seconds', 20);
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const status = (pid) => {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number((s.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm')) || [])[1] || 0);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024, threads: kb('Threads') };
};

const up = await startFakeUpstream();
const p = await startParley({
  env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-bench-0123456789', PARLEY_MAX_TOOL_HOPS: '0' },
  files: { 'data/mcp_servers.json': '{"servers":[]}', 'logging_settings.conf': 'terminal = warning\nsessions = warning\nconversations = off\n' },
});
const idle = status(p.proc.pid);
const scenario = { content: Array.from({ length: seconds + 30 }, (_, k) => `tick${k} `), delay_ms: 1000 };
let opened = 0, errors = 0, chunks = 0;
const requests = [];
const started = Date.now();
for (let i = 0; i < streams; i++) {
  const body = JSON.stringify({ messages: [{ role: 'user', content: `stream ${i}` }], fake_scenario: scenario });
  const req = http.request(`${p.url}/api/chat/stream`, { method: 'POST', agent, headers: { 'Content-Type': 'application/json' } }, (res) => {
    if (res.statusCode !== 200) errors++;
    let counted = false;
    res.on('data', (d) => {
      const s = d.toString();
      if (!counted && s.includes('tick0')) { counted = true; opened++; }
      chunks += (s.match(/"content":"tick/g) || []).length;
      if (s.includes('event: error')) errors++;
    });
    res.on('error', () => {});
  });
  req.on('error', () => { errors++; });
  req.end(body);
  requests.push(req);
  if (i % 500 === 499) await sleep(50); // pace the connection setup a little
}
const openDeadline = Date.now() + 120000;
while (opened + errors < streams && Date.now() < openDeadline) await sleep(200);
const rampSeconds = (Date.now() - started) / 1000;
const chunksBefore = chunks;
const t0 = Date.now();
let peak = status(p.proc.pid);
while (Date.now() - t0 < seconds * 1000) {
  await sleep(1000);
  const s = status(p.proc.pid);
  if (s.rss > peak.rss) peak = s;
}
const rate = (chunks - chunksBefore) / ((Date.now() - t0) / 1000);
const closedBefore = (await up.closed()).closed_early;
for (const r of requests) r.destroy();
const closeStart = Date.now();
let closed = 0;
while (Date.now() - closeStart < 30000) {
  closed = (await up.closed()).closed_early - closedBefore;
  if (closed >= opened) break;
  await sleep(100);
}
const closeMs = Date.now() - closeStart;
await sleep(1000);
const after = status(p.proc.pid);
console.log([
  '## P3 — concurrent streams at one chunk per second each', '',
  '| streams | open | errors | ramp-up (s) | chunks/s delivered | RSS idle (MB) | RSS all open, peak (MB) | VmHWM (MB) | upstream closed after clients left | RSS after (MB) |',
  '|---|---|---|---|---|---|---|---|---|---|',
  `| ${streams} | ${opened} | ${errors} | ${rampSeconds.toFixed(1)} | ${rate.toFixed(0)} | ${idle.rss.toFixed(1)} | ${peak.rss.toFixed(1)} | ${peak.hwm.toFixed(1)} | ${closed}/${opened} in ${closeMs} ms | ${after.rss.toFixed(1)} |`,
  '', `Measured on ${new Date().toISOString()} with ${seconds} s at full concurrency; the load generator and the fake upstream (Node.js) share the machine's 2 cores with parley.`,
].join('\n'));
await p.stop();
await up.stop();
agent.destroy();
