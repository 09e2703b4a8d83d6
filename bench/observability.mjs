// Benchmark P9 of spec/performance.md: the cost of observability. Two parleys on the same fake upstream, side by
// side in one run: "off" with the bench's quiet settings (warnings only, no conversation snapshots, nothing
// scraping /metrics) and "on" with the logging a fresh install has (no logging_settings.conf: info to the
// terminal and logs/app/, conversation snapshots, redaction of every line) while GET /metrics is scraped every
// second. Alternating rounds of P1 (single-stream time to first token and CPU per turn, build/sse_load) and P2
// (one 100,000-chunk relay). Usage: node bench/observability.mjs [--rounds 5] [--turns 40] [--chunks 100000]
// Writes bench/out/observability.json; not a test.
import { startParley } from '../tests/lib/parley.mjs';
import { startFakeUpstream } from '../tests/lib/fake_upstream.mjs';
import { makeLongConversation } from '../tests/lib/long_conversation.mjs';
import { writeResult, median, fmt } from './lib/results.mjs';
import { ensureSseLoad, runSseLoad, bodyFile, cpuSeconds, parleyBenchFiles } from './lib/sse_load.mjs';
import { mkdtempSync, openSync, writeSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : dflt; };
const rounds = arg('--rounds', 5), turns = arg('--turns', 40), chunks = arg('--chunks', 100000);
// A long conversation: its turns (user + assistant) made first, then `longTurns` more per round and side.
const longMade = arg('--long-turns-made', 500), longTurns = arg('--long-turns', 20);

ensureSseLoad();

// "On" starts a conversation log file per new conversation, and every turn here is a new conversation. This VM's
// root file system is ext4 without a journal: when it allocates an inode it checks, one by one, the inodes
// deleted within the last minute (up to six while their inode table block is dirty) and skips them. Right after a
// step that deleted many files (P8's Chromium profile, every step's parley homes) creating a file in the
// temporary directory costs ~100-170 µs of CPU instead of ~20 µs (measured 2026-12-03). The cost of a file
// creation is probed when the step begins and when it ends (in a directory kept until exit, so the probe
// deletes nothing during the run) and reported beside the figures.
const probeDir = mkdtempSync(join(tmpdir(), 'parley-bench-create-probe-'));
process.on('exit', () => rmSync(probeDir, { recursive: true, force: true }));
let probes = 0;
function createCostUs(files = 300) {
  const c0 = process.cpuUsage();
  for (let i = 0; i < files; i++) {
    const fd = openSync(join(probeDir, `p${probes++}.log`), 'wx', 0o600);
    writeSync(fd, 'x'.repeat(300));
    closeSync(fd);
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / files;
}
const createBefore = createCostUs();

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
// Turns in a long conversation of each side (the log's cost per turn must not grow with the history).
async function pLong(p, session) {
  const c0 = cpuSeconds(p.proc.pid);
  for (let i = 0; i < longTurns; i++) {
    const res = await fetch(`${p.url}/api/chat/stream`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ session_id: session, messages: [{ role: 'user', content: `one more ${i}` }], fake_scenario: { content: ['Hello', ' world'] } }) });
    const text = await res.text();
    if (res.status !== 200 || !text.includes('"content":"Hello"')) longErrors++;
  }
  return ((cpuSeconds(p.proc.pid) - c0) * 1000) / longTurns;
}
// Three relays per side and round, their median rate: a single 100,000-chunk relay moved by ±30 % run to run.
async function p2(p) {
  const rates = [];
  let count = 0, errors = 0;
  for (let i = 0; i < 3; i++) {
    const r = await runSseLoad({ url: `${p.url}/api/chat/stream`, bodyFile: relayBody, requests: 1, firstMarker: '"content":"c', countMarker: '"content":"c', timeout: 60 });
    rates.push(r.steady.events_per_s ?? 0); count += r.totals.counted_events; errors += r.errors.total;
  }
  return { rate: median(rates), count: count / 3, errors };
}

