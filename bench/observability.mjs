// Benchmark P9 of spec/performance.md: the cost of observability. Two parleys on the same fake upstream, side by
// side in one run: "off" with the bench's quiet settings (warnings only, no conversation snapshots, nothing
// scraping /metrics) and "on" with the logging a fresh install has (no logging_settings.conf: info to the
// terminal and logs/app/, conversation snapshots, redaction of every line) while GET /metrics is scraped every
// second. Alternating rounds of P1 (single-stream time to first token and CPU per turn, build/sse_load) and P2
// (one 100,000-chunk relay). Usage: node bench/observability.mjs [--rounds 5] [--turns 40] [--chunks 100000]
// Writes bench/out/observability.json; not a test.
import { startParley } from '../tests/lib/parley.mjs';
import { startFakeUpstream } from '../tests/lib/fake_upstream.mjs';
import { writeResult, median, fmt } from './lib/results.mjs';
import { ensureSseLoad, runSseLoad, bodyFile, cpuSeconds, parleyBenchFiles } from './lib/sse_load.mjs';

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : dflt; };
const rounds = arg('--rounds', 5), turns = arg('--turns', 40), chunks = arg('--chunks', 100000);

ensureSseLoad();
const up = await startFakeUpstream();
const env = { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-bench-0123456789', PARLEY_MAX_TOOL_HOPS: '0' };
const off = await startParley({ env, files: parleyBenchFiles });
const on = await startParley({ env, files: { 'data/mcp_servers.json': parleyBenchFiles['data/mcp_servers.json'] } });
let scrapes = 0, scrapeErrors = 0, scrapeBytes = 0;
const scraper = setInterval(async () => {
  try {
    const res = await fetch(`${on.url}/metrics`);
    const text = await res.text();
    if (res.status === 200 && text.includes('parley_chat_turns_total')) { scrapes++; scrapeBytes = text.length; } else scrapeErrors++;
  } catch { scrapeErrors++; }
}, 1000);

const turnBody = bodyFile({ messages: [{ role: 'user', content: 'hi' }], fake_scenario: { content: ['Hello', ' world'] } });
const relayBody = bodyFile({ messages: [{ role: 'user', content: 'go' }], fake_scenario: { content: Array.from({ length: chunks }, (_, k) => `c${k % 10}`) } });

async function p1(p) {
  const c0 = cpuSeconds(p.proc.pid);
  const r = await runSseLoad({ url: `${p.url}/api/chat/stream`, bodyFile: turnBody, concurrency: 1, requests: turns, firstMarker: '"content":"Hello"', timeout: 30, raw: true });
  return { ttft: r.ttft_ms, cpuPerTurn: ((cpuSeconds(p.proc.pid) - c0) * 1000) / turns, errors: r.errors.total };
}
async function p2(p) {
  const r = await runSseLoad({ url: `${p.url}/api/chat/stream`, bodyFile: relayBody, requests: 1, firstMarker: '"content":"c', countMarker: '"content":"c', timeout: 60 });
  return { rate: r.steady.events_per_s ?? 0, count: r.totals.counted_events, errors: r.errors.total };
}

const res = { off: { ttft: [], cpu: [], rate: [], errors: 0, lost: 0 }, on: { ttft: [], cpu: [], rate: [], errors: 0, lost: 0 } };
try {
  await p1(off); await p1(on);  // warm-up
  for (let r = 0; r < rounds; r++) {
    // The order is swapped every round, so that neither side always runs first.
    const order = r % 2 ? [['on', on], ['off', off]] : [['off', off], ['on', on]];
    for (const [name, p] of order) {
      const a = await p1(p);
      res[name].ttft.push(...a.ttft); res[name].cpu.push(a.cpuPerTurn); res[name].errors += a.errors;
    }
    for (const [name, p] of order) {
      const b = await p2(p);
      res[name].rate.push(b.rate); res[name].errors += b.errors; res[name].lost += chunks - b.count;
    }
  }
} finally {
  clearInterval(scraper);
  await off.stop(); await on.stop(); await up.stop();
}

const m = (side) => ({ ttft: median(res[side].ttft), cpu: median(res[side].cpu), rate: median(res[side].rate) });
const a = m('off'), b = m('on');
const pct = (x, y) => ((y - x) / x) * 100;
const rows = [
  ['P1 time to first token, median (ms)', a.ttft, b.ttft, pct(a.ttft, b.ttft), 3],
  ['P1 parley CPU per turn, median of rounds (ms)', a.cpu, b.cpu, pct(a.cpu, b.cpu), 2],
  ['P2 chunks/s, median of rounds', a.rate, b.rate, pct(a.rate, b.rate), 0],
];
const within = (row, higherIsBetter) => (higherIsBetter ? row[3] >= -5 : row[3] <= 5);
const lines = ['| measure | off | on | change | target |', '|---|---|---|---|---|'];
const summary = [];
rows.forEach((row, i) => {
  const met = within(row, i === 2);
  lines.push(`| ${row[0]} | ${fmt(row[1], row[4])} | ${fmt(row[2], row[4])} | ${row[3] >= 0 ? '+' : ''}${fmt(row[3], 1)} % | within 5 %: ${met ? 'met' : '**not met**'} |`);
  summary.push({ id: 'P9', measure: `${row[0].replace(/ \(.*\)$/, '')}, on vs off`, figure: `${row[3] >= 0 ? '+' : ''}${fmt(row[3], 1)} %`, target: 'within 5 %', met });
});
lines.push('', `${rounds} rounds, each ${turns} single-stream turns and one ${chunks}-chunk relay per side, alternating which side goes first; errors off/on: ${res.off.errors}/${res.on.errors}, chunks lost: ${res.off.lost}/${res.on.lost}. "On": default logging (info to the terminal and \`logs/app/\`, conversation snapshots) and \`GET /metrics\` scraped every second (${scrapes} scrapes of ${fmt(scrapeBytes / 1024, 1)} KB, ${scrapeErrors} failed). "Off": warnings only, no snapshots, no scraping. The time to first token is compared directly (both sides use the same fake upstream), not as "added" time.`);
writeResult({ name: 'observability', title: 'P9 — metrics, logs and redaction on', markdown: lines.join('\n'), summary });
