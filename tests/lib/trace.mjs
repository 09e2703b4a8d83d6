// Chromium traces (browser.startTracing / stopTracing of playwright-core) of one page, for the P8 test and bench.

/** The categories that give every main-thread task (RunTask) with its CPU time. */
export const taskCategories = ['devtools.timeline', 'disabled-by-default-devtools.timeline'];

/**
 * The CPU time (ms, `tdur`) of every task the traced page's renderer main thread ran, in trace order. The page's
 * renderer: the process of the traced page's frame when the trace started and of every navigation committed in
 * that frame; the trace also covers the browser's other renderers (e.g. one still closing an earlier page).
 */
export function pageMainThreadTasks(buffer) {
  const trace = JSON.parse(buffer.toString()).traceEvents;
  const frames = trace.filter((e) => e.name === 'TracingStartedInBrowser').flatMap((e) => e.args?.data?.frames ?? []);
  const frameIds = new Set(frames.map((f) => f.frame));
  const pids = new Set([...frames.map((f) => f.processId),
    ...trace.filter((e) => e.name === 'FrameCommittedInBrowser' && frameIds.has(e.args?.data?.frame)).map((e) => e.args.data.processId)]);
  const main = new Set(trace.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain' && pids.has(e.pid))
    .map((e) => `${e.pid}:${e.tid}`));
  return trace.filter((e) => e.name === 'RunTask' && e.ph === 'X' && main.has(`${e.pid}:${e.tid}`)).map((e) => (e.tdur ?? e.dur) / 1000);
}
