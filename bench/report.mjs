// Writes bench/report.md from the results the benchmarks left in bench/out/*.json (bench/lib/results.mjs),
// the hand-kept analysis in bench/notes/<name>.md, and PNG plots made with gnuplot in bench/plots/.
// Usage: node bench/report.mjs   (run by ./scripts/bench after the benchmarks)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { outDir } from './lib/results.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const root = join(bench, '..');
const plotsDir = join(bench, 'plots');
// The sections in the order of spec/performance.md; each names the result file that fills it.
const sections = [
  { name: 'latency', targets: ['P1', 'P7'] },
  { name: 'latency_defaults', targets: ['P1'] },
  { name: 'openai_latency', targets: ['P1'] },
  { name: 'relay', targets: ['P2'] },
  { name: 'concurrency', targets: ['P3'] },
  { name: 'footprint', targets: ['P4'] },
  { name: 'history', targets: ['P5'] },
  { name: 'tools', targets: ['P6'] },
  { name: 'cancel', targets: ['P7'] },
  { name: 'web_ui', targets: ['P8'] },
  { name: 'observability', targets: ['P9'] },
];
const targetText = {
  P1: 'added time to first token: median ≤ 1 ms, p99 ≤ 5 ms added (100 started together: median ≤ 25 ms); CPU ≤ 0.4 ms per turn',
  P2: 'relay throughput: ≥ 50 % of nginx, ≥ 100k chunks/s',
  P3: '10,000 streams on 2 cores in ≤ 150 MB, zero errors, upstreams closed',
  P4: 'idle RSS ≤ 30 MB; exec → /health ≤ 200 ms',
  P5: 'history: 10k-message load ≤ 50 ms; list page ≤ 10 ms; search over 1M messages ≤ 100 ms',
  P6: 'built-in tool round trip ≤ 1 ms median; 0 round trips per turn when nothing changed',
  P7: 'client disconnect → upstream closed ≤ 100 ms',
  P8: 'UI ≤ 250 KB gzip; a 1,000-message conversation opens and scrolls with no long task > 50 ms',
  P9: 'metrics scraped every second and logging at info: P1 and P2 within 5 % of the same run with them off',
};

const sh = (cmd, args) => { try { return execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim(); } catch { return 'unknown'; } };
const results = {};
if (existsSync(outDir)) {
  for (const f of readdirSync(outDir).filter((x) => x.endsWith('.json'))) {
    const r = JSON.parse(readFileSync(join(outDir, f), 'utf8'));
    results[r.name] = r;
  }
}

function plot(p) {
  const data = join(outDir, `${p.file}.dat`);
  const blocks = p.series.map((s) => s.points.map((pt) => pt.map((v) => (typeof v === 'string' ? JSON.stringify(v) : v)).join(' ')).join('\n'));
  writeFileSync(data, blocks.join('\n\n\n') + '\n');
  const style = p.style ?? 'lines';
  const labelled = p.series.some((s) => s.points.some((pt) => pt.length > 2));
  const lines = [
    'set terminal pngcairo size 900,480 font "DejaVu Sans,10"', `set output '${join(plotsDir, p.file)}'`,
    `set title ${JSON.stringify(p.title ?? '')}`, `set xlabel ${JSON.stringify(p.xlabel ?? '')}`, `set ylabel ${JSON.stringify(p.ylabel ?? '')}`,
    'set grid', 'set key outside right top', p.logx ? 'set logscale x' : '', p.logy ? 'set logscale y' : '',
    ...(p.marks ?? []).map((m) => `set arrow from ${m.x}, graph 0 to ${m.x}, graph 1 nohead dt 2 lc rgb "red"\nset label ${JSON.stringify(m.label ?? '')} at ${m.x}, graph 0.05 offset 0.5,0 tc rgb "red"`),
    style === 'boxes' ? 'set style fill solid 0.6 border -1\nset boxwidth 0.8 relative\nset yrange [0:*]' : '',
    'plot ' + p.series.map((s, i) => `'${data}' index ${i} using 1:2${labelled ? ':xtic(3)' : ''} with ${style} lw 2 title ${JSON.stringify(s.name)}`).join(', '),
  ];
  const r = spawnSync('gnuplot', { input: lines.filter(Boolean).join('\n') + '\n' });
  if (r.status !== 0) return `(plot ${p.file} not drawn: ${r.error?.message ?? r.stderr.toString().trim()})`;
  return `![${p.title ?? p.file}](plots/${p.file})`;
}

