// P1 for the OpenAI-compatible API (docs/openai-api.md): the added time to first token of POST /v1/chat/completions
// (stream: true, with an API key), beside parley's own /api/chat/stream and the fake upstream reached directly,
// alternating block by block in one run on loopback. What the /v1 route adds on top of a native turn is the key
// lookup (one indexed query), the request check and the translation of each chunk.
// Usage: node bench/openai_latency.mjs [--runs 200]   (needs build/parley; builds build/sse_load if missing)
// Writes bench/out/openai_latency.json and prints its Markdown; not a test: nothing fails on timings.
import { startParley } from '../tests/lib/parley.mjs';
import { startFakeUpstream } from '../tests/lib/fake_upstream.mjs';
import { writeResult, percentile, median, fmt } from './lib/results.mjs';
import { ensureSseLoad, runSseLoad, bodyFile, cpuSeconds, parleyBenchFiles } from './lib/sse_load.mjs';

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : dflt; };
const runs = arg('--runs', 200);
const block = 20;

ensureSseLoad();
const up = await startFakeUpstream();
const p = await startParley({ env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-bench-0123456789', PARLEY_MAX_TOOL_HOPS: '0' },
  files: parleyBenchFiles });
const created = await (await fetch(`${p.url}/api/keys`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ name: 'bench', mcp_servers: [] }) })).json();

const marker = '"content":"Hello"';
const scenario = { content: ['Hello', ' world'] };
const sides = {
  direct: { url: `${up.baseUrl}/chat/completions`,
    bodyFile: bodyFile({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true, fake_scenario: scenario }) },
  native: { pid: p.proc.pid, url: `${p.url}/api/chat/stream`,
    bodyFile: bodyFile({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], fake_scenario: scenario }) },
  openai: { pid: p.proc.pid, url: `${p.url}/v1/chat/completions`, header: `Authorization: Bearer ${created.key}`,
    bodyFile: bodyFile({ model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }], fake_scenario: scenario }) },
};
const samples = { direct: [], native: [], openai: [] };
const cpu = { native: 0, openai: 0 };
let errors = 0;
try {
  for (let round = 0; round < Math.ceil(runs / block) + 1; round++) {
    for (const [name, side] of Object.entries(sides)) {
      const cpu0 = side.pid ? cpuSeconds(side.pid) : 0;
      const r = await runSseLoad({ url: side.url, bodyFile: side.bodyFile, header: side.header, concurrency: 1, requests: block,
        firstMarker: marker, timeout: 30, raw: true });
      errors += r.errors.total;
      if (round === 0) continue;  // warm-up
      samples[name].push(...r.ttft_ms);
      if (side.pid) cpu[name] += cpuSeconds(side.pid) - cpu0;
    }
  }
} finally {
  await p.stop();
  await up.stop();
}

const d = median(samples.direct);
const row = (name, label) => `| ${label} | ${samples[name].length} | ${fmt(median(samples[name]))} | ${fmt(percentile(samples[name], 99))} | ${fmt(median(samples[name]) - d)} | ${fmt(percentile(samples[name], 99) - percentile(samples.direct, 99))} | ${fmt((1000 * cpu[name]) / samples[name].length)} |`;
const addedOpenAi = median(samples.openai) - d;
const markdown = [
  '### P1 — the OpenAI-compatible API: added time to first token (ms), 1 stream', '',
  '| route | samples | median | p99 | added median | added p99 | parley CPU per turn |', '|---|---|---|---|---|---|---|',
  `| direct to the fake upstream | ${samples.direct.length} | ${fmt(d)} | ${fmt(percentile(samples.direct, 99))} | – | – | – |`,
  row('native', 'parley /api/chat/stream'), row('openai', 'parley /v1/chat/completions (API key)'), '',
  `Blocks of ${block} sequential requests, the three routes alternating; errors: ${errors}. The /v1 turn keeps its history in memory (no SQLite writes for the turn) but looks its key up in the database.`,
].join('\n');
writeResult({ name: 'openai_latency', title: 'P1 — the OpenAI-compatible API', markdown,
  summary: [{ id: 'P1', measure: '/v1/chat/completions, 1 stream, added median', figure: `${fmt(addedOpenAi)} ms`, target: '≤ 1 ms', met: addedOpenAi <= 1 }],
  raw: { ttft_ms: samples } });
