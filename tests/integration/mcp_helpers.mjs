// Helpers for the MCP integration tests: process inspection under /proc, waiting for server states, and
// starting @modelcontextprotocol/server-everything's HTTP transports on a free loopback port.
import { readdirSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const fakesDir = resolve(here, '..', 'fakes', 'mcp');
export const fakeServer = join(fakesDir, 'fake_server.mjs');
export const everythingEntry = resolve(here, '..', 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
export const filesystemEntry = resolve(here, '..', 'node_modules', '@modelcontextprotocol', 'server-filesystem', 'dist', 'index.js');
// Only the pause between polls: tests wait for what they expect (waitFor, waitForStatus), not for a time.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function readStat(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    let cmdline = '';
    try { cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim(); } catch { /* gone */ }
    return { pid: Number(pid), state: fields[0], ppid: Number(fields[1]), pgrp: Number(fields[2]), cmdline };
  } catch {
    return null;
  }
}

/** Every live process (and zombie) on the machine. */
export function allProcesses() {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(readStat).filter(Boolean);
}

/** Direct children of `pid`, zombies included. */
export function childrenOf(pid) {
  return allProcesses().filter((p) => p.ppid === pid);
}

/** Processes whose command line contains `marker` (e.g. a unique temp path given to the servers). */
export function processesMatching(marker) {
  return allProcesses().filter((p) => p.cmdline.includes(marker));
}

export async function getStatus(p) {
  const res = await fetch(`${p.url}/api/mcp/servers/`);
  if (res.status !== 200) throw new Error(`status ${res.status}: ${await res.text()}`);
  return res.json();
}

export function server(status, id) {
  return status.servers.find((s) => s.id === id);
}

/** Polls the status until `predicate(status)` holds. */
export async function waitForStatus(p, predicate, { timeoutMs = 15000, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await getStatus(p);
    if (predicate(last)) return last;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}; last status: ${JSON.stringify(last, null, 1)}`);
}

export async function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

/** Starts server-everything with `transport` ('sse' | 'streamableHttp') on 127.0.0.1; resolves {port, proc, stop}. */
export async function startEverythingHttp(transport) {
  const port = await freePort();
  const proc = spawn(process.execPath, [join(fakesDir, 'everything_loopback.mjs'), transport],
    { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  // Ready once it says so on its output.
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server-everything ${transport} did not start within 15 s: ${out}`)), 15000);
    const check = () => { if (/listening on port|running on port/i.test(out)) { clearTimeout(timer); resolve(); } };
    proc.stdout.on('data', check);
    proc.stderr.on('data', check);
    proc.on('exit', () => { clearTimeout(timer); reject(new Error(`server-everything ${transport} exited: ${out}`)); });
  });
  return {
    port,
    proc,
    output: () => out,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.on('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** Runs `parley <args>` to completion: {code, stdout, stderr}. */
export function runParley(bin, args, { env = {}, cwd, timeoutMs = 60000 } = {}) {
  return new Promise((res) => {
    const proc = spawn(bin, args, { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => { stdout += d; });
    proc.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('exit', (code, signal) => { clearTimeout(timer); res({ code, signal, stdout, stderr }); });
  });
}

/** Reads an SSE response as it comes: `onEvent(event, data)` is awaited for each event (it may answer a
 *  question of the turn); resolves with every {event, data} once the stream ends. */
export async function readSseEvents(res, onEvent = async () => {}) {
  const events = [];
  let buffer = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (!block || block.startsWith(':')) continue;
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      events.push({ event, data });
      await onEvent(event, data);
    }
  }
  return events;
}