let createAfter = NaN;
const res = { off: { ttft: [], cpu: [], rate: [], longCpu: [], errors: 0, lost: 0 }, on: { ttft: [], cpu: [], rate: [], longCpu: [], errors: 0, lost: 0 } };
let longMessages = 0, longErrors = 0;
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
  const long = { off: await makeLongConversation(off, up, longMade), on: await makeLongConversation(on, up, longMade) };
  longMessages = (await (await fetch(`${on.url}/api/chat/session/${long.on}/messages`)).json()).messages.length;
  await pLong(off, long.off); await pLong(on, long.on);  // warm-up
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 ? [['on', on], ['off', off]] : [['off', off], ['on', on]];
    for (const [name, p] of order) res[name].longCpu.push(await pLong(p, long[name]));
  }
} finally {
  clearInterval(scraper);
  createAfter = createCostUs();
  await off.stop(); await on.stop(); await up.stop();
}

const m = (side) => ({ ttft: median(res[side].ttft), cpu: median(res[side].cpu), rate: median(res[side].rate), longCpu: median(res[side].longCpu) });
const a = m('off'), b = m('on');
const pct = (x, y) => ((y - x) / x) * 100;
const rows = [
  ['P1 time to first token, median (ms)', a.ttft, b.ttft, pct(a.ttft, b.ttft), 3],
  ['P1 parley CPU per turn, median of rounds (ms)', a.cpu, b.cpu, pct(a.cpu, b.cpu), 2],
  ['P2 chunks/s, median of rounds', a.rate, b.rate, pct(a.rate, b.rate), 0],
  [`P1 parley CPU per turn in a conversation of ${longMessages}+ messages, median of rounds (ms)`, a.longCpu, b.longCpu, pct(a.longCpu, b.longCpu), 2],
];
const within = (row, higherIsBetter) => (higherIsBetter ? row[3] >= -5 : row[3] <= 5);
const lines = ['| measure | off | on | change | target |', '|---|---|---|---|---|'];
const summary = [];
rows.forEach((row, i) => {
  const met = within(row, i === 2);
  lines.push(`| ${row[0]} | ${fmt(row[1], row[4])} | ${fmt(row[2], row[4])} | ${row[3] >= 0 ? '+' : ''}${fmt(row[3], 1)} % | within 5 %: ${met ? 'met' : '**not met**'} |`);
  summary.push({ id: 'P9', measure: `${row[0].replace(/ \(.*\)$/, '')}, on vs off`, figure: `${row[3] >= 0 ? '+' : ''}${fmt(row[3], 1)} %`, target: 'within 5 %', met });
});
lines.push('', `${rounds} rounds, each ${turns} single-stream turns and three ${chunks}-chunk relays per side (their median), alternating which side goes first; errors off/on: ${res.off.errors}/${res.on.errors}, chunks lost: ${res.off.lost}/${res.on.lost}. "On": default logging (info to the terminal and \`logs/app/\`, conversation snapshots) and \`GET /metrics\` scraped every second (${scrapes} scrapes of ${fmt(scrapeBytes / 1024, 1)} KB, ${scrapeErrors} failed). "Off": warnings only, no snapshots, no scraping. The time to first token is compared directly (both sides use the same fake upstream), not as "added" time. Every turn here is a new conversation, so "on" creates a log file per turn: creating a file (open, 300-byte write, close, from Node.js) in the temporary directory cost ${fmt(createBefore, 0)} µs of CPU when this step began and ${fmt(createAfter, 0)} µs when it ended (it depends on what was deleted there in the minutes before: see \`bench/observability.mjs\`). The long-conversation row: ${longMade} turns made in one conversation per side first (${longMessages} messages), then ${longTurns} more turns per round and side through Node's fetch (errors: ${longErrors}); the conversation log appends each turn's rows to the conversation's file of the day instead of writing the whole history again.`);
writeResult({ name: 'observability', title: 'P9 — metrics, logs and redaction on', markdown: lines.join('\n'), summary });
