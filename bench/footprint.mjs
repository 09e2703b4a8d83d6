// Benchmark P4 of spec/performance.md: the time from exec to `/health` answering 200, and the resident memory of
// the idle server after start (/proc/PID/status), with no MCP servers configured (and, for comparison, with the
// bootstrapped built-in servers, whose child processes are not counted). First start in a new home (creates the
// SQLite database and data/*.json) and restart of the same home, alternating.
// Usage: node bench/footprint.mjs [--runs N]   (needs build/parley)
// Writes bench/out/footprint.json (bench/lib/results.mjs); not a test: nothing here fails on timings.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync, existsSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parleyBin, webDist } from '../tests/lib/parley.mjs';
import { endWithThisProcess } from '../tests/lib/children.mjs';
import { writeResult, median, percentile, fmt, cdfPoints } from './lib/results.mjs';

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : dflt; };
const runs = arg('--runs', 15);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const freePort = () => new Promise((resolve, reject) => {
  const s = net.createServer();
  s.on('error', reject);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

// One GET /health on a fresh connection; resolves with the status or null when nothing listens yet.
const health = (port) => new Promise((resolve) => {
  const socket = net.connect(port, '127.0.0.1');
  let got = '';
  socket.on('connect', () => socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'));
  socket.on('data', (d) => { got += d; });
  socket.on('error', () => resolve(null));
  socket.on('close', () => resolve(got ? Number(got.split(' ')[1]) : null));
});

const memory = (pid) => {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number((s.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm')) || [])[1] || 0);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024, threads: kb('Threads') };
};

async function startOnce(home, builtins) {
  const port = await freePort();
  if (!builtins && !existsSync(join(home, 'data', 'mcp_servers.json'))) {
    mkdirSync(join(home, 'data'), { recursive: true });
    writeFileSync(join(home, 'data', 'mcp_servers.json'), '{"servers":[]}');
  }
  const env = { PATH: process.env.PATH, HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', PARLEY_HOME: home, PARLEY_PORT: String(port), PARLEY_WEB_DIR: webDist };
  const started = process.hrtime.bigint();
  const proc = endWithThisProcess(spawn(parleyBin, ['serve'], { cwd: home, env, stdio: 'ignore' }));
  let ms = null;
  for (let i = 0; i < 20000; i++) {
    if ((await health(port)) === 200) { ms = Number(process.hrtime.bigint() - started) / 1e6; break; }
    if (proc.exitCode !== null) break;
  }
  await sleep(2000); // idle: no requests after /health
  const mem = memory(proc.pid);
  proc.kill('SIGTERM');
  await new Promise((r) => (proc.exitCode !== null ? r() : proc.on('exit', r)));
  if (ms === null) throw new Error(`parley did not answer /health (home ${home})`);
  return { ms, ...mem };
}

const cases = { first: [], restart: [], builtins: [] };
for (let i = 0; i < runs; i++) {
  const home = mkdtempSync(join(tmpdir(), 'parley-bench-start-'));
  const other = mkdtempSync(join(tmpdir(), 'parley-bench-start-'));
  try {
    cases.first.push(await startOnce(home, false));
    cases.restart.push(await startOnce(home, false));
    cases.builtins.push(await startOnce(other, true));
  } finally {
    rmSync(home, { recursive: true, force: true });
    rmSync(other, { recursive: true, force: true });
  }
}

const names = { first: 'first start (new home: database and data files created), no MCP servers', restart: 'restart of the same home, no MCP servers', builtins: 'new home with the bootstrapped built-in MCP servers (children not counted)' };
const row = (k) => {
  const c = cases[k];
  const t = c.map((x) => x.ms), r = c.map((x) => x.rss), h = c.map((x) => x.hwm);
  return `| ${names[k]} | ${fmt(median(t), 1)} | ${fmt(percentile(t, 99), 1)} | ${fmt(median(r), 1)} | ${fmt(Math.max(...r), 1)} | ${fmt(median(h), 1)} | ${c[0].threads} |`;
};
const markdown = [
  `${runs} runs of each, alternating; time from \`spawn\` to the first 200 of \`GET /health\` (polled on new connections), memory from \`/proc/PID/status\` 2 s after that with no request in between.`,
  '', '| case | exec → /health median (ms) | p99 (ms) | idle RSS median (MB) | idle RSS max (MB) | peak RSS (VmHWM) median (MB) | threads |', '|---|---|---|---|---|---|---|',
  row('first'), row('restart'), row('builtins'),
].join('\n');
const startMs = median(cases.restart.map((x) => x.ms));
const firstMs = median(cases.first.map((x) => x.ms));
const rss = median(cases.first.map((x) => x.rss));
writeResult({
  name: 'footprint', title: 'P4 — footprint', markdown,
  summary: [
    { id: 'P4', measure: 'idle resident memory after start (no MCP servers), median', figure: `${fmt(rss, 1)} MB`, target: '≤ 30 MB', met: rss <= 30 },
    { id: 'P4', measure: 'exec → /health answering, restart / first start, median', figure: `${fmt(startMs, 1)} / ${fmt(firstMs, 1)} ms`, target: '≤ 200 ms', met: Math.max(startMs, firstMs) <= 200 },
  ],
  plots: [{ file: 'p4-start.png', title: 'P4: exec to /health answering', xlabel: 'ms', ylabel: 'fraction of starts', style: 'steps', marks: [{ x: 200, label: 'target 200 ms' }],
    series: Object.keys(cases).map((k) => ({ name: k, points: cdfPoints(cases[k].map((x) => x.ms)) })) }],
});
