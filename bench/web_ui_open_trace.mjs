// Diagnosis for P8 (not a benchmark of the report): what the page's main-thread tasks do while a 1,000-message
// conversation opens, by wall clock and by CPU. Each UI build given (`--dist DIR`, repeatable; default web/dist)
// is served by a parley of its own with the same conversation, and the rounds alternate between them, so that
// the builds are compared in the same minutes. For every task over `--over` ms (wall or CPU) it prints the wall
// and CPU time and what ran in it (the trace's events inside the task, by name, with their wall and CPU time),
// and for each round the PerformanceObserver's long tasks and how busy the other processes were.
// With --profile, V8's sampling profiler runs too (more overhead) and each task over the line lists the functions
// its samples were in (self time, ms; a non-minified build, `npx vite build --minify false`, names them).
// Usage: node bench/web_ui_open_trace.mjs [--dist DIR]... [--rounds N] [--over MS] [--turns N] [--profile]
import { readFileSync } from 'node:fs';
import { launchChromium } from '../tests/lib/browser.mjs';
import { startParley } from '../tests/lib/parley.mjs';
import { startFakeUpstream } from '../tests/lib/fake_upstream.mjs';
import { makeLongConversation } from '../tests/lib/long_conversation.mjs';
import { pageTaskDetails, taskCategories } from '../tests/lib/trace.mjs';

const args = process.argv.slice(2);
const all = (name) => args.flatMap((a, i) => (a === name ? [args[i + 1]] : []));
const num = (name, dflt) => { const v = all(name); return v.length ? Number(v[0]) : dflt; };
const dists = all('--dist');
const rounds = num('--rounds', 3);
const over = num('--over', 20);
const turns = num('--turns', 500);
const profile = args.includes('--profile');
const categories = [...taskCategories, 'v8', 'v8.execute', 'disabled-by-default-v8.gc', 'blink', 'blink.user_timing', 'loading', 'toplevel'];

// CPU time (ms) of every process on the machine (utime + stime of /proc/<pid>/stat), by command name.
function cpuByCommand() {
  const out = new Map();
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) if (line.startsWith('cpu ')) out.set('(all, busy)', line.split(/\s+/).slice(1, 9).reduce((a, x, i) => (i === 3 || i === 4 ? a : a + Number(x)), 0) * 10);
  return out;
}
function procCpu(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * 10; // clock ticks of 10 ms
  } catch { return 0; }
}

// Each sample of a V8 CPU profile: its time (µs, the trace's clock), the function it was in and the time it stands for.
function profileSamples(prof) {
  const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
  const out = [];
  let ts = prof.startTime;
  for (let i = 0; i < prof.samples.length; i++) {
    ts += prof.timeDeltas[i];
    const f = nodes.get(prof.samples[i]).callFrame;
    const next = prof.timeDeltas[i + 1] ?? 0;
    out.push({ ts, fn: `${f.functionName || '(anon)'}@${f.url.replace(/^.*\//, '')}:${f.lineNumber + 1}`.replace(/@:0$/, ''), ms: next / 1000 });
  }
  return out;
}

