// Benchmark P8 of spec/performance.md: the web UI's JavaScript + CSS on first load (gzip, as served), and a
// 1,000-message conversation opened (the page loaded at /c/<id> until its last message is shown, plus 300 ms) and
// scrolled to its first message in headless Chromium (Debian's) without long tasks > 50 ms. Long tasks are counted
// two ways, for the open and for the scroll: the page's PerformanceObserver (wall clock, which on a busy 2-core
// machine includes time the renderer waited for a core) and a Chromium trace of the renderer's main thread (CPU
// time of each task, `tdur`).
// Usage: node bench/web_ui.mjs [--rounds N]   (needs build/parley and web/dist)
// Writes bench/out/web_ui.json (bench/lib/results.mjs); not a test: nothing here fails on timings.
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { launchChromium } from '../tests/lib/browser.mjs';
import { startParley, webDist } from '../tests/lib/parley.mjs';
import { startFakeUpstream } from '../tests/lib/fake_upstream.mjs';
import { makeLongConversation } from '../tests/lib/long_conversation.mjs';
import { pageMainThreadTaskTimes as mainThreadTasks, taskCategories as traceCategories } from '../tests/lib/trace.mjs';
import { writeResult, median, fmt, cdfPoints } from './lib/results.mjs';

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : dflt; };
const rounds = arg('--rounds', 3);

// 1. What the first load transfers: every JS and CSS file of the build, gzip level 9 (the .gz files served).
const assets = join(webDist, 'assets');
const files = readdirSync(assets).filter((f) => /\.(js|css)$/.test(f))
  .map((f) => { const raw = readFileSync(join(assets, f)); return { f, raw: raw.length, gz: gzipSync(raw, { level: 9 }).length }; });
const bundleKB = files.reduce((a, x) => a + x.gz, 0) / 1024;

// 2. A 1,000-message conversation made through parley and the fake model (markdown with a code block).
const up = await startFakeUpstream();
const p = await startParley({ env: { OPENROUTER_BASE_URL: up.baseUrl, OPENROUTER_API_KEY: 'sk-bench-0123456789' },
  files: { 'data/mcp_servers.json': '{"servers":[]}', 'logging_settings.conf': 'terminal = warning\nsessions = warning\nconversations = off\n' } });
const browser = await launchChromium();
const open = [], scroll = [];
try {
  const session = await makeLongConversation(p, up, 500);
  for (let r = 0; r < rounds; r++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.addInitScript(() => {
      window.__long = [];
      new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__long.push(e.duration); }).observe({ type: 'longtask', buffered: true });
    });
    // The open is traced from before the navigation (of the page's about:blank to the conversation).
    await browser.startTracing(page, { categories: traceCategories });
    const t0 = Date.now();
    await page.goto(`${p.url}/c/${session}`);
    await page.getByRole('article', { name: 'You' }).filter({ hasText: 'Question number 499' }).waitFor();
    const shownMs = Date.now() - t0;
    await page.waitForTimeout(300);
    const openTasks = mainThreadTasks(await browser.stopTracing());
    open.push({ shownMs, long: await page.evaluate(() => window.__long.splice(0)), cpu: openTasks.map((t) => t.cpu), tasks: openTasks });
    const scroller = page.locator('.messages');
    const box = await scroller.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await browser.startTracing(page, { categories: traceCategories });
    const atTop = () => page.evaluate(() => document.querySelector('.messages').scrollTop === 0);
    let steps = 0;
    const s0 = Date.now();
    for (; steps < 4000 && !(await atTop()); steps++) { await page.mouse.wheel(0, -600); await page.waitForTimeout(16); }
    const scrollMs = Date.now() - s0;
    await page.locator('article .text').filter({ hasText: /^Question number 0$/ }).waitFor();
    const tasks = mainThreadTasks(await browser.stopTracing());
    await page.waitForTimeout(200);
    scroll.push({ steps, scrollMs, long: await page.evaluate(() => window.__long.splice(0)), cpu: tasks.map((t) => t.cpu), tasks, articles: await page.locator('article').count() });
    await context.close();
  }
} finally {
  await browser.close();
  await p.stop();
  await up.stop();
}

