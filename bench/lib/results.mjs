// The one format every benchmark of bench/ writes, so that bench/report.mjs can assemble bench/report.md.
// A benchmark writes bench/out/<name>.json (or the directory in PARLEY_BENCH_OUT):
//   { "name": "latency",                       // file name, no extension
//     "title": "P1 — added time to first token",  // section heading in the report
//     "markdown": "| … table(s) of this run … |",  // the figures of this run, as Markdown
//     "summary": [ { "id": "P1", "measure": "1 stream, added median", "figure": "0.8 ms",
//                    "target": "≤ 1 ms", "met": true } ],   // met: true, false, or null (not measurable here)
//     "plots": [ { "file": "p1-ttft.png", "title": "…", "xlabel": "…", "ylabel": "…",
//                  "style": "lines" | "linespoints" | "steps" | "boxes", "logx": false, "logy": false,
//                  "marks": [ { "x": 50, "label": "target" } ],   // optional vertical dashed lines
//                  "series": [ { "name": "direct", "points": [[x, y], …] } ] } ] }   // [x, y, "label"]: x tic label
// The C++ benchmarks write the same JSON themselves. Analysis that outlives one run (profiles, what was
// changed, what would fix a target not met) is kept by hand in bench/notes/<name>.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const outDir = process.env.PARLEY_BENCH_OUT || join(dirname(fileURLToPath(import.meta.url)), '..', 'out');

export function writeResult(result) {
  for (const key of ['name', 'title', 'markdown', 'summary']) {
    if (result[key] === undefined) throw new Error(`benchmark result without ${key}`);
  }
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${result.name}.json`);
  writeFileSync(file, JSON.stringify({ plots: [], ...result, measured_at: new Date().toISOString() }, null, 1));
  console.log(result.markdown);
  return file;
}

// Percentile by nearest rank over a copy of xs.
export function percentile(xs, p) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export const median = (xs) => percentile(xs, 50);

// Points of an empirical distribution function, for a "steps" plot of a latency distribution.
export function cdfPoints(xs, maxPoints = 400) {
  const s = [...xs].sort((a, b) => a - b);
  const step = Math.max(1, Math.floor(s.length / maxPoints));
  const out = [];
  for (let i = 0; i < s.length; i += step) out.push([s[i], (i + 1) / s.length]);
  if (s.length) out.push([s[s.length - 1], 1]);
  return out;
}

export const fmt = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
