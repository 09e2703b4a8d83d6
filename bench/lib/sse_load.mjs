// Runs build/sse_load (bench/loadgen/sse_load.cpp), the C++ load generator the P1, P2, P3 and P7 benchmarks use
// instead of Node's http client, which saturated a core at 100 streams. Builds it first when it is missing or older
// than its source. SSE_LOAD_BIN overrides the binary; SSE_LOAD_CPUS (e.g. "1") pins it with taskset.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync, readFileSync, readdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../tests/lib/parley.mjs';
import { endWithThisProcess } from '../../tests/lib/children.mjs';

const buildDir = process.env.PARLEY_BUILD_DIR || join(repoRoot, 'build');
export const sseLoadBin = process.env.SSE_LOAD_BIN || join(buildDir, 'sse_load');
const source = join(repoRoot, 'bench', 'loadgen', 'sse_load.cpp');

export function ensureSseLoad() {
  if (process.env.SSE_LOAD_BIN) return sseLoadBin;
  if (existsSync(sseLoadBin) && statSync(sseLoadBin).mtimeMs >= statSync(source).mtimeMs) return sseLoadBin;
  if (!existsSync(join(buildDir, 'build.ninja')) && !existsSync(join(buildDir, 'Makefile'))) {
    const c = spawnSync('cmake', ['-S', repoRoot, '-B', buildDir, '-G', 'Ninja', '-DCMAKE_BUILD_TYPE=RelWithDebInfo'], { stdio: 'inherit' });
    if (c.status !== 0) throw new Error('cmake configure failed');
  }
  console.error('building sse_load (cmake --build build --target sse_load)');
  const b = spawnSync('cmake', ['--build', buildDir, '--target', 'sse_load'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (b.status !== 0) throw new Error('building sse_load failed');
  return sseLoadBin;
}

// A body in a temporary file (bodies of P2 are ~1 MB, too long for a command line).
const bodyDir = mkdtempSync(join(tmpdir(), 'parley-bench-bodies-'));
process.on('exit', () => rmSync(bodyDir, { recursive: true, force: true }));
let bodies = 0;
export function bodyFile(body) {
  const file = join(bodyDir, `body-${bodies++}.json`);
  writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
  return file;
}

const cpus = process.env.SSE_LOAD_CPUS;

// Starts sse_load with the given options ({url, bodyFile, concurrency, requests, ...} → --kebab-case flags; true
// → a bare flag). Returns { proc, done: Promise<result JSON>, stop() (SIGUSR1: close every stream and report) }.
// onProgress receives the progress lines (--progress S).
export function startSseLoad(options, { onProgress } = {}) {
  const args = [];
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined || v === null || v === false) continue;
    args.push(`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    if (v !== true) args.push(String(v));
  }
  const cmd = cpus ? 'taskset' : sseLoadBin;
  const proc = endWithThisProcess(spawn(cmd, cpus ? ['-c', cpus, sseLoadBin, ...args] : args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '', err = '', partial = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => {
    partial += d;
    let i;
    while ((i = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, i);
      partial = partial.slice(i + 1);
      if (line.startsWith('progress ') && onProgress) onProgress(JSON.parse(line.slice(9)));
      else if (!line.startsWith('progress ')) err += `${line}\n`;
    }
  });
  const done = new Promise((resolve, reject) => {
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      if (code !== 0) return reject(new Error(`sse_load ${args.join(' ')} exited ${code ?? signal}:\n${err}`));
      try { resolve(JSON.parse(out)); } catch (e) { reject(new Error(`sse_load printed no JSON: ${e.message}\n${err}`)); }
    });
  });
  return { proc, done, stop: () => proc.kill('SIGUSR1') };
}

export const runSseLoad = (options, hooks) => startSseLoad(options, hooks).done;

// Resident memory of a process from /proc (MB), and its CPU time (s).
export function procStatus(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number((s.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm')) || [])[1] || 0);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024, threads: kb('Threads') };
}

const ticks = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;
// A process's CPU time (s): the sum of its threads' scheduler run time (/proc/PID/task/TID/sched,
// se.sum_exec_runtime, nanosecond resolution). /proc/PID/stat's utime + stime come in clock ticks (10 ms): a round
// of 40 turns of ~1.3 ms each is 5 ticks, so a figure per turn would move in steps of 20 %. Threads that have
// exited are not counted (parley's IO and pool threads live as long as it does); where the scheduler file is
// missing, utime + stime is the fallback.
export function cpuSeconds(pid) {
  try {
    let ms = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      let text;
      try { text = readFileSync(`/proc/${pid}/task/${tid}/sched`, 'utf8'); } catch { continue; } // thread gone
      const m = text.match(/^se\.sum_exec_runtime\s*:\s*([0-9.]+)/m);
      if (!m) throw new Error('no se.sum_exec_runtime');
      ms += Number(m[1]);
    }
    return ms / 1000;
  } catch {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / ticks; // utime + stime
  }
}

// The soft and hard limits of open files of this process (children inherit them).
export function openFileLimits() {
  const m = readFileSync('/proc/self/limits', 'utf8').match(/^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m);
  const n = (x) => (x === 'unlimited' ? Infinity : Number(x));
  return m ? { soft: n(m[1]), hard: n(m[2]) } : { soft: 1024, hard: 1024 };
}

export const parleyBenchFiles = {
  'data/mcp_servers.json': '{"servers":[]}',
  'logging_settings.conf': 'terminal = warning\nsessions = warning\nconversations = off\n',
};
