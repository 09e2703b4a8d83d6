// Child processes that must not outlive the script that started them. A test or bench script that fails with an
// uncaught exception skips its `finally` blocks and stop() calls; a parley, fake upstream or nginx it started would
// then go on running, holding its port and CPU (and the pipe of a shell pipeline around the script) until someone
// killed it. Every process passed to endWithThisProcess is signalled when this Node.js process exits, however it
// exits (a deadline's SIGTERM or SIGKILL is for `timeout --kill-after` in scripts/bench, which signals the group).
const live = new Map(); // ChildProcess -> signal

process.on('exit', () => {
  for (const [proc, signal] of live) {
    try {
      proc.kill(signal);
    } catch {
      // already gone
    }
  }
});

// `signal`: what ends it at once and whole (SIGTERM for a server whose master must stop its workers, as nginx's).
export function endWithThisProcess(proc, signal = 'SIGKILL') {
  if (proc.exitCode !== null || proc.signalCode !== null) return proc;
  live.set(proc, signal);
  proc.once('exit', () => live.delete(proc));
  return proc;
}