// The traced tasks over 50 ms of wall time, as "wall / CPU" (ms): what the page's observer counts, with the part
// of each that the thread actually ran.
const wallLong = (x) => x.tasks.filter((t) => t.wall > 50).map((t) => `${fmt(t.wall, 0)} / ${fmt(t.cpu, 1)}`).join(', ') || '–';
const wallLongCpu = (xs) => Math.max(0, ...xs.flatMap((x) => x.tasks.filter((t) => t.wall > 50).map((t) => t.cpu)));
const longCpu = scroll.map((s) => s.cpu.filter((x) => x > 50).length);
const maxCpu = scroll.map((s) => Math.max(...s.cpu));
const openLongCpu = open.map((o) => o.cpu.filter((x) => x > 50).length);
const openMaxCpu = open.map((o) => Math.max(...o.cpu));
const markdown = [
  '| asset | bytes | gzip (bytes) |', '|---|---|---|',
  ...files.map((x) => `| \`${x.f}\` | ${x.raw} | ${x.gz} |`),
  `| **total JS + CSS** | ${files.reduce((a, x) => a + x.raw, 0)} | **${files.reduce((a, x) => a + x.gz, 0)} (${fmt(bundleKB, 1)} KB)** |`,
  '', `A conversation of 1,000 messages (500 turns of markdown with a list and a code block), opened at \`/c/<id>\` and scrolled to the first message with 600 px wheel steps every ~16 ms; ${rounds} rounds, each in a new browser context.`,
  '', 'Opening: from the navigation to `/c/<id>` until the last message is shown, plus 300 ms (loading the page and its script, the conversation list, the history of 1,000 messages, the first render of its last messages and the scroll to the bottom).',
  '', '| round | open: last message shown (ms) | open: main-thread tasks | open: tasks > 50 ms CPU | open: longest task CPU (ms) | open: long tasks (wall clock, ms) | open: traced tasks > 50 ms wall (wall / CPU, ms) |',
  '|---|---|---|---|---|---|---|',
  ...open.map((o, i) => `| ${i + 1} | ${o.shownMs} | ${o.cpu.length} | ${openLongCpu[i]} | ${fmt(openMaxCpu[i], 1)} | ${JSON.stringify(o.long.map(Math.round))} | ${wallLong(o)} |`),
  '', '| round | scroll: wheel steps / time (s) | scroll: main-thread tasks | tasks > 50 ms CPU | longest task CPU (ms) | long tasks (wall clock, ms) | traced tasks > 50 ms wall (wall / CPU, ms) | articles in the DOM at the top |',
  '|---|---|---|---|---|---|---|---|',
  ...scroll.map((s, i) => `| ${i + 1} | ${s.steps} / ${fmt(s.scrollMs / 1000, 1)} | ${s.cpu.length} | ${longCpu[i]} | ${fmt(maxCpu[i], 1)} | ${JSON.stringify(s.long.map(Math.round))} | ${wallLong(s)} | ${s.articles} |`),
  '', 'The traced tasks over 50 ms of wall time are what the page\'s observer counts, seen in the trace (the two clocks differ by a few ms, so a task near 50 ms can be in one list and not the other): the first figure is the task\'s wall time, the second the CPU time the main thread ran in it; for the rest of the wall time the thread was off the CPU: waiting for one of the 2 cores, which it shares with the browser\'s other processes, parley and the fake upstream, or blocked.',
].join('\n');
writeResult({
  name: 'web_ui', title: 'P8 — web UI', markdown,
  summary: [
    { id: 'P8', measure: 'JavaScript + CSS on first load, gzip', figure: `${fmt(bundleKB, 1)} KB`, target: '≤ 250 KB', met: bundleKB <= 250 },
    { id: 'P8', measure: '1,000-message conversation opened: tasks > 50 ms of main-thread CPU (per round)', figure: `${openLongCpu.join(', ')} (longest ${fmt(median(openMaxCpu), 1)} ms, median of rounds)`, target: 'no long task', met: openLongCpu.every((n) => n === 0) },
    { id: 'P8', measure: 'same, wall-clock long tasks while opening (per round)', figure: `${open.map((o) => o.long.length).join(', ')} (longest ${fmt(Math.max(0, ...open.flatMap((o) => o.long)), 0)} ms; CPU in the traced ones ≤ ${fmt(wallLongCpu(open), 1)} ms)`, target: 'no long task', met: open.every((o) => o.long.length === 0) },
    { id: 'P8', measure: '1,000-message conversation scrolled: tasks > 50 ms of main-thread CPU (per round)', figure: `${longCpu.join(', ')} (longest ${fmt(median(maxCpu), 1)} ms, median of rounds)`, target: 'no long task', met: longCpu.every((n) => n === 0) },
    { id: 'P8', measure: 'same, wall-clock long tasks while scrolling (per round)', figure: `${scroll.map((s) => s.long.length).join(', ')} (CPU in the traced ones ≤ ${fmt(wallLongCpu(scroll), 1)} ms)`, target: 'no long task', met: scroll.every((s) => s.long.length === 0) },
  ],
  plots: [{ file: 'p8-open-tasks.png', title: 'P8: main-thread task CPU time while opening a 1,000-message conversation', xlabel: 'task CPU time (ms)', ylabel: 'fraction of tasks', style: 'steps', logx: true, marks: [{ x: 50, label: 'long task (50 ms)' }],
    series: open.map((o, i) => ({ name: `round ${i + 1}`, points: cdfPoints(o.cpu.map((x) => Math.max(x, 0.001))) })) },
  { file: 'p8-scroll-tasks.png', title: 'P8: main-thread task CPU time while scrolling 1,000 messages', xlabel: 'task CPU time (ms)', ylabel: 'fraction of tasks', style: 'steps', logx: true, marks: [{ x: 50, label: 'long task (50 ms)' }],
    series: scroll.map((s, i) => ({ name: `round ${i + 1}`, points: cdfPoints(s.cpu.map((x) => Math.max(x, 0.001))) })) }],
});
