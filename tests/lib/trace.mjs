// Chromium traces (browser.startTracing / stopTracing of playwright-core) of one page, for the P8 test and bench.

/** The categories that give every main-thread task (RunTask) with its CPU time. */
export const taskCategories = ['devtools.timeline', 'disabled-by-default-devtools.timeline'];

/**
 * The CPU time (ms, `tdur`) of every task the traced page's renderer main thread ran, in trace order. The page's
 * renderer: the process of the traced page's frame when the trace started and of every navigation committed in
 * that frame; the trace also covers the browser's other renderers (e.g. one still closing an earlier page).
 */
export function pageMainThreadTasks(buffer) {
  return pageMainThreadTaskTimes(buffer).map((t) => t.cpu);
}

/**
 * The wall time (`wall`, ms, `dur`) and CPU time (`cpu`, ms, `tdur`) of every task of the traced page's renderer
 * main thread, in trace order: a task whose wall time is far above its CPU time spent the rest off the CPU (on a
 * busy machine, waiting for a core).
 */
export function pageMainThreadTaskTimes(buffer) {
  return pageMainThreadRunTasks(JSON.parse(buffer.toString()).traceEvents).tasks
    .map((e) => ({ wall: e.dur / 1000, cpu: (e.tdur ?? e.dur) / 1000 }));
}

function pageMainThreadRunTasks(trace) {
  const frames = trace.filter((e) => e.name === 'TracingStartedInBrowser').flatMap((e) => e.args?.data?.frames ?? []);
  const frameIds = new Set(frames.map((f) => f.frame));
  const pids = new Set([...frames.map((f) => f.processId),
    ...trace.filter((e) => e.name === 'FrameCommittedInBrowser' && frameIds.has(e.args?.data?.frame)).map((e) => e.args.data.processId)]);
  const main = new Set(trace.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain' && pids.has(e.pid))
    .map((e) => `${e.pid}:${e.tid}`));
  return { main, pids, tasks: trace.filter((e) => e.name === 'RunTask' && e.ph === 'X' && main.has(`${e.pid}:${e.tid}`)) };
}

// Trace events that only wrap others.
const wrappers = new Set(['RunTask', 'ThreadControllerImpl::RunTask', 'SequenceManager::DoIdleWork', 'RunMicrotasks', 'v8.callFunction']);

/**
 * For diagnosis (bench/web_ui_open_trace.mjs): every task of the traced page's renderer main thread with its wall
 * time (`wall`, ms), CPU time (`cpu`), start (ms on the page's clock, `performance.now()`, when the page made a
 * user-timing mark named `originMark` and the trace has category 'blink.user_timing'; else ms after the first
 * task) and `parts`: the trace events inside it, grouped by name (a FunctionCall, TimerFire or EvaluateScript by its
 * function or script too), with their summed wall and CPU time (nested events are counted in their parents
 * too), longest first. The array's `marks`: the page's other user-timing marks on its main thread (category
 * 'blink.user_timing'), each with its `start` and the thread's CPU clock then (`cpu`, ms), in order; `requests`:
 * the page's requests (`path`, `sent`, `finished`, ms on the page's clock).
 */
export function pageTaskDetails(buffer, originMark = 'p8-origin') {
  const trace = JSON.parse(buffer.toString()).traceEvents;
  const { main, pids, tasks } = pageMainThreadRunTasks(trace);
  const origin = pageOrigin(trace, pids, originMark) ?? Math.min(...tasks.map((t) => t.ts));
  const byThread = new Map();
  for (const e of trace) {
    if (e.ph !== 'X' || wrappers.has(e.name)) continue;
    const key = `${e.pid}:${e.tid}`;
    if (!main.has(key)) continue;
    if (!byThread.has(key)) byThread.set(key, []);
    byThread.get(key).push(e);
  }
  for (const list of byThread.values()) list.sort((a, b) => a.ts - b.ts);
  const label = (e) => {
    const d = e.args?.data ?? e.args?.beginData ?? {};
    const where = d.functionName || (d.url ? d.url.replace(/^.*\//, '') : '') || d.timerId || '';
    return where ? `${e.name}(${where})` : e.name;
  };
  const marks = trace.filter((e) => e.cat === 'blink.user_timing' && e.tts !== undefined && main.has(`${e.pid}:${e.tid}`) && e.name !== originMark)
    .sort((a, b) => a.ts - b.ts).map((e) => ({ name: e.name, start: (e.ts - origin) / 1000, cpu: e.tts / 1000 }));
  const details = tasks.sort((a, b) => a.ts - b.ts).map((t) => {
    const events = byThread.get(`${t.pid}:${t.tid}`) ?? [];
    const parts = new Map();
    let lo = 0;
    for (let hi = events.length; lo < hi;) { const mid = (lo + hi) >> 1; if (events[mid].ts < t.ts) lo = mid + 1; else hi = mid; }
    for (let i = lo; i < events.length; i++) {
      const e = events[i];
      if (e.ts > t.ts + t.dur) break;
      const name = label(e);
      const p = parts.get(name) ?? { name, wall: 0, cpu: 0 };
      p.wall += e.dur / 1000;
      p.cpu += (e.tdur ?? e.dur) / 1000;
      parts.set(name, p);
    }
    return { ts: t.ts, tts: t.tts / 1000, start: (t.ts - origin) / 1000, wall: t.dur / 1000, cpu: (t.tdur ?? t.dur) / 1000, parts: [...parts.values()].sort((a, b) => b.wall - a.wall) };
  });
  // The page's requests: when each was sent and finished (ms on the page's clock), by URL path.
  const ids = new Map();
  for (const e of trace) {
    const d = e.args?.data;
    if (!d?.requestId || !pids.has(e.pid)) continue;
    if (e.name === 'ResourceSendRequest' && d.url) ids.set(d.requestId, { path: new URL(d.url).pathname, sent: (e.ts - origin) / 1000, finished: null });
    else if (e.name === 'ResourceFinish' && ids.has(d.requestId)) ids.get(d.requestId).finished = (e.ts - origin) / 1000;
  }
  return Object.assign(details, { marks, requests: [...ids.values()].sort((a, b) => a.sent - b.sent) });
}

// Where the page's clock (performance.now()) starts on the trace's clock (µs): from the last user-timing mark
// named `name` the page made, which records its startTime.
function pageOrigin(trace, pids, name) {
  const marks = trace.filter((e) => e.name === name && pids.has(e.pid) && e.args?.data?.startTime !== undefined).sort((a, b) => a.ts - b.ts);
  return marks.length ? marks.at(-1).ts - marks.at(-1).args.data.startTime * 1000 : null;
}
