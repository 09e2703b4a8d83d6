// Benchmark P6 of spec/performance.md: (1) the round trip of a built-in MCP tool call over stdio, through
// parley's MCP client to `parley mcp-server calculator` (bench/mcp/mcp_bench.cpp), and (2) how many requests
// parley sends to its MCP servers per chat turn when nothing changed: parley runs the calculator behind `tee`,
// which writes down every JSON-RPC message parley sends it, while chat turns run against the fake upstream.
// Usage: node bench/tools.mjs [--calls N] [--turns N]   (needs build/parley; builds build/mcp_bench)
// Writes bench/out/tools.json (bench/lib/results.mjs); not a test: nothing here fails on timings.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startParley, repoRoot, parleyBin } from '../tests/lib/parley.mjs';
import { startFakeUpstream } from '../tests/lib/fake_upstream.mjs';
import { writeResult, fmt } from './lib/results.mjs';

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : dflt; };
const calls = arg('--calls', 2000);
const turns = arg('--turns', 30);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// (1) Round trips through parley's own client.
const benchBin = join(repoRoot, 'build', 'mcp_bench');
if (!existsSync(benchBin)) execFileSync('cmake', ['--build', join(repoRoot, 'build'), '--target', 'mcp_bench'], { stdio: 'inherit' });
const rt = JSON.parse(execFileSync(benchBin, ['--parley', parleyBin, '--calls', String(calls)], { stdio: ['ignore', 'pipe', 'ignore'] }).toString());

// (2) Requests to the server per chat turn, counted by tee in front of the server's stdin.
const scratch = mkdtempSync(join(tmpdir(), 'parley-bench-tools-'));
const log = join(scratch, 'to-calculator.jsonl');
const sent = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
const methods = (messages) => {
  const out = {};
  for (const m of messages) { const k = m.method ?? (m.id !== undefined ? 'response' : 'other'); out[k] = (out[k] ?? 0) + 1; }
  return out;
};
const up = await startFakeUpstream();
const p = await startParley({
  env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-bench-0123456789', PARLEY_MAX_TOOL_HOPS: '3' },
  files: {
    'data/mcp_servers.json': JSON.stringify({ servers: [{ id: 'calculator', command: ['/bin/sh', '-c', `tee -a '${log}' | '${parleyBin}' mcp-server calculator`] }] }),
    'logging_settings.conf': 'terminal = warning\nsessions = warning\nconversations = off\n',
  },
});
let summaryRows, markdown;
try {
  for (let i = 0; i < 200; i++) {
    const status = await (await fetch(`${p.url}/api/mcp/servers`)).text();
    if (status.includes('calculator_evaluate')) break;
    await sleep(50);
  }
  const turn = async (text) => {
    const res = await fetch(`${p.url}/api/chat/stream`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: text }] }) });
    return res.text();
  };
  const atStart = sent();
  await up.reset();
  await up.script(Array.from({ length: turns }, (_, k) => ({ content: [`answer ${k}`] })));
  for (let i = 0; i < turns; i++) await turn(`question ${i}`);
  const afterPlain = sent();
  const upstreamBodies = (await up.requests()).filter((r) => r.path === '/chat/completions').map((r) => r.body);
  const offered = upstreamBodies.filter((b) => JSON.stringify(b?.tools ?? []).includes('calculator_evaluate')).length;
  // Turns where the model calls the tool once: one tools/call each, and still no tools/list.
  const toolTurns = 10;
  const call = (k) => ({ tool_fragments: [{ index: 0, id: `c${k}`, type: 'function', function: { name: 'calculator_evaluate', arguments: JSON.stringify({ operation: 'multiply', a: k, b: 7 }) } }] });
  await up.script(Array.from({ length: toolTurns }, (_, k) => [call(k), { content: [`it is ${k * 7}`] }]).flat());
  let results = 0;
  for (let i = 0; i < toolTurns; i++) if ((await turn(`what is ${i} times 7`)).includes(String(i * 7))) results++;
  const afterTools = sent();
  const plain = methods(afterPlain.slice(atStart.length));
  const withTools = methods(afterTools.slice(afterPlain.length));
  const perTurn = (afterPlain.length - atStart.length) / turns;
  const rows = [
    ['ping (transport floor)', rt.ping], ['tools/list', rt.tools_list], ['tools/call calculator_evaluate', rt.tools_call],
    ['tools/call calculator_expression', rt.tools_call_expression],
  ];
  markdown = [
    `Round trips through parley's MCP client (McpSession, stdio) to \`parley mcp-server calculator\`, ${rt.calls} of each after 50 warm-up requests; session start (spawn + initialize) ${fmt(rt.start_ms, 1)} ms.`,
    '', '| request | median (ms) | p90 | p99 | max |', '|---|---|---|---|---|',
    ...rows.map(([n, s]) => `| ${n} | ${fmt(s.median_ms, 3)} | ${fmt(s.p90_ms, 3)} | ${fmt(s.p99_ms, 3)} | ${fmt(s.max_ms, 3)} |`),
    '', `Messages parley sent to the calculator, counted by \`tee\` on the server's stdin (parley serving, fake upstream):`,
    '', '| phase | messages | by method |', '|---|---|---|',
    `| start-up (before the first turn) | ${atStart.length} | ${JSON.stringify(methods(atStart))} |`,
    `| ${turns} chat turns without tool calls (tools offered in ${offered} of ${upstreamBodies.length} upstream requests) | ${afterPlain.length - atStart.length} | ${JSON.stringify(plain)} |`,
    `| ${toolTurns} chat turns with one calculator call each (${results} answered) | ${afterTools.length - afterPlain.length} | ${JSON.stringify(withTools)} |`,
  ].join('\n');
  summaryRows = [
    { id: 'P6', measure: 'built-in tool call round trip over stdio, median', figure: `${fmt(rt.tools_call.median_ms, 3)} ms (p99 ${fmt(rt.tools_call.p99_ms, 2)} ms)`, target: '≤ 1 ms median', met: rt.tools_call.median_ms <= 1 },
    { id: 'P6', measure: 'requests to MCP servers per chat turn, nothing changed', figure: `${perTurn} (${turns} turns; tools offered in ${offered}/${upstreamBodies.length})`, target: '0', met: perTurn === 0 && offered === upstreamBodies.length && offered > 0 },
  ];
} finally {
  await p.stop();
  await up.stop();
  rmSync(scratch, { recursive: true, force: true });
}
writeResult({ name: 'tools', title: 'P6 — MCP tools', markdown, summary: summaryRows, plots: [], raw: { round_trips: rt } });
