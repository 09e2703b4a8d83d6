// Benchmark P2 of spec/performance.md: relay throughput. The fake upstream sends N chunks as fast as it can; the
// client counts the chunks that reach it through parley, and through nginx as a plain SSE reverse proxy
// (proxy_buffering off), alternating in one run. Usage: node bench/relay_throughput.mjs [--chunks 100000] [--runs 3]
// Needs build/parley and nginx (apt-get install nginx-light). Prints a Markdown section; not a test.
import http from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { startParley } from '../tests/lib/parley.mjs';
import { startFakeUpstream } from '../tests/lib/fake_upstream.mjs';

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : dflt; };
const chunks = arg('--chunks', 100000);
const runs = arg('--runs', 3);
const nginxBin = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
if (!nginxBin) throw new Error('nginx is not installed: ./scripts/install-deps --bench (or apt-get install -y nginx-light)');

const freePort = () => new Promise((r) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => r(p)); }); });

async function startNginx(upstreamPort) {
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-nginx-'));
  for (const d of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi', 'logs']) mkdirSync(join(dir, d));
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_buffer_size 16m; client_max_body_size 64m;  # request bodies stay in memory (workers cannot write our temp dir)
  client_body_temp_path ${dir}/client_body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream fake { server 127.0.0.1:${upstreamPort}; keepalive 16; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://fake;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_read_timeout 300s;
    }
  }
}`);
  const proc = spawn(nginxBin, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'inherit' });
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((r) => { const s = net.connect(port, '127.0.0.1', () => { s.destroy(); r(true); }); s.on('error', () => r(false)); });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, stop: () => { proc.kill('SIGQUIT'); rmSync(dir, { recursive: true, force: true }); } };
}

// POSTs `body` and counts the SSE events carrying a content delta; chunks per second from the first to the last.
function relay(url, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", headers: { "Content-Type": "application/json" } }, (res) => {
      if (res.statusCode !== 200) console.error(`relay: ${url} answered ${res.statusCode}`);
      // From the first content chunk to the last one: the relay itself, not the turn's set-up and storage.
      let count = 0, first = 0n, last = 0n, tail = '';
      res.on('data', (d) => {
        const s = tail + d.toString('latin1');
        let i = 0, seen = 0;
        for (;;) { const j = s.indexOf('"content":"c', i); if (j < 0) break; seen++; i = j + 12; }
        if (seen) {
          const now = process.hrtime.bigint();
          if (!first) first = now;
          last = now;
          count += seen;
        }
        tail = s.slice(Math.max(0, s.length - 11));
      });
      res.on('end', () => {
        const secs = Number(last - first) / 1e9;
        resolve({ count, secs, rate: count / secs });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const up = await startFakeUpstream();
const port = Number(new URL(up.url).port);
const ngx = await startNginx(port);
const scenario = { content: Array.from({ length: chunks }, (_, k) => `c${k % 10}`) };
const results = {};
for (const threads of [1, 2]) {
  const p = await startParley({
    env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-bench-0123456789', PARLEY_MAX_TOOL_HOPS: '0', PARLEY_IO_THREADS: String(threads) },
    files: { 'data/mcp_servers.json': '{"servers":[]}', 'logging_settings.conf': 'terminal = warning\nsessions = warning\nconversations = off\n' },
  });
  const viaNginx = [], viaParley = [];
  for (let r = 0; r < runs; r++) {
    viaNginx.push(await relay(`http://127.0.0.1:${ngx.port}/api/v1/chat/completions`, { model: 'm', stream: true, messages: [{ role: 'user', content: 'go' }], fake_scenario: scenario }));
    viaParley.push(await relay(`${p.url}/api/chat/stream`, { messages: [{ role: 'user', content: 'go' }], fake_scenario: scenario }));
  }
  await p.stop();
  results[threads] = { viaNginx, viaParley };
}
ngx.stop();
await up.stop();

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const lines = ['## P2 — relay throughput (chunks/s reaching the client)', '',
  '| parley IO threads | chunks per run | nginx median | parley median | parley / nginx | chunks lost | target |', '|---|---|---|---|---|---|---|'];
for (const [threads, { viaNginx, viaParley }] of Object.entries(results)) {
  const n = median(viaNginx.map((x) => x.rate)), q = median(viaParley.map((x) => x.rate));
  const lost = viaParley.reduce((a, x) => a + (chunks - x.count), 0) + viaNginx.reduce((a, x) => a + (chunks - x.count), 0);
  const met = q / n >= 0.5 && q >= 100000 ? 'met' : '**not met**';
  lines.push(`| ${threads} | ${chunks} | ${n.toFixed(0)} | ${q.toFixed(0)} | ${(q / n * 100).toFixed(0)} % | ${lost} | ≥ 50 % and ≥ 100k/s: ${met} |`);
}
lines.push('', `Measured on ${new Date().toISOString()}, ${runs} runs each, alternating; the fake upstream (Node.js) and the client share the 2 cores with parley and nginx.`);
console.log(lines.join('\n'));
