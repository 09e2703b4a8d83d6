// Benchmarks P1 (added time to first token) and P7 (client disconnect -> upstream closed) of
// spec/performance.md: the fake upstream of tests/fakes, reached directly and through parley, side by side in
// one run, on loopback. Usage: node bench/chat_latency.mjs [--runs N]   (needs build/parley)
// Prints a Markdown section; not a test: nothing here fails on timings.
import http from 'node:http';
import net from 'node:net';
import { startParley } from '../tests/lib/parley.mjs';
import { startFakeUpstream } from '../tests/lib/fake_upstream.mjs';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 200) || 200;
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

// Time from sending the request to the first chunk that carries content.
function timeToFirstToken(url, body) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request(url, { method: 'POST', agent, headers: { 'Content-Type': 'application/json' } }, (res) => {
      let seen = false;
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        buf += d;
        if (!seen && buf.includes('"content":"Hello"')) {
          seen = true;
          resolve(Number(process.hrtime.bigint() - started) / 1e6);
        }
      });
      res.on('end', () => { if (!seen) reject(new Error('no token')); });
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; };
const fmt = (x) => x.toFixed(2);

async function ttft(direct, through, concurrency) {
  const d = [], t = [];
  const rounds = Math.max(1, Math.floor(runs / concurrency));
  for (let r = 0; r < rounds; r++) {
    // Alternate direct and through parley so both see the same machine state.
    d.push(...await Promise.all(Array.from({ length: concurrency }, () => timeToFirstToken(direct.url, direct.body))));
    t.push(...await Promise.all(Array.from({ length: concurrency }, () => timeToFirstToken(through.url, through.body))));
  }
  return { d, t };
}

async function cancelLatency(p, up) {
  const out = [];
  for (let i = 0; i < Math.min(30, runs); i++) {
    await up.script([{ content: Array.from({ length: 200 }, (_, k) => `w${k} `), delay_ms: 20 }]);
    const before = (await up.closed()).closed_early;
    const socket = net.connect(p.port, '127.0.0.1');
    let got = '';
    socket.on('data', (x) => { got += x; });
    socket.on('error', () => {});
    const body = JSON.stringify({ messages: [{ role: 'user', content: 'cancel' }] });
    socket.write(`POST /api/chat/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    while (!got.includes('w2 ')) await new Promise((r) => setTimeout(r, 2));
    const left = Date.now();
    socket.destroy();
    let c;
    for (;;) { c = await up.closed(); if (c.closed_early > before) break; await new Promise((r) => setTimeout(r, 5)); }
    out.push(c.closed_at - left);
  }
  return out;
}

const up = await startFakeUpstream();
const p = await startParley({ env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-bench-0123456789', PARLEY_MAX_TOOL_HOPS: '0' },
  files: { 'data/mcp_servers.json': '{"servers":[]}', 'logging_settings.conf': 'terminal = warning\nsessions = warning\nconversations = off\n' } });
try {
  const scenario = { content: ['Hello', ' world'] };
  const direct = { url: `${up.baseUrl}/chat/completions`, body: { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true, fake_scenario: scenario } };
  const through = { url: `${p.url}/api/chat/stream`, body: { messages: [{ role: 'user', content: 'hi' }], fake_scenario: scenario } };
  await ttft(direct, through, 1); // warm-up
  const lines = ['## P1 — added time to first token (ms)', '', '| streams | direct median | direct p99 | via parley median | via parley p99 | added median | added p99 |', '|---|---|---|---|---|---|---|'];
  for (const c of [1, 100]) {
    const { d, t } = await ttft(direct, through, c);
    lines.push(`| ${c} | ${fmt(pct(d, 50))} | ${fmt(pct(d, 99))} | ${fmt(pct(t, 50))} | ${fmt(pct(t, 99))} | ${fmt(pct(t, 50) - pct(d, 50))} | ${fmt(pct(t, 99) - pct(d, 99))} |`);
  }
  const cancel = await cancelLatency(p, up);
  lines.push('', '## P7 — browser disconnect to upstream connection closed (ms)', '', `| runs | median | p99 | max |`, '|---|---|---|---|',
    `| ${cancel.length} | ${pct(cancel, 50)} | ${pct(cancel, 99)} | ${Math.max(...cancel)} |`,
    '', `Measured with ${runs} requests per row on ${new Date().toISOString()}; each turn through parley also stores the user and assistant rows in SQLite.`);
  console.log(lines.join('\n'));
} finally {
  await p.stop();
  await up.stop();
}