const up = await startFakeUpstream();
const servers = [];
for (const dist of dists.length ? dists : [undefined]) {
  const p = await startParley({ env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-bench-0123456789', ...(dist ? { PARLEY_WEB_DIR: dist } : {}) },
    files: { 'data/mcp_servers.json': '{"servers":[]}', 'logging_settings.conf': 'terminal = warning\nsessions = warning\nconversations = off\n' } });
  servers.push({ dist: dist ?? 'web/dist', p, session: await makeLongConversation(p, up, turns) });
}
const browser = await launchChromium();
try {
  for (let r = 0; r < rounds; r++) {
    for (const s of servers) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      await page.addInitScript((TURNS) => {
        performance.mark('p8-origin');
        // When the newest question is rendered (page clock, ms).
        new MutationObserver(() => {
          if (!window.__shownAt && document.querySelector(`.item[data-key="user_${TURNS - 1}"]`)) window.__shownAt = performance.now();
        }).observe(document, { childList: true, subtree: true });
        window.__long = [];
        new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__long.push([Math.round(e.startTime), Math.round(e.duration)]); }).observe({ type: 'longtask', buffered: true });
      }, turns);
      let cdp = null;
      if (profile) {
        // The profiler follows the page's renderer: load a page of the same site first.
        await page.goto(`${s.p.url}/health`);
        cdp = await context.newCDPSession(page);
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
        await cdp.send('Profiler.start');
      }
      await browser.startTracing(page, { categories });
      const cpu0 = cpuByCommand().get('(all, busy)');
      const parley0 = procCpu(s.p.proc.pid);
      const t0 = Date.now();
      await page.goto(`${s.p.url}/c/${s.session}`);
      await page.getByRole('article', { name: 'You' }).filter({ hasText: `Question number ${turns - 1}` }).waitFor();
      const shownMs = Date.now() - t0;
      await page.evaluate(() => new Promise((resolve) => requestIdleCallback(() => resolve(), { timeout: 2000 })));
      await page.waitForTimeout(300);
      const wallMs = Date.now() - t0;
      const busy = cpuByCommand().get('(all, busy)') - cpu0;
      const parleyMs = procCpu(s.p.proc.pid) - parley0;
      const tasks = pageTaskDetails(await browser.stopTracing());
      const samples = cdp ? profileSamples((await cdp.send('Profiler.stop')).profile) : [];
      const long = await page.evaluate(() => window.__long);
      const renderedAt = await page.evaluate(() => window.__shownAt);
      const maxCpu = Math.max(...tasks.map((t) => t.cpu));
      const maxWall = Math.max(...tasks.map((t) => t.wall));
      console.log(`\n=== round ${r + 1}, ${s.dist}: shown ${shownMs} ms (newest question rendered at ${renderedAt?.toFixed(0)} ms); ${tasks.length} tasks; longest CPU ${maxCpu.toFixed(1)} ms, longest wall ${maxWall.toFixed(1)} ms; ` +
        `observer long tasks [start, ms]: ${JSON.stringify(long)}; machine busy ${busy} ms of CPU in ${wallMs} ms (2 cores = ${2 * wallMs}), parley ${parleyMs} ms; load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
      console.log(`  requests (sent-finished, ms): ${tasks.requests.filter((q) => q.path.startsWith('/api') || q.path === '/health' || q.path.startsWith('/c/')).map((q) => `${q.path.replace(/session_[0-9a-f]+/, 'S')} ${q.sent.toFixed(0)}-${q.finished?.toFixed(0)}`).join(', ')}`);
      if (tasks.marks.length) {
        // Between consecutive marks: wall and main-thread CPU time (a task boundary in between adds idle wall time).
        console.log(`  marks: ${tasks.marks.map((m, i) => (i ? `${m.name} +${(m.start - tasks.marks[i - 1].start).toFixed(1)}/${(m.cpu - tasks.marks[i - 1].cpu).toFixed(1)}` : `${m.name} @${m.start.toFixed(0)}`)).join(', ')}`);
      }
      for (const t of tasks) {
        if (t.wall < over && t.cpu < over) continue;
        const observed = long.some(([start, ms]) => Math.abs(start - t.start) < 3 && Math.abs(ms - t.wall) < 3);
        const inside = tasks.marks.filter((m) => m.start >= t.start && m.start <= t.start + t.wall);
        console.log(`  ${observed ? 'LONG ' : ''}task at ${t.start.toFixed(0)} ms: wall ${t.wall.toFixed(1)}, CPU ${t.cpu.toFixed(1)} | ${t.parts.slice(0, 10).map((x) => `${x.name} ${x.wall.toFixed(1)}/${x.cpu.toFixed(1)}`).join(', ')}` +
          (inside.length ? `\n      marks (wall/CPU since the task began): ${inside.map((m) => `${m.name} ${(m.start - t.start).toFixed(1)}/${(m.cpu - t.tts).toFixed(1)}`).join(', ')}` : ''));
        if (cdp) {
          const self = new Map();
          for (const x of samples) if (x.ts >= t.ts && x.ts <= t.ts + t.wall * 1000) self.set(x.fn, (self.get(x.fn) ?? 0) + x.ms);
          console.log(`      samples: ${[...self].sort((a, b) => b[1] - a[1]).slice(0, 14).map(([f, ms]) => `${f} ${ms.toFixed(1)}`).join(', ')}`);
        }
      }
      await context.close();
    }
  }
} finally {
  await browser.close();
  for (const s of servers) await s.p.stop();
  await up.stop();
}