rmSync(plotsDir, { recursive: true, force: true });
mkdirSync(plotsDir, { recursive: true });
const commit = sh('git', ['rev-parse', '--short', 'HEAD']) + (sh('git', ['status', '--porcelain', '--untracked-files=no', '--', '.', ':!bench/report.md', ':!bench/plots']) ? ' (with uncommitted changes)' : '');
// CPU time the hypervisor gave to others while the steps ran (/proc/stat's steal column, written by scripts/bench
// before and after them): on this shared VM the same build measured 1.5× slower in a throttled hour.
function stealDuringRun() {
  try {
    const read = (f) => readFileSync(join(outDir, f), 'utf8').trim().split(/\s+/).slice(1).map(Number);
    const a = read('cpu-stat-start'), b = read('cpu-stat-end');
    const total = b.reduce((x, y) => x + y, 0) - a.reduce((x, y) => x + y, 0);
    return total > 0 ? ((b[7] - a[7]) / total) * 100 : NaN;
  } catch { return NaN; }
}
const steal = stealDuringRun();
const out = [
  '# parley benchmark report', '',
  `Written by \`./scripts/bench\` on ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} from commit ${commit}.`,
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GB, Linux ${release()}; ${sh('c++', ['--version']).split('\n')[0]}; Node.js ${process.version}.`,
  ...(Number.isFinite(steal) ? [`CPU steal while the steps ran (time the hypervisor gave to other guests, from \`/proc/stat\`): ${steal.toFixed(1)} % of the CPU time${steal >= 3 ? ' — a throttled run: its figures are slower than this machine\'s usual' : ''}.`] : []),
  'Everything runs on loopback against the fake OpenAI-compatible upstream of `tests/fakes/` (Node.js). Medians and',
  'ratios are measured side by side in the same run; single runs on a shared 2-core VM vary by ±30 %, so compare',
  'ratios and orders of magnitude rather than the last digit. The analysis under each section (profiles, changes,',
  'what would fix a target not met) is kept in `bench/notes/`.', '',
  '## Summary', '', '| target | measure | figure | target value | met |', '|---|---|---|---|---|',
];
for (const id of Object.keys(targetText)) {
  const rows = Object.values(results).flatMap((r) => r.summary).filter((s) => s.id === id);
  if (!rows.length) out.push(`| ${id} | ${targetText[id]} | not measured in this run | | — |`);
  for (const s of rows) out.push(`| ${id} | ${s.measure} | ${s.figure} | ${s.target} | ${s.met === true ? 'met' : s.met === false ? '**not met**' : '—'} |`);
}
for (const sec of sections) {
  const r = results[sec.name];
  const notes = join(bench, 'notes', `${sec.name}.md`);
  if (!r && !existsSync(notes)) continue;
  out.push('', `## ${r?.title ?? `${sec.targets.join(', ')} (${sec.name})`}`, '');
  if (r) {
    out.push(`Measured ${r.measured_at.replace(/\.\d+Z$/, 'Z')}.`, '', r.markdown.trim(), '');
    for (const p of r.plots ?? []) out.push(plot(p), '');
  } else {
    out.push('Not measured in this run.', '');
  }
  if (existsSync(notes)) out.push(readFileSync(notes, 'utf8').trim(), '');
}
const extra = existsSync(join(bench, 'notes')) ? readdirSync(join(bench, 'notes')).filter((f) => f.endsWith('.md') && !sections.some((s) => `${s.name}.md` === f)) : [];
for (const f of extra.sort()) out.push('', readFileSync(join(bench, 'notes', f), 'utf8').trim(), '');
writeFileSync(join(bench, 'report.md'), out.join('\n').replace(/\n{3,}/g, '\n\n') + '\n');
console.log(`wrote bench/report.md (${Object.keys(results).length} results, ${readdirSync(plotsDir).length} plots)`);
