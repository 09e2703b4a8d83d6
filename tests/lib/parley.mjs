// Starts the real parley binary on an ephemeral port in a fresh home directory, for integration and e2e tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { endWithThisProcess } from './children.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..');
export const parleyBin = process.env.PARLEY_BIN || join(repoRoot, 'build', 'parley');
export const webDist = join(repoRoot, 'web', 'dist');

/**
 * Start parley. Options:
 *   env: extra environment variables (merged over a clean base)
 *   args: CLI args (default ['serve'])
 *   home: an existing home dir (default: a new temp dir, removed by stop())
 *   files: {relativePath: content} written into the home before start
 *   expectExit: resolve when the process exits instead of waiting for the listening line
 *   prefix: a command that execs parley, e.g. ['prlimit', '--nofile=96:96'] (proc.pid is then parley's)
 * Returns { url, port, home, proc, output(), waitForOutput(pattern, timeoutMs, from), stop(signal), exited }
 */
// PARLEY_KEEP_HOMES=1 (./scripts/bench): homes are left for the caller to remove at the end of its run, so that
// deleting one step's files does not slow the next step's file creation (bench/notes/observability.md).
const keepHomes = process.env.PARLEY_KEEP_HOMES === '1';

export async function startParley(opts = {}) {
  const home = opts.home ?? mkdtempSync(join(tmpdir(), 'parley-test-'));
  const ownHome = !opts.home;
  for (const [rel, content] of Object.entries(opts.files ?? {})) {
    const p = join(home, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME ?? '/root',
    LANG: 'C.UTF-8',
    PARLEY_HOME: home,
    PARLEY_PORT: '0',
    PARLEY_WEB_DIR: existsSync(webDist) ? webDist : undefined,
    ...(opts.env ?? {}),
  };
  for (const [k, v] of Object.entries(env)) if (v === undefined || v === null) delete env[k];
  const [command, ...prefixArgs] = [...(opts.prefix ?? []), opts.bin ?? parleyBin];
  const proc = endWithThisProcess(spawn(command, [...prefixArgs, ...(opts.args ?? ['serve'])], { cwd: home, env, stdio: ['pipe', 'pipe', 'pipe'] }));
  let out = '';
  let closed = false;
  proc.stdout.on('data', (d) => { out += d.toString(); });
  proc.stderr.on('data', (d) => { out += d.toString(); });
  proc.on('close', () => { closed = true; });
  const exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })));

  // Resolves with the match of `pattern` in the output (stdout and stderr, i.e. the terminal log) from offset
  // `from` on (e.g. output().length before an action) as soon as it is there; rejects when the output ends
  // without it or after `timeoutMs`.
  const waitForOutput = (pattern, timeoutMs = 10000, from = 0) => new Promise((resolve, reject) => {
    let timer;
    const finish = (settle, value) => {
      clearTimeout(timer);
      proc.stdout.off('data', check);
      proc.stderr.off('data', check);
      proc.off('close', ended);
      settle(value);
    };
    // Runs after the listeners above have appended the chunk (listeners run in the order they were added).
    function check() {
      const m = out.slice(from).match(pattern);
      if (m) finish(resolve, m);
      return Boolean(m);
    }
    function ended() {
      if (!check()) finish(reject, new Error(`parley ended (code ${proc.exitCode}, signal ${proc.signalCode}) without printing ${pattern}:\n${out}`));
    }
    if (check()) return;
    if (closed) { ended(); return; }
    timer = setTimeout(() => finish(reject, new Error(`parley did not print ${pattern} within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    proc.stdout.on('data', check);
    proc.stderr.on('data', check);
    proc.on('close', ended);
  });

  const handle = {
    home, proc, exited,
    output: () => out,
    waitForOutput,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const r = await exited;
      if (ownHome && !opts.keepHome && !keepHomes) rmSync(home, { recursive: true, force: true });
      return r;
    },
  };
  if (opts.expectExit) {
    const r = await exited;
    return { ...handle, ...r };
  }
  let m;
  try {
    m = await waitForOutput(/parley listening on (https?:\/\/[^\s"]+)/, opts.timeoutMs ?? 15000);
  } catch (e) {
    proc.kill('SIGKILL');
    throw e;
  }
  const url = m[1].replace(/\/$/, '');
  return { ...handle, url, port: Number(new URL(url).port) };
}
